import assert from "node:assert/strict";
import { BodyTooLargeError, readBody } from "./read_body.ts";

function streamOf(chunks: number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const n of chunks) c.enqueue(new Uint8Array(n));
      c.close();
    },
  });
}

Deno.test("readBody() returns the exact bytes up to the limit", async () => {
  const body = await readBody(new Request("http://x", { method: "POST", body: "héllo" }), 10);
  assert.equal(new TextDecoder().decode(body), "héllo");
});

Deno.test("readBody() refuses a body over the limit, declared or streamed", async () => {
  await assert.rejects(
    readBody(new Request("http://x", { method: "POST", body: "x".repeat(11) }), 10),
    BodyTooLargeError,
  );
  await assert.rejects(
    readBody(new Request("http://x", { method: "POST", body: streamOf([6, 6]) }), 10),
    BodyTooLargeError,
  );
});
