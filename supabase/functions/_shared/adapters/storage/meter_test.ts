import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ChunkReader, Meter, meter, SizeMismatchError, TooLargeError } from "./meter.ts";

function streamOf(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(p);
      c.close();
    },
  });
}

function bytes(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

async function drain(s: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of s) n += c.byteLength;
  return n;
}

Deno.test("meter: counts and hashes incrementally, equal to a one-shot SHA-256", async () => {
  const pieces = [bytes(10), bytes(70_000, 2), bytes(1, 3), bytes(0)];
  const m = meter({ expectedBytes: 70_011, maxBytes: 1 << 20 });
  assert.equal(await drain(streamOf(pieces).pipeThrough(m.stream)), 70_011);
  const whole = createHash("sha256");
  for (const p of pieces) whole.update(p);
  assert.deepEqual(m.result(), { bytes: 70_011, sha256: whole.digest("hex") });
});

Deno.test("meter: a body shorter than announced fails at its end (truncated: retryable)", async () => {
  const m = meter({ expectedBytes: 100, maxBytes: 1000 });
  await assert.rejects(
    drain(streamOf([bytes(60)]).pipeThrough(m.stream)),
    (e) => e instanceof SizeMismatchError && e.ended && e.actual === 60,
  );
  assert.throws(() => m.result(), /has not ended/);
});

Deno.test("meter: a body longer than announced fails as soon as it passes", async () => {
  const m = meter({ expectedBytes: 100, maxBytes: 1000 });
  await assert.rejects(
    drain(streamOf([bytes(60), bytes(60)]).pipeThrough(m.stream)),
    (e) => e instanceof SizeMismatchError && !e.ended,
  );
});

Deno.test("meter: the file size limit, announced or discovered while streaming", async () => {
  assert.throws(
    () => meter({ expectedBytes: 2000, maxBytes: 1000 }),
    (e) => e instanceof TooLargeError && e.size === 2000,
  );
  const m = meter({ expectedBytes: null, maxBytes: 1000 });
  await assert.rejects(
    drain(streamOf([bytes(600), bytes(600)]).pipeThrough(m.stream)),
    (e) => e instanceof TooLargeError && /1000 bytes/.test(e.message),
  );
  const ok = meter({ expectedBytes: null, maxBytes: 1000 });
  assert.equal(await drain(streamOf([bytes(1000)]).pipeThrough(ok.stream)), 1000);
  assert.equal(ok.result().bytes, 1000);
});

Deno.test("ChunkReader: fixed-size chunks across odd reads, the last one flagged", async () => {
  const data = bytes(25);
  const reader = new ChunkReader(
    streamOf([data.subarray(0, 3), data.subarray(3, 17), data.subarray(17, 25)]),
    10,
  );
  const seen: [number[], boolean][] = [];
  for (let c = await reader.next(); c; c = await reader.next()) {
    seen.push([Array.from(c.data), c.last]);
  }
  assert.deepEqual(seen.map(([d, last]) => [d.length, last]), [[10, false], [10, false], [
    5,
    true,
  ]]);
  assert.deepEqual(seen.flatMap(([d]) => d), Array.from(data));
});

Deno.test("ChunkReader: an exact multiple ends on a full last chunk; empty is one empty chunk", async () => {
  const exact = new ChunkReader(streamOf([bytes(20)]), 10);
  assert.deepEqual([(await exact.next())?.last, (await exact.next())?.last, await exact.next()], [
    false,
    true,
    null,
  ]);
  const empty = new ChunkReader(streamOf([]), 10);
  const first = await empty.next();
  assert.equal(first?.data.byteLength, 0);
  assert.equal(first?.last, true);
  assert.equal(await empty.next(), null);
});

Deno.test("ChunkReader: byte streams are read BYOB into the chunk; the observer sees all and the end", async () => {
  const data = bytes(25_000);
  let at = 0;
  const source = new ReadableStream({
    type: "bytes",
    pull(c) {
      if (at >= data.length) {
        c.close();
        c.byobRequest?.respond(0);
        return;
      }
      const n = Math.min(3_000, data.length - at);
      c.enqueue(data.slice(at, at + n));
      at += n;
    },
  });
  const m = new Meter({ expectedBytes: 25_000, maxBytes: 1 << 20 });
  const reader = new ChunkReader(source, 10_000, m);
  const out: number[] = [];
  const lasts: boolean[] = [];
  for (let c = await reader.next(); c; c = await reader.next()) {
    out.push(...c.data);
    lasts.push(c.last);
  }
  assert.deepEqual(lasts, [false, false, true]);
  assert.deepEqual(out, Array.from(data));
  assert.equal(m.result().sha256, createHash("sha256").update(data).digest("hex"));

  const short = new ChunkReader(
    streamOf([bytes(15_000)]),
    10_000,
    new Meter({ expectedBytes: 20_000, maxBytes: 1 << 20 }),
  );
  assert.equal((await short.next())?.last, false);
  await assert.rejects(
    short.next(),
    SizeMismatchError,
    "a short body fails before its last chunk is handed out",
  );
});
