/** The Storage adapter against the local Storage API in-process (standard and TUS uploads). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { JWT_SECRET, SECRET_KEY } from "../../../../../local/config.ts";
import { createStorageHandler } from "../../../../../local/gateway/storage.ts";
import { createLogger } from "../../platform/log.ts";
import { createStorageClient, StorageTooLargeError } from "./client.ts";
import { meter, SizeMismatchError, TooLargeError } from "./meter.ts";

const MiB = 1024 * 1024;

function source(total: number, piece = 64 * 1024): ReadableStream<Uint8Array> {
  const block = Uint8Array.from({ length: piece }, (_, i) => i % 251);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(piece, total - sent);
      const out = block.slice(0, n);
      out[0] = (sent / piece) & 0xff;
      c.enqueue(out);
      sent += n;
    },
  });
}

async function withClient(
  fn: (
    client: ReturnType<typeof createStorageClient>,
    get: (path: string) => Promise<Response>,
    spy: { root: string; methods: string[] },
  ) => Promise<void>,
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
    fileSizeLimit: 20 * MiB,
  });
  const spy = { root, methods: [] as string[] };
  const client = createStorageClient({
    baseUrl: url,
    key: SECRET_KEY,
    fetch: (input, init) => {
      spy.methods.push(init?.method ?? "GET");
      return fetch(input, init);
    },
    now: Date.now,
    log: createLogger({}, { write: () => {} }),
  });
  try {
    await client.ensureBucket("rec");
    await client.ensureBucket("rec");
    await fn(client, (path) =>
      fetch(`${url}/storage/v1/object/rec/${path}`, {
        headers: { authorization: `Bearer ${SECRET_KEY}` },
      }), spy);
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
}

async function sha(res: Response): Promise<string> {
  return createHash("sha256").update(new Uint8Array(await res.arrayBuffer())).digest("hex");
}

Deno.test("storage client: small files go up in one request, large ones by TUS, sizes known or not", async () => {
  await withClient(async (client, get) => {
    for (
      const [size, length, method, chunks] of [
        [1000, 1000, "standard", 1],
        [13 * MiB, 13 * MiB, "resumable", 3],
        [12 * MiB, null, "resumable", 2],
        [6 * MiB + 1, null, "resumable", 2],
      ] as const
    ) {
      const m = meter({ expectedBytes: length, maxBytes: 20 * MiB });
      const path = `calls/${size}/r.wav`;
      const result = await client.upload("rec", path, source(size).pipeThrough(m.stream), {
        contentType: "audio/wav",
        length,
        upsert: true,
      });
      assert.deepEqual(result, { method, chunks }, `${size} bytes`);
      const res = await get(path);
      assert.equal(res.headers.get("content-type"), "audio/wav");
      assert.equal(await sha(res), m.result().sha256);
      assert.equal(m.result().bytes, size);
    }
  });
});

Deno.test("storage client: a retry overwrites; a truncated source never becomes an object", async () => {
  await withClient(async (client, get) => {
    const up = (size: number, expected: number) =>
      client.upload(
        "rec",
        "calls/1/recording-x.wav",
        source(size).pipeThrough(meter({ expectedBytes: expected, maxBytes: 20 * MiB }).stream),
        { contentType: "audio/wav", length: expected, upsert: true },
      );
    await assert.rejects(up(7 * MiB, 8 * MiB), SizeMismatchError);
    assert.equal((await get("calls/1/recording-x.wav")).status, 400, "no object from a short body");
    await assert.rejects(up(100, 200), SizeMismatchError);
    assert.equal((await get("calls/1/recording-x.wav")).status, 400, "not from a short small one");
    await up(7 * MiB, 7 * MiB);
    await up(7 * MiB, 7 * MiB);
    const res = await get("calls/1/recording-x.wav");
    assert.equal((await res.arrayBuffer()).byteLength, 7 * MiB);
  });
});

Deno.test("storage client: Storage's file size limit is a permanent failure", async () => {
  await withClient(async (client) => {
    await assert.rejects(
      client.upload("rec", "big.wav", source(21 * MiB), {
        contentType: "audio/wav",
        length: 21 * MiB,
        upsert: true,
      }),
      (e) => e instanceof StorageTooLargeError && !e.retryable,
    );
    await assert.rejects(
      client.upload("rec", "big2.wav", source(21 * MiB), {
        contentType: "audio/wav",
        length: null,
        upsert: true,
      }),
      (e) => e instanceof StorageTooLargeError,
    );
  });
});

Deno.test("storage client: a source that grows past the limit mid-upload leaves no object and no partial upload", async () => {
  await withClient(async (client, get, spy) => {
    const tusFiles = async () => {
      const out: string[] = [];
      try {
        for await (const e of Deno.readDir(`${spy.root}/tmp`)) {
          if (e.name.startsWith("tus-")) out.push(e.name);
        }
      } catch { /* no tmp directory yet */ }
      return out;
    };
    // Size unknown (no Content-Length): the first 6 MiB chunk goes up by TUS, then the meter
    // sees the body pass the limit and the upload is terminated.
    spy.methods.length = 0;
    await assert.rejects(
      client.upload(
        "rec",
        "calls/9/recording-big.wav",
        source(10 * MiB).pipeThrough(meter({ expectedBytes: null, maxBytes: 7 * MiB }).stream),
        { contentType: "audio/wav", length: null, upsert: true },
      ),
      (e) => e instanceof TooLargeError && e.size === null,
    );
    assert.deepEqual(spy.methods, ["POST", "PATCH", "DELETE"], "created, one chunk, terminated");
    assert.equal((await get("calls/9/recording-big.wav")).status, 400, "no object");
    assert.deepEqual(await tusFiles(), [], "no partial upload left on the server");
    // A short source is terminated the same way.
    spy.methods.length = 0;
    await assert.rejects(
      client.upload(
        "rec",
        "calls/9/recording-short.wav",
        source(7 * MiB).pipeThrough(meter({ expectedBytes: 8 * MiB, maxBytes: 20 * MiB }).stream),
        { contentType: "audio/wav", length: 8 * MiB, upsert: true },
      ),
      SizeMismatchError,
    );
    assert.deepEqual(spy.methods.at(-1), "DELETE");
    assert.deepEqual(await tusFiles(), []);
  });
});
