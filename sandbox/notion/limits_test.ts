/**
 * Contract tests, rate limits and faults: 180 requests per 60-second window per connection,
 * spendable in one burst, then 429 `rate_limited` with the seconds until the window resets and
 * `additional_data.rate_limit_reason`; the workspace-wide limit shared by every connection; a
 * blocked connection; the SDK's own retry honouring Retry-After; injected 5xx on writes not
 * retried by the SDK; a create whose answer is lost still creates the page.
 * Time is a ManualClock wherever the limiter decides; the SDK's retry sleeps in real time, so
 * those tests keep Retry-After at 1 second or less.
 */
import assert from "node:assert/strict";
import type { PageObjectResponse } from "@notionhq/client";
import { ManualClock } from "../core/clock.ts";
import { CALLS_SCHEMA, text, withNotion } from "./testing.ts";

Deno.test("notion: 180 requests at once pass, the 181st in the minute is 429 until the window resets", async () => {
  const clock = new ManualClock();
  await withNotion(async (h) => {
    const client = h.client({ retry: false });
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () => client.search({}).then(() => "ok", (e) => e)),
    );
    const limited = outcomes.filter((o) => o !== "ok");
    assert.equal(outcomes.filter((o) => o === "ok").length, 180);
    assert.equal(limited.length, 20);
    for (const err of limited) {
      assert.equal(err.code, "rate_limited");
      assert.equal(err.status, 429);
      assert.equal(err.message, "You have been rate limited. Please try again in a few minutes.");
      assert.equal(err.headers.get("retry-after"), "60");
      assert.deepEqual(err.additional_data, {
        rate_limit_reason: "public_api_request_rate_limit",
        retry_after: "60",
      });
    }
    // 45 s on, Retry-After counts down to the window's end; the limit is per connection.
    clock.advance(45_000);
    await assert.rejects(client.search({}), (e: { headers: Headers }) => {
      assert.equal(e.headers.get("retry-after"), "15");
      return true;
    });
    await h.client({ retry: false, auth: "ntn_another_integration" }).search({});
    // A new window: the whole budget again.
    clock.advance(15_000);
    for (let i = 0; i < 180; i++) await client.search({});
    await assert.rejects(client.search({}), { code: "rate_limited" });
  }, { clock });
});

Deno.test("notion: the per-minute budget is configurable (Business: 600), spread or in bursts", async () => {
  const clock = new ManualClock();
  await withNotion(async (h) => {
    const client = h.client({ retry: false });
    // 3 per second, evenly, for three minutes: never refused.
    for (let i = 0; i < 540; i++) {
      await client.search({});
      clock.advance(334);
    }
    clock.advance(60_000);
    for (let i = 0; i < 600; i++) await client.search({});
    await assert.rejects(client.search({}), { code: "rate_limited" });
  }, { clock, rateLimit: { perMinute: 600 } });
});

Deno.test("notion: the workspace limit is shared by every connection; its Retry-After can exceed a minute", async () => {
  const clock = new ManualClock();
  await withNotion(async (h) => {
    const a = h.client({ retry: false });
    const b = h.client({ retry: false, auth: "ntn_second_integration" });
    await a.search({});
    await a.search({});
    await b.search({});
    await assert.rejects(
      b.search({}),
      (e: { status: number; headers: Headers; additional_data: unknown }) => {
        assert.equal(e.status, 429);
        assert.equal(e.headers.get("retry-after"), "90");
        assert.deepEqual(e.additional_data, {
          rate_limit_reason: "public_api_space_request_rate_limit",
          retry_after: "90",
        });
        return true;
      },
    );
    await assert.rejects(a.search({}), { code: "rate_limited" });
  }, { clock, rateLimit: { perMinute: 180, workspacePerMinute: 3 } });
});

Deno.test("notion: a blocked connection gets 429 public_api_request_blocked without Retry-After", async () => {
  await withNotion(async (h) => {
    await assert.rejects(
      h.client({ retry: false }).search({}),
      (e: { status: number; headers: Headers; additional_data: unknown }) => {
        assert.equal(e.status, 429);
        assert.equal(e.headers.get("retry-after"), null);
        assert.deepEqual(e.additional_data, { rate_limit_reason: "public_api_request_blocked" });
        return true;
      },
    );
  }, { blockedTokens: ["secret_sandbox_test_token"] });
});

