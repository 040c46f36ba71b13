/**
 * Resumable (TUS) uploads against the local Storage API in-process: through tus-js-client (the
 * client Supabase's docs use) and request by request for the protocol's rules.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as tus from "tus-js-client";
import { JWT_SECRET, SECRET_KEY } from "../config.ts";
import { createStorageHandler } from "./storage.ts";

const auth = { authorization: `Bearer ${SECRET_KEY}` };
const MiB = 1024 * 1024;

async function withStorage(
  fn: (url: string, call: (path: string, init?: RequestInit) => Promise<Response>) => Promise<void>,
  fileSizeLimit?: number,
): Promise<void> {
  const root = await Deno.makeTempDir();
  let handler: (req: Request) => Promise<Response> = () => Promise.resolve(new Response(null));
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (r) => handler(r),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  handler = createStorageHandler({
    root,
    jwtSecret: JWT_SECRET,
    secretKeys: [SECRET_KEY],
    publicUrl: url,
    ...(fileSizeLimit ? { fileSizeLimit } : {}),
  });
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${url}/storage/v1${path}`, { ...init, headers: { ...auth, ...init.headers } });
  try {
    const made = await call("/bucket", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "rec", name: "rec", public: false }),
    });
    assert.equal(made.status, 200, await made.text());
    await fn(url, call);
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
}

const meta = (o: Record<string, string>) =>
  Object.entries(o).map(([k, v]) => `${k} ${btoa(v)}`).join(",");

Deno.test("tus: tus-js-client uploads 13 MiB in 6 MiB chunks; the object appears whole", async () => {
  await withStorage(async (url, call) => {
    const data = Buffer.alloc(13 * MiB);
    for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
    const upload = (object: string) =>
      new Promise<void>((resolve, reject) => {
        new tus.Upload(data, {
          endpoint: `${url}/storage/v1/upload/resumable`,
          headers: { ...auth, "x-upsert": "true" },
          chunkSize: 6 * MiB,
          removeFingerprintOnSuccess: true,
          metadata: { bucketName: "rec", objectName: object, contentType: "audio/wav" },
          onError: reject,
          onSuccess: () => resolve(),
        }).start();
      });
    await upload("calls/1/a.wav");
    await upload("calls/1/a.wav"); // upsert: the same object again
    const res = await call("/object/rec/calls/1/a.wav");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "audio/wav");
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array(data));
    const listed = await (await call("/object/list/rec", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "calls/1" }),
    })).json();
    assert.equal(listed.length, 1);
  });
});

Deno.test("tus: the protocol's rules (version, offsets, types, limits, upsert, termination)", async () => {
  await withStorage(async (_url, call) => {
    const tusH = { "tus-resumable": "1.0.0" };
    const create = (headers: Record<string, string>) =>
      call("/upload/resumable", { method: "POST", headers: { ...tusH, ...headers } });
    const options = await call("/upload/resumable", { method: "OPTIONS", headers: {} });
    assert.equal(options.status, 204);
    assert.match(options.headers.get("tus-extension")!, /creation-defer-length/);
    assert.equal(options.headers.get("tus-max-size"), String(8 * MiB));

    const noVersion = await call("/upload/resumable", {
      method: "POST",
      headers: { "upload-length": "1" },
    });
    assert.equal(noVersion.status, 412);
    await noVersion.body?.cancel();
    const tooBig = await create({
      "upload-length": String(8 * MiB + 1),
      "upload-metadata": meta({ bucketName: "rec", objectName: "big" }),
    });
    assert.equal(tooBig.status, 413);
    await tooBig.body?.cancel();
    const noMeta = await create({ "upload-length": "3" });
    assert.equal(noMeta.status, 400);
    await noMeta.body?.cancel();

    const made = await create({
      "upload-length": "6",
      "upload-metadata": meta({
        bucketName: "rec",
        objectName: "o.bin",
        contentType: "audio/mpeg",
      }),
    });
    assert.equal(made.status, 201);
    const loc = new URL(made.headers.get("location")!).pathname.replace("/storage/v1", "");
    const patch = (offset: number, body: string, extra: Record<string, string> = {}) =>
      call(loc, {
        method: "PATCH",
        headers: {
          ...tusH,
          "content-type": "application/offset+octet-stream",
          "upload-offset": String(offset),
          ...extra,
        },
        body,
      });
    const wrongType = await call(loc, {
      method: "PATCH",
      headers: { ...tusH, "content-type": "text/plain", "upload-offset": "0" },
      body: "abc",
    });
    assert.equal(wrongType.status, 415);
    await wrongType.body?.cancel();
    const first = await patch(0, "abc");
    assert.equal(first.status, 204);
    assert.equal(first.headers.get("upload-offset"), "3");
    const stale = await patch(0, "abc");
    assert.equal(stale.status, 409, "an offset that does not match is refused");
    await stale.body?.cancel();
    const head = await call(loc, { method: "HEAD", headers: tusH });
    assert.deepEqual([head.headers.get("upload-offset"), head.headers.get("upload-length")], [
      "3",
      "6",
    ]);
    const over = await patch(3, "defg");
    assert.equal(over.status, 413, "more than Upload-Length is refused");
    await over.body?.cancel();
    // Nothing exists before the last byte.
    assert.equal((await call("/object/rec/o.bin")).status, 400);
    const last = await patch(3, "def");
    assert.equal(last.status, 204);
    assert.equal(last.headers.get("tus-complete"), "1");
    assert.equal(await (await call("/object/rec/o.bin")).text(), "abcdef");

    const again = await create({
      "upload-length": "1",
      "upload-metadata": meta({ bucketName: "rec", objectName: "o.bin" }),
    });
    assert.equal(again.status, 409, "an existing object needs x-upsert");
    await again.body?.cancel();

    // Deferred length: declared with the last chunk.
    const deferred = await create({
      "upload-defer-length": "1",
      "upload-metadata": meta({ bucketName: "rec", objectName: "d.bin" }),
    });
    const dloc = new URL(deferred.headers.get("location")!).pathname.replace("/storage/v1", "");
    const dhead = await call(dloc, { method: "HEAD", headers: tusH });
    assert.equal(dhead.headers.get("upload-defer-length"), "1");
    const p1 = await call(dloc, {
      method: "PATCH",
      headers: { ...tusH, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: "12",
    });
    assert.equal(p1.status, 204);
    const p2 = await call(dloc, {
      method: "PATCH",
      headers: {
        ...tusH,
        "content-type": "application/offset+octet-stream",
        "upload-offset": "2",
        "upload-length": "4",
      },
      body: "34",
    });
    assert.equal(p2.status, 204);
    assert.equal(await (await call("/object/rec/d.bin")).text(), "1234");

    // Termination of an unfinished upload; it is gone afterwards.
    const t = await create({
      "upload-length": "9",
      "upload-metadata": meta({ bucketName: "rec", objectName: "t.bin" }),
    });
    const tloc = new URL(t.headers.get("location")!).pathname.replace("/storage/v1", "");
    assert.equal((await call(tloc, { method: "DELETE", headers: tusH })).status, 204);
    assert.equal((await call(tloc, { method: "HEAD", headers: tusH })).status, 404);

    const anon = await fetch(made.headers.get("location")!, { method: "HEAD", headers: tusH });
    assert.equal(anon.status, 403, "credentials are required");
  }, 8 * MiB);
});
