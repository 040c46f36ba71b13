import assert from "node:assert/strict";
import { z } from "zod";
import { UpstreamError } from "../../platform/errors.ts";
import { classifyFailure } from "../../platform/stage_worker.ts";
import { createLogger } from "../../platform/log.ts";
import { createOpenAIAdapter } from "./client.ts";
import { billedUsage } from "./errors.ts";

const Schema = z.object({ title: z.string(), n: z.number() });
const silent = createLogger({}, { write: () => {} });
const NOW = Date.parse("2026-11-29T12:00:00Z");

function adapterAnswering(answer: (calls: number) => Response | Promise<Response>) {
  let calls = 0;
  const bodies: unknown[] = [];
  const adapter = createOpenAIAdapter({
    apiKey: "sk-test-0123456789abcdef",
    baseURL: "http://openai.invalid/v1",
    fetch: (async (_url: RequestInfo | URL, init?: RequestInit) => {
      calls++;
      bodies.push(JSON.parse(String(init?.body ?? "null")));
      return await answer(calls);
    }) as typeof fetch,
    now: () => NOW,
    log: silent,
  });
  const ask = () =>
    adapter.structured({
      model: "gpt-6-luna",
      instructions: "Summarise.",
      input: "<transcript>…</transcript>",
      schema: Schema,
      schemaName: "call_summary",
      maxOutputTokens: 1000,
      reasoningEffort: "low",
    });
  return { ask, calls: () => calls, bodies };
}

function response(status: string, text: string, extra: Record<string, unknown> = {}) {
  return Response.json({
    id: "resp_1",
    object: "response",
    created_at: 1,
    model: "gpt-6-luna",
    status,
    output: text
      ? [{
        type: "message",
        id: "msg_1",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text, annotations: [] }],
      }]
      : [],
    usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150 },
    ...extra,
  }, { headers: { "x-request-id": "req_abc" } });
}

function apiError(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return Response.json({ error: body }, { status, headers });
}

Deno.test("openai adapter: a structured answer with its usage; the request is strict, unstored, SDK retries off", async () => {
  const { ask, bodies, calls } = adapterAnswering(() =>
    response("completed", '{"title":"Hi","n":2}')
  );
  const r = await ask();
  assert.deepEqual(r.value, { title: "Hi", n: 2 });
  assert.deepEqual(r.usage, { input_tokens: 120, output_tokens: 30 });
  assert.equal(r.model, "gpt-6-luna");
  assert.equal(calls(), 1);
  const body = bodies[0] as {
    store: boolean;
    text: { format: { type: string; strict: boolean; name: string } };
    reasoning: unknown;
    instructions: string;
    input: unknown;
  };
  assert.equal(body.store, false);
  assert.equal(body.text.format.type, "json_schema");
  assert.equal(body.text.format.strict, true);
  assert.equal(body.text.format.name, "call_summary");
  assert.deepEqual(body.reasoning, { effort: "low" });
  assert.equal(body.instructions, "Summarise.");
  assert.deepEqual(body.input, [{ role: "user", content: "<transcript>…</transcript>" }]);
});

Deno.test("openai adapter: retryable failures (5xx, 429 with Retry-After, 408, 409, connection) are not retried by the SDK", async () => {
  const cases: [Response | Error, number | null, number | null][] = [
    [
      apiError(500, { message: "server had an error", type: "server_error", code: null }),
      500,
      null,
    ],
    [apiError(503, { message: "overloaded", type: "server_error" }), 503, null],
    [
      apiError(429, {
        message: "Rate limit reached",
        type: "requests",
        code: "rate_limit_exceeded",
      }, { "retry-after": "20" }),
      429,
      20,
    ],
    [apiError(429, { message: "slow down" }, { "retry-after-ms": "1500" }), 429, 1.5],
    [apiError(408, { message: "timeout" }), 408, null],
    [apiError(409, { message: "conflict" }), 409, null],
    [new TypeError("fetch failed: connection refused"), null, null],
  ];
  for (const [answer, status, retryAfter] of cases) {
    const { ask, calls } = adapterAnswering(() => {
      if (answer instanceof Error) throw answer;
      return answer.clone();
    });
    const e = await ask().then(() => null, (e) => e);
    assert.ok(e instanceof UpstreamError, String(e));
    assert.equal(e.retryable, true, `${status}`);
    assert.equal(e.upstreamStatus, status);
    assert.equal(calls(), 1, "maxRetries 0: the engine retries, not the SDK");
    const f = classifyFailure(e);
    assert.equal(f.retryable, true);
    assert.equal(f.retryAfterSeconds, retryAfter);
    assert.equal(f.code, status ? `openai_${status}` : "openai_network");
  }
});

Deno.test("openai adapter: permanent failures (400, 401, 403, 404, 422) carry a readable reason and no key", async () => {
  for (const status of [400, 401, 403, 404, 422]) {
    const { ask } = adapterAnswering(() =>
      apiError(status, {
        message: "Incorrect API key provided: sk-test-****cdef. You can find your API key at …",
        type: "invalid_request_error",
        code: status === 401 ? "invalid_api_key" : "bad",
        param: null,
      })
    );
    const e = await ask().then(() => null, (e) => e);
    assert.ok(e instanceof UpstreamError);
    assert.equal(e.retryable, false, String(status));
    const f = classifyFailure(e);
    assert.equal(f.code, `openai_${status}`);
    assert.doesNotMatch(f.message, /sk-test-\*\*\*\*cdef|0123456789/);
    if (status === 401) {
      assert.equal(
        f.message,
        "OpenAI rejected the API key (401 invalid_api_key): check OPENAI_API_KEY",
      );
    }
  }
});

Deno.test("openai adapter: x-should-retry overrides the status rule", async () => {
  const { ask } = adapterAnswering(() =>
    apiError(400, { message: "x" }, { "x-should-retry": "true" })
  );
  const e = await ask().then(() => null, (e) => e);
  assert.equal((e as UpstreamError).retryable, true);
});

Deno.test("openai adapter: an incomplete answer is permanent and reports what was billed", async () => {
  const { ask } = adapterAnswering(() =>
    response("incomplete", '{"title":"H', { incomplete_details: { reason: "max_output_tokens" } })
  );
  const e = await ask().then(() => null, (e) => e);
  assert.ok(e instanceof UpstreamError);
  assert.equal(e.retryable, false);
  assert.match(e.message, /incomplete \(max_output_tokens\)/);
  assert.deepEqual(billedUsage(e), { input_tokens: 120, output_tokens: 30 });
});

Deno.test("openai adapter: an answer that does not match the schema is retryable and billed", async () => {
  const { ask } = adapterAnswering(() => response("completed", '{"title":"Hi","n":"two"}'));
  const e = await ask().then(() => null, (e) => e);
  const f = classifyFailure(e);
  assert.equal(f.retryable, true);
  assert.equal(f.code, "upstream_failed");
  assert.deepEqual(billedUsage(e), { input_tokens: 120, output_tokens: 30 });
});
