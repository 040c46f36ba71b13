/**
 * The local Storage emulation against the real storage-js client (through supabase-js), served
 * on a random port over a temp directory. Error expectations follow the real server: client
 * errors are HTTP 400 with the meaningful status in the body's `statusCode`.
 */
import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { ANON_KEY, JWT_SECRET, SECRET_KEY, SERVICE_ROLE_KEY } from "../../local/config.ts";
import { base64UrlDecode, base64UrlEncode, signJwt } from "../../local/gateway/jwt.ts";
import { createStorageHandler } from "../../local/gateway/storage.ts";
import { readMultipart } from "../../local/gateway/storage_multipart.ts";

interface Harness {
  url: string;
  root: string;
  admin: SupabaseClient;
  anon: SupabaseClient;
  client(key: string): SupabaseClient;
}

async function withStorage(run: (h: Harness) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "switchboard-storage-test-" });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    createStorageHandler({
      root,
      jwtSecret: JWT_SECRET,
      secretKeys: [SECRET_KEY],
      publicUrl: "http://127.0.0.1:54321",
    }),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const client = (key: string) =>
    createClient(url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
  try {
    await run({ url, root, admin: client(SERVICE_ROLE_KEY), anon: client(ANON_KEY), client });
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
}

/** storage-js's StorageApiError: HTTP status in `status`, the body's code in `statusCode`. */
function assertStorageError(
  error: unknown,
  statusCode: string,
  message?: string | RegExp,
): void {
  assert.ok(error, `expected a storage error with statusCode ${statusCode}`);
  const e = error as { status?: number; statusCode?: string; message: string };
  assert.equal(e.statusCode, statusCode, `statusCode of: ${e.message}`);
  if (typeof message === "string") assert.equal(e.message, message);
  else if (message) assert.match(e.message, message);
}

/** A deterministic byte pattern, so large bodies need not be kept around to be compared. */
function patternBytes(offset: number, length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const n = offset + i;
    bytes[i] = (n * 31 + (n >>> 9) + (n >>> 17)) & 0xff;
  }
  return bytes;
}

function patternStream(total: number, chunk = 61 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const size = Math.min(chunk, total - sent);
      controller.enqueue(patternBytes(sent, size));
      sent += size;
    },
  });
}

