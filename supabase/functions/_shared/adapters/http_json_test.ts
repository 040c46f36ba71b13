import assert from "node:assert/strict";
import { z } from "zod";
import { httpJson } from "./http_json.ts";
import { parseRetryAfter, UpstreamError } from "../platform/errors.ts";

const schema = z.object({ ok: z.boolean() });
const call = (f: typeof fetch) =>
  httpJson({ vendor: "acme", fetch: f, url: "http://acme/x", timeoutMs: 50, schema, now: () => 0 });

async function upstream(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof UpstreamError, String(e));
    return e;
  }
  throw new Error("expected an UpstreamError");
}

Deno.test("httpJson() returns the validated body", async () => {
  assert.deepEqual(await call(() => Promise.resolve(Response.json({ ok: true, extra: 1 }))), {
    ok: true,
  });
});

Deno.test("httpJson() classifies statuses: 429 and 5xx retryable with Retry-After, 4xx not", async () => {
  const e429 = await upstream(
    call(() =>
      Promise.resolve(new Response("slow down", { status: 429, headers: { "retry-after": "3" } }))
    ),
  );
  assert.equal(e429.retryable, true);
  assert.equal(e429.upstreamStatus, 429);
  assert.equal(e429.retryAfterMs, 3000);
  assert.equal(
    (await upstream(call(() => Promise.resolve(new Response("", { status: 503 }))))).retryable,
    true,
  );
  assert.equal(
    (await upstream(call(() => Promise.resolve(new Response("", { status: 409 }))))).retryable,
    true,
  );
  const e404 = await upstream(call(() => Promise.resolve(new Response("gone", { status: 404 }))));
  assert.equal(e404.retryable, false);
  assert.equal(e404.kind, "http");
});

Deno.test("httpJson() classifies network failures, timeouts and contract breaks", async () => {
  const net = await upstream(call(() => Promise.reject(new TypeError("connection refused"))));
  assert.deepEqual([net.kind, net.retryable], ["network", true]);
  const slow = await upstream(
    call((_u, init) =>
      new Promise((_r, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))
      )
    ),
  );
  assert.deepEqual([slow.kind, slow.retryable], ["timeout", true]);
  const shape = await upstream(call(() => Promise.resolve(Response.json({ ok: "yes" }))));
  assert.deepEqual([shape.kind, shape.retryable], ["contract", false]);
  const notJson = await upstream(call(() => Promise.resolve(new Response("<html>"))));
  assert.equal(notJson.kind, "contract");
});

Deno.test("parseRetryAfter() reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("2", 0), 2000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter("soon", 0), null);
  assert.equal(parseRetryAfter(null, 0), null);
});
