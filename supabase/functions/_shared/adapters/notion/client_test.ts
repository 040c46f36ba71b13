import assert from "node:assert/strict";
import { createLogger } from "../../platform/log.ts";
import { classifyFailure } from "../../platform/stage_worker.ts";
import {
  createNotionAdapter,
  isCommitted,
  isOutcomeUnknown,
  isWriteRequest,
  type LimitScope,
  NotionCommittedError,
  NotionError,
} from "./client.ts";

type Recorded = { status: number; body?: unknown; text?: string; headers?: Record<string, string> };
const recorded: Record<string, Recorded> = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/responses.json", import.meta.url)),
);

const NOW = Date.parse("2026-11-29T10:00:00Z");
const DS = "5d2a1b3c-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const PAGE = "2c1b6b8e-3f4a-4d7e-9a51-0f3c2d1e4b5a";

function harness(
  answer: string | Error | "hang",
  opts: { wait?: number; timeoutMs?: number } = {},
) {
  const seen: Request[] = [];
  const blocks: { until: number; scope: LimitScope }[] = [];
  const sleeps: number[] = [];
  const lines: string[] = [];
  let reserves = 0;
  const notion = createNotionAdapter({
    baseUrl: "https://api.notion.test/",
    token: "ntn_test_secret",
    now: () => NOW,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    log: createLogger({}, { write: (l) => lines.push(l), level: "debug" }),
    budget: {
      reserve: () => {
        reserves++;
        return Promise.resolve(opts.wait ?? 0);
      },
      block: (until, scope) => {
        blocks.push({ until, scope });
        return Promise.resolve();
      },
    },
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    fetch: (input, init) => {
      const req = new Request(input, init);
      seen.push(req);
      if (answer === "hang") {
        return new Promise((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))
        );
      }
      if (answer instanceof Error) return Promise.reject(answer);
      const r = recorded[answer]!;
      return Promise.resolve(
        new Response(r.text ?? JSON.stringify(r.body), {
          status: r.status,
          headers: r.headers ?? {},
        }),
      );
    },
  });
  return { notion, seen, blocks, sleeps, lines, reserves: () => reserves };
}

const createPage = (n: ReturnType<typeof harness>["notion"]) =>
  n.sdk.pages.create({
    parent: { type: "data_source_id", data_source_id: DS },
    properties: { Name: { title: [{ text: { content: "Call" } }] } },
  });

async function failure(p: Promise<unknown>): Promise<NotionError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NotionError, `expected NotionError, got ${e}`);
    return e;
  }
  assert.fail("expected a failure");
}

Deno.test("a request waits for its budget slot, then goes out as the SDK sends it", async () => {
  const h = harness("page_created", { wait: 250 });
  const page = await createPage(h.notion);
  assert.equal(page.id, PAGE);
  assert.equal(h.reserves(), 1);
  assert.deepEqual(h.sleeps, [250]);
  assert.equal(h.seen.length, 1);
  const req = h.seen[0]!;
  assert.equal(req.method, "POST");
  assert.equal(new URL(req.url).pathname, "/v1/pages");
  assert.equal(req.headers.get("notion-version"), "2025-09-03");
  assert.equal(req.headers.get("authorization"), "Bearer ntn_test_secret");
  assert.equal(h.notion.requestCount(), 1);
});

Deno.test("429 (connection limit): retryable with Retry-After, the connection budget is pushed back, SDK does not retry", async () => {
  const h = harness("rate_limited_connection");
  const e = await failure(createPage(h.notion));
  assert.equal(e.retryable, true);
  assert.equal(e.upstreamStatus, 429);
  assert.equal(e.notionCode, "rate_limited");
  assert.equal(e.retryAfterMs, 12_000);
  assert.equal(e.outcome, "not_applied");
  assert.equal(e.rateLimitReason, "public_api_request_rate_limit");
  assert.deepEqual(h.blocks, [{ until: NOW + 12_000, scope: "connection" }]);
  assert.equal(h.seen.length, 1, "the SDK's own retries are off");
  const f = classifyFailure(e);
  assert.equal(f.retryable, true);
  assert.equal(f.retryAfterSeconds, 12);
  assert.equal(f.code, "notion_429");
});

Deno.test("429 (workspace limit): the workspace budget is pushed back, by more than a minute", async () => {
  const h = harness("rate_limited_workspace");
  const e = await failure(createPage(h.notion));
  assert.equal(e.retryAfterMs, 95_000);
  assert.equal(e.limitScope, "workspace");
  assert.deepEqual(h.blocks, [{ until: NOW + 95_000, scope: "workspace" }]);
});

Deno.test("429 without the header: additional_data.retry_after is used", async () => {
  const h = harness("rate_limited_body_only");
  const e = await failure(h.notion.sdk.dataSources.query({ data_source_id: DS }));
  assert.equal(e.retryAfterMs, 7_000);
  assert.deepEqual(h.blocks, [{ until: NOW + 7_000, scope: "connection" }]);
});

Deno.test("429 public_api_request_blocked is permanent and pushes nothing back", async () => {
  const h = harness("rate_limited_blocked");
  const e = await failure(createPage(h.notion));
  assert.equal(e.retryable, false);
  assert.equal(e.rateLimitReason, "public_api_request_blocked");
  assert.deepEqual(h.blocks, []);
  assert.equal(classifyFailure(e).retryable, false);
});

Deno.test("529 service_overload: retryable, Retry-After pushes the connection budget", async () => {
  const h = harness("service_overload");
  const e = await failure(createPage(h.notion));
  assert.equal(e.retryable, true);
  assert.equal(e.notionCode, "service_overload");
  assert.equal(e.outcome, "not_applied");
  assert.deepEqual(h.blocks, [{ until: NOW + 3_000, scope: "connection" }]);
});