async function sha256(data: Uint8Array | ArrayBuffer | Blob): Promise<string> {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest("SHA-256", buffer as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

async function entriesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

function serviceHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${SERVICE_ROLE_KEY}`, apikey: SERVICE_ROLE_KEY, ...extra };
}

Deno.test("storage: buckets are created, read, updated, emptied and deleted", async () => {
  await withStorage(async ({ admin, url }) => {
    const created = await admin.storage.createBucket("docs", {
      public: false,
      fileSizeLimit: "1MB",
      allowedMimeTypes: ["text/*"],
    });
    assert.equal(created.error, null);
    assert.deepEqual(created.data, { name: "docs" });

    const duplicate = await admin.storage.createBucket("docs", { public: false });
    assertStorageError(duplicate.error, "409", "The resource already exists");
    assert.equal((duplicate.error as { status?: number }).status, 400);

    const got = await admin.storage.getBucket("docs");
    assert.equal(got.error, null);
    assert.equal(got.data?.id, "docs");
    assert.equal(got.data?.public, false);
    assert.equal(got.data?.file_size_limit, 1_000_000);
    assert.deepEqual(got.data?.allowed_mime_types, ["text/*"]);

    const listed = await admin.storage.listBuckets();
    assert.deepEqual(listed.data?.map((b) => b.name), ["docs"]);

    const updated = await admin.storage.updateBucket("docs", {
      public: true,
      fileSizeLimit: null,
      allowedMimeTypes: null,
    });
    assert.deepEqual(updated.data, { message: "Successfully updated" });
    const after = await admin.storage.getBucket("docs");
    assert.equal(after.data?.public, true);
    assert.equal(after.data?.file_size_limit, null);
    assert.equal(after.data?.allowed_mime_types, null);

    await admin.storage.from("docs").upload("nested/file.txt", "hello");
    const notEmpty = await admin.storage.deleteBucket("docs");
    assertStorageError(notEmpty.error, "409", "The bucket you tried to delete is not empty");

    assert.deepEqual((await admin.storage.emptyBucket("docs")).data, {
      message: "Successfully emptied",
    });
    assert.deepEqual((await admin.storage.deleteBucket("docs")).data, {
      message: "Successfully deleted",
    });
    assertStorageError((await admin.storage.getBucket("docs")).error, "404", "Bucket not found");

    // Bucket ids are directory names: ".." must never be one.
    const dots = await fetch(`${url}/storage/v1/bucket`, {
      method: "POST",
      headers: serviceHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ id: "..", name: ".." }),
    });
    assert.equal(dots.status, 400);
    assert.equal((await dots.json()).code, "InvalidBucketName");
    const traversal = await fetch(`${url}/storage/v1/bucket/..%2F..%2Fescape`, {
      headers: serviceHeaders(),
    });
    assert.equal((await traversal.json()).code, "InvalidBucketName");
  });
});

Deno.test("storage: a Blob and a streamed body upload and download byte for byte", async () => {
  await withStorage(async ({ admin, root }) => {
    await admin.storage.createBucket("private", { public: false });
    const files = admin.storage.from("private");

    const blobBytes = patternBytes(7, 150_000);
    const blob = await files.upload(
      "a/blob.bin",
      new Blob([blobBytes], { type: "application/pdf" }),
    );
    assert.equal(blob.error, null);
    assert.equal(blob.data?.path, "a/blob.bin");
    assert.equal(blob.data?.fullPath, "private/a/blob.bin");
    assert.match(blob.data?.id ?? "", /^[0-9a-f-]{36}$/);

    const total = 5 * 1024 * 1024 + 123;
    const streamed = await files.upload("a/stream.bin", patternStream(total), {
      contentType: "application/octet-stream",
    });
    assert.equal(streamed.error, null);
    assert.equal(streamed.data?.fullPath, "private/a/stream.bin");

    const blobBack = await files.download("a/blob.bin");
    assert.equal(blobBack.error, null);
    assert.equal(blobBack.data?.type, "application/pdf");
    assert.deepEqual(new Uint8Array(await blobBack.data!.arrayBuffer()), blobBytes);

    const streamBack = await files.download("a/stream.bin");
    assert.equal(streamBack.data?.size, total);
    assert.equal(await sha256(streamBack.data!), await sha256(patternBytes(0, total)));

    const info = await files.info("a/stream.bin");
    assert.equal(info.error, null);
    assert.equal(info.data?.size, total);
    assert.equal(info.data?.contentType, "application/octet-stream");
    assert.equal(info.data?.cacheControl, "max-age=3600");
    assert.equal((await files.exists("a/blob.bin")).data, true);
    assert.equal((await files.exists("a/missing.bin")).data, false);

    // Every upload was renamed into place: nothing is left in the temp directory.
    assert.deepEqual(await entriesIn(`${root}/tmp`), []);
  });
});

Deno.test("storage: an existing path is a duplicate unless the upload is an upsert", async () => {
  await withStorage(async ({ admin }) => {
    await admin.storage.createBucket("b", { public: false });
    const files = admin.storage.from("b");

    const first = await files.upload("x.txt", "one");
    assert.equal(first.error, null);

    const again = await files.upload("x.txt", "two");
    assertStorageError(again.error, "409", "The resource already exists");
    const streamedAgain = await files.upload("x.txt", patternStream(256 * 1024));
    assertStorageError(streamedAgain.error, "409");
    assert.equal(await (await files.download("x.txt")).data?.text(), "one");

    const upserted = await files.upload("x.txt", "two", { upsert: true });
    assert.equal(upserted.error, null);
    assert.equal(upserted.data?.id, first.data?.id, "an overwrite keeps the object's id");
    assert.equal(await (await files.download("x.txt")).data?.text(), "two");

    const updated = await files.update("x.txt", new Blob(["three"], { type: "text/plain" }));
    assert.equal(updated.error, null);
    assert.equal(await (await files.download("x.txt")).data?.text(), "three");
  });
});

Deno.test("storage: concurrent uploads to one path leave exactly one consistent object", async () => {
  await withStorage(async ({ admin, root }) => {
    await admin.storage.createBucket("b", { public: false });
    const files = admin.storage.from("b");

    const creates = await Promise.all(
      Array.from({ length: 8 }, (_, i) => files.upload("race.txt", `create ${i}`)),
    );
    assert.equal(creates.filter((r) => r.error === null).length, 1, "one create wins");
    for (const lost of creates.filter((r) => r.error !== null)) {
      assertStorageError(lost.error, "409");
    }

    const contents = Array.from({ length: 8 }, (_, i) => `upsert ${i} `.repeat(1000 * (i + 1)));
    const upserts = await Promise.all(
      contents.map((content) => files.upload("race.txt", content, { upsert: true })),
    );
    assert.ok(upserts.every((r) => r.error === null));

    // Whichever write landed last, the bytes and the record describe the same content.
    const text = await (await files.download("race.txt")).data!.text();
    assert.ok(contents.includes(text));
    const info = await files.info("race.txt");
    assert.equal(info.data?.size, new TextEncoder().encode(text).length);
    // Superseded versions are removed: one data file and one record remain.
    assert.equal((await entriesIn(`${root}/objects/b`)).length, 1);
    assert.deepEqual(await entriesIn(`${root}/metadata/b`), ["race.txt~.json"]);
  });
});

Deno.test("storage: byte ranges are served from the authenticated and signed URLs", async () => {
  await withStorage(async ({ admin, url }) => {
    await admin.storage.createBucket("media", { public: false });
    const content = patternBytes(0, 256);
    await admin.storage.from("media").upload("clip.bin", content, {
      contentType: "application/octet-stream",
    });

    const objectUrl = `${url}/storage/v1/object/authenticated/media/clip.bin`;
    const ranged = await fetch(objectUrl, { headers: serviceHeaders({ range: "bytes=10-19" }) });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get("content-range"), "bytes 10-19/256");
    assert.equal(ranged.headers.get("content-length"), "10");
    assert.equal(ranged.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(await bytesOf(ranged), content.slice(10, 20));

    const signed = await admin.storage.from("media").createSignedUrl("clip.bin", 60);
    assert.equal(signed.error, null);
    const signedRange = await fetch(signed.data!.signedUrl, { headers: { range: "bytes=10-19" } });
    assert.equal(signedRange.status, 206);
    assert.equal(signedRange.headers.get("content-range"), "bytes 10-19/256");
    assert.deepEqual(await bytesOf(signedRange), content.slice(10, 20));

    const suffix = await fetch(objectUrl, { headers: serviceHeaders({ range: "bytes=-6" }) });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get("content-range"), "bytes 250-255/256");
    assert.deepEqual(await bytesOf(suffix), content.slice(250));

    const open = await fetch(objectUrl, { headers: serviceHeaders({ range: "bytes=200-" }) });
    assert.equal(open.status, 206);
    assert.deepEqual(await bytesOf(open), content.slice(200));

    const clipped = await fetch(objectUrl, { headers: serviceHeaders({ range: "bytes=250-999" }) });
    assert.equal(clipped.headers.get("content-range"), "bytes 250-255/256");
    assert.deepEqual(await bytesOf(clipped), content.slice(250));

    const beyond = await fetch(objectUrl, { headers: serviceHeaders({ range: "bytes=256-" }) });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), "bytes */256");
    assert.equal((await beyond.json()).code, "InvalidRange");

    const full = await fetch(objectUrl, { headers: serviceHeaders() });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("content-length"), "256");
    const etag = full.headers.get("etag");
    assert.match(etag ?? "", /^"[0-9a-f]{32}"$/);
    assert.deepEqual(await bytesOf(full), content);

    const head = await fetch(objectUrl, { method: "HEAD", headers: serviceHeaders() });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "256");
    assert.equal(head.headers.get("etag"), etag);
    await head.body?.cancel();

    const cached = await fetch(objectUrl, { headers: serviceHeaders({ "if-none-match": etag! }) });
    assert.equal(cached.status, 304);
    await cached.body?.cancel();
  });
});

Deno.test("storage: signed URLs need no credentials and refuse tampered, expired or foreign tokens", async () => {
  await withStorage(async ({ admin, url }) => {
    await admin.storage.createBucket("vault", { public: false });
    const files = admin.storage.from("vault");
    await files.upload("folder/secret report.txt", "classified");
    await files.upload("other.txt", "other");

    const signed = await files.createSignedUrl("folder/secret report.txt", 60);
    assert.equal(signed.error, null);
    const signedUrl = new URL(signed.data!.signedUrl);
    assert.equal(signedUrl.pathname, "/storage/v1/object/sign/vault/folder/secret%20report.txt");
    const token = signedUrl.searchParams.get("token")!;
    const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(token.split(".")[1]!)!));
    assert.equal(claims.url, "vault/folder/secret report.txt");
    assert.equal(claims.exp - claims.iat, 60);

    const ok = await fetch(signedUrl);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "classified");
    assert.ok(ok.headers.get("expires"));

    const asDownload = await files.createSignedUrl("folder/secret report.txt", 60, {
      download: "report.txt",
    });
    const attachment = await fetch(asDownload.data!.signedUrl);
    assert.equal(
      attachment.headers.get("content-disposition"),
      "attachment; filename=report.txt; filename*=UTF-8''report.txt;",
    );
    await attachment.body?.cancel();

    const signedFor = (path: string, t: string) =>
      `${url}/storage/v1/object/sign/vault/${path}?token=${t}`;
    const refusal = async (target: string, code: string, message: string) => {
      const response = await fetch(target);
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.statusCode, "400");
      assert.equal(body.code, code);
      assert.equal(body.message, message);
    };

    // A token for one object does not open another.
    await refusal(signedFor("other.txt", token), "InvalidSignature", "Invalid signature");
    // Re-pointing the claims at another object breaks the signature.
    const [header, , signature] = token.split(".");
    const forged = base64UrlEncode(
      new TextEncoder().encode(JSON.stringify({ ...claims, url: "vault/other.txt" })),
    );
    await refusal(
      signedFor("other.txt", `${header}.${forged}.${signature}`),
      "InvalidJWT",
      "invalid signature",
    );
    // A correctly signed but expired token.
    const now = Math.floor(Date.now() / 1000);
    const expired = await signJwt(
      { url: "vault/other.txt", iat: now - 120, exp: now - 60 },
      JWT_SECRET,
    );
    await refusal(signedFor("other.txt", expired), "InvalidJWT", "jwt expired");
    // A token signed with another secret, and none at all.
    const foreign = await signJwt(
      { url: "vault/other.txt", iat: now, exp: now + 60 },
      "not-the-project-secret-not-the-project-secret",
    );
    await refusal(signedFor("other.txt", foreign), "InvalidJWT", "invalid signature");
    await refusal(
      `${url}/storage/v1/object/sign/vault/other.txt`,
      "InvalidJWT",
      "jwt must be provided",
    );

    const many = await files.createSignedUrls(["other.txt", "missing.txt"], 60);
    assert.equal(many.error, null);
    assert.equal(many.data?.[0]?.error, null);
    assert.equal(await (await fetch(many.data![0]!.signedUrl!)).text(), "other");
    assert.equal(many.data?.[1]?.signedUrl, null);
    assert.match(many.data?.[1]?.error ?? "", /does not exist/);

    assertStorageError(
      (await files.createSignedUrl("missing.txt", 60)).error,
      "404",
      "Object not found",
    );
  });
});

Deno.test("storage: the anon key cannot read private buckets, public buckets are open", async () => {
  await withStorage(async ({ admin, anon, client, url }) => {
    await admin.storage.createBucket("vault", { public: false });
    await admin.storage.createBucket("assets", { public: true });
    await admin.storage.from("vault").upload("secret.txt", "secret");
    await admin.storage.from("assets").upload("logo.txt", "logo");

    assertStorageError((await anon.storage.from("vault").download("secret.txt")).error, "404");
    assertStorageError((await anon.storage.from("vault").info("secret.txt")).error, "404");
    assertStorageError(
      (await anon.storage.from("vault").createSignedUrl("secret.txt", 60)).error,
      "404",
    );
    assert.deepEqual((await anon.storage.from("vault").list()).data, []);
    assert.deepEqual((await anon.storage.listBuckets()).data, []);
    assertStorageError(
      (await anon.storage.from("assets").upload("evil.txt", "x")).error,
      "403",
      "new row violates row-level security policy",
    );
    assertStorageError((await anon.storage.createBucket("mine")).error, "403");
    assert.deepEqual((await anon.storage.from("vault").remove(["secret.txt"])).data, []);
    assert.equal(
      await (await admin.storage.from("vault").download("secret.txt")).data?.text(),
      "secret",
    );

    // Public buckets: readable through every object route, by anyone.
    assert.equal(
      await (await anon.storage.from("assets").download("logo.txt")).data?.text(),
      "logo",
    );
    const publicUrl = anon.storage.from("assets").getPublicUrl("logo.txt").data.publicUrl;
    assert.equal(publicUrl, `${url}/storage/v1/object/public/assets/logo.txt`);
    const viaPublic = await fetch(publicUrl);
    assert.equal(viaPublic.status, 200);
    assert.equal(await viaPublic.text(), "logo");
    const noAuth = await fetch(`${url}/storage/v1/object/assets/logo.txt`);
    assert.equal(await noAuth.text(), "logo");

    // Without credentials a private bucket is indistinguishable from a missing one.
    const privatePublicUrl = admin.storage.from("vault").getPublicUrl("secret.txt").data.publicUrl;
    const hidden = await fetch(privatePublicUrl);
    assert.equal(hidden.status, 400);
    assert.deepEqual(await hidden.json(), {
      statusCode: "404",
      code: "NoSuchBucket",
      error: "Bucket not found",
      message: "Bucket not found",
    });
    const anonymous = await fetch(`${url}/storage/v1/object/authenticated/vault/secret.txt`);
    assert.equal(anonymous.status, 400);
    assert.deepEqual(await anonymous.json(), {
      statusCode: "403",
      code: "AccessDenied",
      error: "Unauthorized",
      message: "jwt must be provided",
    });
    const forgedService = await signJwt(
      { role: "service_role" },
      "a-different-secret-of-32-characters!!",
    );
    const forged = client(forgedService).storage;
    assertStorageError((await forged.listBuckets()).error, "403", "invalid signature");
    // Downloads tolerate a bad token (as the server's do) but then only see public buckets.
    assertStorageError((await forged.from("vault").download("secret.txt")).error, "404");

    // The new-style secret key acts as the service role.
    const secret = client(SECRET_KEY);
    assert.deepEqual((await secret.storage.listBuckets()).data?.map((b) => b.id).sort(), [
      "assets",
      "vault",
    ]);
    assert.equal(
      await (await secret.storage.from("vault").download("secret.txt")).data?.text(),
      "secret",
    );
  });
});

Deno.test("storage: list shows one folder level at a time; move, copy and remove", async () => {
  await withStorage(async ({ admin, root }) => {
    await admin.storage.createBucket("b", { public: false });
    const files = admin.storage.from("b");
    for (const path of ["docs/a.txt", "docs/B.txt", "docs/sub/c.txt", "top.txt"]) {
      assert.equal((await files.upload(path, `content of ${path}`)).error, null);
    }

    const top = await files.list();
    assert.equal(top.error, null);
    assert.deepEqual(top.data?.map((e) => [e.name, e.id === null]), [["docs", true], [
      "top.txt",
      false,
    ]]);

    const docs = await files.list("docs");
    assert.deepEqual(docs.data?.map((e) => e.name), ["sub", "B.txt", "a.txt"]);
    const a = docs.data?.find((e) => e.name === "a.txt");
    assert.equal(a?.metadata?.size, "content of docs/a.txt".length);
    assert.equal(a?.metadata?.mimetype, "text/plain;charset=UTF-8");
    assert.equal(a?.metadata?.cacheControl, "max-age=3600");
    assert.match(a?.metadata?.eTag ?? "", /^"[0-9a-f]{32}"$/);
    assert.ok(a?.created_at && a.updated_at && a.last_accessed_at);

    assert.deepEqual((await files.list("docs", { search: "b" })).data?.map((e) => e.name), [
      "B.txt",
    ]);
    assert.deepEqual(
      (await files.list("docs", { sortBy: { column: "name", order: "desc" } })).data?.map((e) =>
        e.name
      ),
      ["sub", "a.txt", "B.txt"],
    );
    assert.deepEqual((await files.list("docs", { limit: 1, offset: 1 })).data?.map((e) => e.name), [
      "B.txt",
    ]);

    const moved = await files.move("top.txt", "archive/top.txt");
    assert.equal(moved.data?.message, "Successfully moved");
    assert.equal(
      await (await files.download("archive/top.txt")).data?.text(),
      "content of top.txt",
    );
    assert.equal((await files.exists("top.txt")).data, false);
    assertStorageError((await files.move("docs/a.txt", "docs/B.txt")).error, "409");

    const copied = await files.copy("docs/a.txt", "copies/a.txt");
    assert.deepEqual(copied.data, { path: "b/copies/a.txt" });
    assert.equal(
      await (await files.download("copies/a.txt")).data?.text(),
      "content of docs/a.txt",
    );

    const removed = await files.remove(["docs/a.txt", "docs/sub/c.txt", "docs/missing.txt"]);
    assert.equal(removed.error, null);
    assert.deepEqual(removed.data?.map((o) => o.name).sort(), ["docs/a.txt", "docs/sub/c.txt"]);
    assert.deepEqual((await files.list("docs")).data?.map((e) => e.name), ["B.txt"]);
    // The emptied folder is gone from disk too, so it cannot reappear in listings.
    assert.deepEqual(await entriesIn(`${root}/metadata/b/docs`), ["B.txt~.json"]);
    assert.deepEqual((await files.list("docs/sub")).data, []);
  });
});

Deno.test("storage: bucket size limits and allowed mime types are enforced", async () => {
  await withStorage(async ({ admin, root }) => {
    await admin.storage.createBucket("limited", {
      public: false,
      fileSizeLimit: 1024,
      allowedMimeTypes: ["text/plain", "image/*"],
    });
    const files = admin.storage.from("limited");

    const big = new Blob([patternBytes(0, 2048)], { type: "text/plain" });
    assertStorageError((await files.upload("big.txt", big)).error, "413");
    const bigStream = await files.upload("big-stream.txt", patternStream(64 * 1024, 1000), {
      contentType: "text/plain",
    });
    assertStorageError(bigStream.error, "413", "The object exceeded the maximum allowed size");

    const pdf = new Blob(["%PDF"], { type: "application/pdf" });
    assertStorageError((await files.upload("doc.pdf", pdf)).error, "415", /application\/pdf/);

    assert.equal(
      (await files.upload("fits.txt", patternBytes(0, 1024), { contentType: "text/plain" })).error,
      null,
    );
    assert.equal(
      (await files.upload("pic.png", new Blob(["png"], { type: "image/png" }))).error,
      null,
    );
    // storage-js's default raw content type carries a charset parameter.
    assert.equal((await files.upload("default.txt", "plain text")).error, null);

    assert.deepEqual((await files.list()).data?.map((e) => e.name), [
      "default.txt",
      "fits.txt",
      "pic.png",
    ]);
    assert.deepEqual(await entriesIn(`${root}/tmp`), []);
  });
});

Deno.test("storage: keys that could leave the bucket's directory are refused", async () => {
  await withStorage(async ({ admin, url, root }) => {
    await admin.storage.createBucket("b", { public: false });
    const upload = (path: string) =>
      fetch(`${url}/storage/v1/object/b/${path}`, {
        method: "POST",
        headers: serviceHeaders({ "content-type": "text/plain" }),
        body: "escape",
      });
    for (
      const path of [
        "a%2F..%2F..%2F..%2Fescape.txt",
        "..%2Fescape.txt",
        "a%00b.txt",
        "a%2F%2Fb.txt",
        "%2Fetc%2Fpasswd",
      ]
    ) {
      const response = await upload(path);
      assert.equal(response.status, 400, path);
      assert.equal((await response.json()).code, "InvalidKey", path);
    }
    const bucketEscape = await fetch(`${url}/storage/v1/object/..%2F..%2Fx/y.txt`, {
      headers: serviceHeaders(),
    });
    assert.equal((await bucketEscape.json()).code, "InvalidBucketName");

    // storage-js sends "../x" unencoded; URL normalisation turns it into an unknown route.
    const viaClient = await admin.storage.from("b").upload("../escape.txt", "escape");
    assert.ok(viaClient.error);
    assert.deepEqual(await entriesIn(root), ["buckets", "metadata", "objects", "tmp"]);
    assert.deepEqual(await entriesIn(`${root}/metadata/b`).catch(() => []), []);
  });
});

Deno.test("storage: signed upload URLs accept an upload without other credentials", async () => {
  await withStorage(async ({ admin, anon, url }) => {
    await admin.storage.createBucket("inbox", { public: false });
    const signed = await admin.storage.from("inbox").createSignedUploadUrl("drop/file.txt");
    assert.equal(signed.error, null);
    const uploaded = await anon.storage.from("inbox").uploadToSignedUrl(
      "drop/file.txt",
      signed.data!.token,
      new Blob(["dropped"], { type: "text/plain" }),
    );
    assert.equal(uploaded.error, null);
    assert.equal(uploaded.data?.fullPath, "inbox/drop/file.txt");
    assert.equal(
      await (await admin.storage.from("inbox").download("drop/file.txt")).data?.text(),
      "dropped",
    );

    // A download link is not an upload link.
    const download = await admin.storage.from("inbox").createSignedUrl("drop/file.txt", 60);
    const token = new URL(download.data!.signedUrl).searchParams.get("token");
    const misuse = await fetch(
      `${url}/storage/v1/object/upload/sign/inbox/drop/file.txt?token=${token}`,
      {
        method: "PUT",
        headers: { "content-type": "text/plain", "x-upsert": "true" },
        body: "overwritten",
      },
    );
    assert.equal(misuse.status, 400);
    assert.equal((await misuse.json()).code, "InvalidSignature");
  });
});

Deno.test("storage: multipart bodies parse the same whatever the chunk boundaries", async () => {
  // File content full of near-delimiters: CRLF, dashes, and the boundary's own prefix.
  const tricky = new TextEncoder().encode(
    "\r\n--\r\n-- not a boundary\r\n------formdata\r\r\n\r\n--",
  );
  const form = new FormData();
  form.append("cacheControl", "3600");
  form.append("metadata", JSON.stringify({ note: "héllo" }));
  form.append("", new Blob([tricky, patternBytes(0, 5000)], { type: "image/png" }));
  const request = new Request("http://localhost/", { method: "POST", body: form });
  const body = new Uint8Array(await request.arrayBuffer());
  const boundary = /boundary=(.+)$/.exec(request.headers.get("content-type")!)![1]!;
  const expected = new Uint8Array([...tricky, ...patternBytes(0, 5000)]);

  for (const size of [1, 2, 3, 7, 64, 1000, body.length]) {
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= body.length) return controller.close();
        controller.enqueue(body.slice(offset, offset + size));
        offset += size;
      },
    });
    const fields: Record<string, string> = {};
    const parts: { name: string; filename: string | null; contentType: string | null }[] = [];
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    await readMultipart(stream, boundary, {
      field(name, value) {
        fields[name] = value;
      },
      file(part) {
        parts.push(part);
        return Promise.resolve((chunk: Uint8Array) => {
          chunks.push(chunk.slice());
          return Promise.resolve();
        });
      },
    });
    assert.deepEqual(
      fields,
      { cacheControl: "3600", metadata: '{"note":"héllo"}' },
      `chunk ${size}`,
    );
    assert.deepEqual(parts, [{ name: "", filename: "blob", contentType: "image/png" }]);
    assert.deepEqual(
      new Uint8Array(await new Blob(chunks).arrayBuffer()),
      expected,
      `chunk ${size}`,
    );
  }
});
