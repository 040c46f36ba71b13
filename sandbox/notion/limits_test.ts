/**
 * Contract tests, rate limit and faults: 3 requests/s per token with a burst of 10, 429
 * `rate_limited` with an integer Retry-After; the SDK's own retry honouring it; injected 5xx
 * on writes not retried by the SDK; a create whose answer is lost still creates the page.
 * Time is a ManualClock wherever the limiter decides; the SDK's retry sleeps in real time, so
 * those tests keep Retry-After at 1 second or less.
 */
import assert from "node:assert/strict";
import type { PageObjectResponse } from "@notionhq/client";
import { ManualClock } from "../core/clock.ts";
import { CALLS_SCHEMA, text, withNotion } from "./testing.ts";

Deno.test("notion: a burst of 30 requests is cut off after 10 with 429 and an integer Retry-After", async () => {
  const clock = new ManualClock();
  await withNotion(async (h) => {
    const client = h.client({ retry: false });
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () => client.search({}).then(() => "ok", (e) => e)),
    );
    const limited = outcomes.filter((o) => o !== "ok");
    assert.equal(outcomes.filter((o) => o === "ok").length, 10);
    assert.equal(limited.length, 20);
    for (const err of limited) {
      assert.equal(err.code, "rate_limited");
      assert.equal(err.status, 429);
      assert.equal(err.message, "You have been rate limited. Please try again in a few minutes.");
      assert.match(err.headers.get("retry-after"), /^[1-9]\d*$/);
    }
    // A second later three more requests fit; the limit is per token.
    clock.advance(1_000);
    for (let i = 0; i < 3; i++) await client.search({});
    await assert.rejects(client.search({}), { code: "rate_limited" });
    await h.client({ retry: false, auth: "ntn_another_integration" }).search({});
  }, { clock });
});

Deno.test("notion: a steady 3 requests per second is never limited, 4 per second is", async () => {
  const clock = new ManualClock();
  await withNotion(async (h) => {
    const client = h.client({ retry: false });
    for (let i = 0; i < 60; i++) {
      await client.search({});
      clock.advance(334);
    }
    clock.advance(10_000);
    let limited = 0;
    for (let i = 0; i < 60; i++) {
      await client.search({}).catch((e) => {
        assert.equal(e.code, "rate_limited");
        limited++;
      });
      clock.advance(250);
    }
    assert.ok(limited > 0, "a sustained 4/s must be refused some of the time");
    const statuses = h.sb.sandbox.log.list({ vendor: "notion" }).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 429).length, limited);
  }, { clock });
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