Deno.test("409 conflict_error: retryable, not applied", async () => {
  const e = await failure(createPage(harness("conflict").notion));
  assert.equal(e.retryable, true);
  assert.equal(e.notionCode, "conflict_error");
  assert.equal(e.outcome, "not_applied");
});

Deno.test("5xx: retryable; a write's outcome is unknown, a read's is not", async () => {
  for (const name of ["internal_server_error", "bad_gateway_html", "service_unavailable"]) {
    const e = await failure(createPage(harness(name).notion));
    assert.equal(e.retryable, true, name);
    assert.equal(e.outcome, "unknown", name);
    assert.ok(isOutcomeUnknown(e), name);
    assert.ok(!isCommitted(e), name);
  }
  const html = await failure(createPage(harness("bad_gateway_html").notion));
  assert.equal(html.notionCode, "http_502");
  const read = await failure(
    harness("internal_server_error").notion.sdk.pages.retrieve({ page_id: PAGE }),
  );
  assert.equal(read.outcome, "not_applied");
  const query = await failure(
    harness("internal_server_error").notion.sdk.dataSources.query({ data_source_id: DS }),
  );
  assert.equal(query.outcome, "not_applied", "a query is a read though it is a POST");
});

Deno.test("503 after commit: NotionCommittedError carries the created page's id", async () => {
  const e = await failure(createPage(harness("committed_create").notion));
  assert.ok(e instanceof NotionCommittedError);
  assert.ok(isCommitted(e));
  assert.equal(e.outcome, "committed");
  assert.equal(e.committedResourceId, "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
  assert.deepEqual(e.committedChildIds, []);
  assert.equal(e.retryGuidance, "do_not_retry");
  assert.equal(e.details["committed_resource_id"], "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
  assert.ok(!isOutcomeUnknown(e));
});

Deno.test("503 after commit of an append: the child ids; of an update: guidance only", async () => {
  const append = await failure(
    harness("committed_append").notion.sdk.blocks.children.append({
      block_id: PAGE,
      children: [{ paragraph: { rich_text: [{ text: { content: "a" } }] } }],
    }),
  );
  assert.ok(append instanceof NotionCommittedError);
  assert.deepEqual(append.committedChildIds, [
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
  ]);
  const update = await failure(
    harness("committed_update").notion.sdk.pages.update({ page_id: PAGE, properties: {} }),
  );
  assert.ok(update instanceof NotionCommittedError);
  assert.equal(update.committedResourceId, null);
  assert.equal(update.retryGuidance, "do_not_retry");
});

Deno.test("400/401/403/404: permanent with Notion's code; quoted values never reach the message or logs", async () => {
  const cases: [string, number, string][] = [
    ["validation_error", 400, "validation_error"],
    ["unauthorized", 401, "unauthorized"],
    ["restricted_resource_block_limit", 403, "restricted_resource"],
    ["object_not_found", 404, "object_not_found"],
  ];
  for (const [name, status, code] of cases) {
    const h = harness(name);
    const e = await failure(createPage(h.notion));
    assert.equal(e.retryable, false, name);
    assert.equal(e.upstreamStatus, status);
    assert.equal(e.notionCode, code);
    assert.equal(e.outcome, "not_applied");
    assert.equal(classifyFailure(e).code, `notion_${status}`);
    assert.ok(!e.message.includes("+1555"), e.message);
    assert.ok(!h.lines.join("\n").includes("+1555"));
    assert.ok(!h.lines.join("\n").includes("ntn_test_secret"));
  }
  const unauth = await failure(createPage(harness("unauthorized").notion));
  assert.match(unauth.message, /NOTION_TOKEN/);
});

Deno.test("network errors: retryable; a write's outcome unknown, a query's not", async () => {
  const w = await failure(createPage(harness(new TypeError("connection reset")).notion));
  assert.equal(w.kind, "network");
  assert.equal(w.retryable, true);
  assert.ok(isOutcomeUnknown(w));
  const r = await failure(
    harness(new TypeError("connection reset")).notion.sdk.dataSources.query({ data_source_id: DS }),
  );
  assert.equal(r.outcome, "not_applied");
});

Deno.test("timeouts cancel the request: retryable, outcome unknown for a write", async () => {
  const h = harness("hang", { timeoutMs: 30 });
  const e = await failure(createPage(h.notion));
  assert.equal(e.kind, "timeout");
  assert.equal(e.retryable, true);
  assert.ok(isOutcomeUnknown(e));
});

Deno.test("a 2xx that is not JSON breaks the contract (permanent)", async () => {
  const e = await failure(createPage(harness("not_json_ok").notion));
  assert.equal(e.kind, "contract");
  assert.equal(e.retryable, false);
});

Deno.test("a budget wait over the limit fails retryable without sending", async () => {
  const h = harness("page_created", { wait: 45_000 });
  const e = await failure(createPage(h.notion));
  assert.equal(e.retryable, true);
  assert.equal(e.retryAfterMs, 45_000);
  assert.equal(e.notionCode, "budget_exhausted");
  assert.equal(h.seen.length, 0);
  assert.deepEqual(h.sleeps, []);
});

Deno.test("isWriteRequest: queries and search are reads", () => {
  assert.equal(isWriteRequest("POST", "/v1/pages"), true);
  assert.equal(isWriteRequest("PATCH", "/v1/blocks/x/children"), true);
  assert.equal(isWriteRequest("DELETE", "/v1/blocks/x"), true);
  assert.equal(isWriteRequest("POST", "/v1/data_sources/x/query"), false);
  assert.equal(isWriteRequest("POST", "/v1/search"), false);
  assert.equal(isWriteRequest("GET", "/v1/pages/x"), false);
});