Deno.test("notion: the SDK's own retry waits out Retry-After on a 429 and then succeeds", async () => {
  await withNotion(async (h) => {
    h.sb.sandbox.faults.add({
      vendor: "notion",
      method: "POST",
      path: "^/v1/search$",
      status: 429,
      retryAfter: 1,
      times: 1,
    });
    const started = performance.now();
    const found = await h.client().search({});
    const waited = performance.now() - started;
    assert.equal(found.object, "list");
    assert.ok(waited >= 990, `retried after ${waited} ms, before Retry-After`);
    const log = h.sb.sandbox.log.list({ vendor: "notion" });
    assert.deepEqual(log.map((r) => [r.status, r.fault]), [[429, "status-429"], [200, null]]);
  });
});

Deno.test("notion: injected 500 and 503 on a create are not retried by the SDK; on a read they are", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const client = h.client();
    const create = () =>
      client.pages.create({
        parent: { data_source_id: databases[0]!.dataSourceId },
        properties: { Name: { title: text("Ada") } },
      });
    for (
      const [status, code] of [[500, "internal_server_error"], [
        503,
        "service_unavailable",
      ]] as const
    ) {
      h.sb.sandbox.log.clear();
      h.sb.sandbox.faults.add({
        vendor: "notion",
        method: "POST",
        path: "^/v1/pages$",
        status,
        times: 1,
      });
      await assert.rejects(create(), { code, status });
      const posts = h.sb.sandbox.log.list({ vendor: "notion" }).filter((r) => r.method === "POST");
      assert.equal(posts.length, 1, `a ${status} on POST must reach the server once`);
    }
    assert.equal(h.notion.state().pages.length, 0);

    // GET is idempotent: the SDK retries it (Retry-After 0 keeps the test fast).
    h.sb.sandbox.log.clear();
    h.sb.sandbox.faults.add({
      vendor: "notion",
      method: "GET",
      status: 503,
      retryAfter: 0,
      times: 1,
    });
    await client.databases.retrieve({ database_id: databases[0]!.id });
    assert.deepEqual(h.sb.sandbox.log.list({ vendor: "notion" }).map((r) => r.status), [503, 200]);
  });
});

Deno.test("notion: injected faults answer in Notion's error body with its codes", async () => {
  await withNotion(async (h) => {
    const expected: [number, string][] = [
      [409, "conflict_error"],
      [429, "rate_limited"],
      [500, "internal_server_error"],
      [502, "bad_gateway"],
      [503, "service_unavailable"],
      [504, "gateway_timeout"],
    ];
    for (const [status, code] of expected) {
      h.sb.sandbox.faults.add({ vendor: "notion", status, retryAfter: 2, times: 1 });
      const res = await h.raw("POST", "/v1/search", {});
      const body = await res.json();
      assert.equal(res.status, status);
      assert.equal(res.headers.get("retry-after"), "2");
      assert.equal(body.object, "error");
      assert.equal(body.status, status);
      assert.equal(body.code, code);
      assert.equal(typeof body.message, "string");
      assert.match(body.request_id, /^[0-9a-f-]{36}$/);
    }
  });
});

Deno.test("notion: a create whose answer is dropped leaves the page created while the client sees an error", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const client = h.client();
    h.sb.sandbox.faults.add({
      vendor: "notion",
      method: "POST",
      path: "^/v1/pages$",
      drop: "after",
      times: 1,
    });
    const props = { Name: { title: text("Ada") }, "Call ID": { rich_text: text("AC123") } };
    const data_source_id = databases[0]!.dataSourceId;
    await assert.rejects(client.pages.create({ parent: { data_source_id }, properties: props }));

    const pages = h.notion.state().pages;
    assert.equal(pages.length, 1);
    // The caller can find what it created by its own key before trying again.
    const found = await client.dataSources.query({
      data_source_id,
      filter: { property: "Call ID", rich_text: { equals: "AC123" } },
    });
    assert.equal(found.results.length, 1);
    assert.equal((found.results[0] as PageObjectResponse).id, pages[0]!.id);
    const log = h.sb.sandbox.log.list({ vendor: "notion" });
    assert.equal(log[0]?.fault, "drop-after");
    assert.equal(log[0]?.route, "/v1/pages");
  });
});
