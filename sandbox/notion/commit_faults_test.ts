/**
 * Contract tests through the official SDK: a write that Notion saved and then answered 503
 * (`commit: true` faults) — additional_data carries retry_guidance and what was committed — and
 * the free workspace's lifetime block allowance. Also the Switchboard adapter's reading of both.
 */
import assert from "node:assert/strict";
import type { APIResponseError } from "@notionhq/client";
import {
  createNotionAdapter,
  NotionCommittedError,
  NotionError,
} from "../../supabase/functions/_shared/adapters/notion/client.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { CALLS_SCHEMA, paragraph, text, TOKEN, withNotion } from "./testing.ts";

const committedFault = (method: string, path: string) => ({
  vendor: "notion",
  method,
  path,
  status: 503,
  commit: true,
  times: 1,
});

Deno.test("notion: 503 after commit of a page create names the saved page, which exists", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const client = h.client();
    h.sb.sandbox.faults.add(committedFault("POST", "^/v1/pages$"));
    const err = await client.pages.create({
      parent: { data_source_id: databases[0]!.dataSourceId },
      properties: { Name: { title: text("Ada") } },
    }).then(() => assert.fail("expected 503"), (e: APIResponseError) => e);
    assert.equal(err.status, 503);
    assert.equal(err.code, "service_unavailable");
    const ad = err.additional_data as Record<string, unknown>;
    assert.equal(ad.retry_guidance, "do_not_retry");
    assert.equal(typeof ad.committed_resource_id, "string");
    assert.equal(ad.committed_child_ids, undefined);
    const pages = h.notion.state().pages;
    assert.equal(pages.length, 1);
    assert.equal(pages[0]!.id, ad.committed_resource_id);
    assert.equal(
      h.sb.sandbox.log.list({ vendor: "notion" }).at(-1)?.fault,
      "status-503-after-commit",
    );
    // The SDK does not retry a POST on 503: one page, one request.
    assert.equal(
      h.sb.sandbox.log.list({ vendor: "notion" }).filter((r) => r.method === "POST").length,
      1,
    );
  });
});

Deno.test("notion: 503 after commit of an append names the parent and the new blocks, in order", async () => {
  await withNotion(async (h) => {
    const { pages } = await h.seed({ pages: [{ title: "Call" }] });
    const pageId = pages[0]!.id;
    const client = h.client();
    h.sb.sandbox.faults.add(committedFault("PATCH", "/children$"));
    const err = await client.blocks.children.append({
      block_id: pageId,
      children: [paragraph("one"), paragraph("two")],
    }).then(() => assert.fail("expected 503"), (e: APIResponseError) => e);
    const ad = err.additional_data as Record<string, unknown>;
    assert.equal(ad.committed_resource_id, pageId);
    const listed = await client.blocks.children.list({ block_id: pageId });
    assert.deepEqual(ad.committed_child_ids, listed.results.map((b) => b.id));
    assert.equal(listed.results.length, 2);
  });
});

Deno.test("notion: 503 after commit of an update carries guidance only; the update is applied", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{
        title: "Calls",
        properties: CALLS_SCHEMA,
        rows: [{ Name: { title: text("Ada") } }],
      }],
    });
    const pageId = databases[0]!.rows[0]!;
    h.sb.sandbox.faults.add(committedFault("PATCH", "^/v1/pages/"));
    const err = await h.client().pages.update({
      page_id: pageId,
      properties: { Name: { title: text("Grace") } },
    }).then(() => assert.fail("expected 503"), (e: APIResponseError) => e);
    assert.deepEqual(err.additional_data, { retry_guidance: "do_not_retry" });
    const page = h.notion.state().pages.find((p) => p.id === pageId)!;
    assert.match(JSON.stringify(page.properties), /Grace/);
  });
});

Deno.test("notion: a commit fault on a request the fake refuses keeps the refusal", async () => {
  await withNotion(async (h) => {
    h.sb.sandbox.faults.add(committedFault("POST", "^/v1/pages$"));
    await assert.rejects(
      h.client().pages.create({
        parent: { data_source_id: "00000000-0000-4000-8000-000000000000" },
        properties: {},
      }),
      { status: 404, code: "object_not_found" },
    );
  });
});

Deno.test("notion: the adapter turns a committed 503 into NotionCommittedError with the page id", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    h.sb.sandbox.faults.add(committedFault("POST", "^/v1/pages$"));
    const notion = createNotionAdapter({
      baseUrl: h.base,
      token: TOKEN,
      fetch,
      now: Date.now,
      sleep: () => Promise.resolve(),
      log: createLogger({}, { write: () => {} }),
      budget: { reserve: () => Promise.resolve(0), block: () => Promise.resolve() },
    });
    const err = await notion.sdk.pages.create({
      parent: { type: "data_source_id", data_source_id: databases[0]!.dataSourceId },
      properties: { Name: { title: text("Ada") } },
    }).then(() => assert.fail("expected 503"), (e) => e);
    assert.ok(err instanceof NotionCommittedError);
    assert.equal(err.committedResourceId, h.notion.state().pages[0]!.id);
  });
});

Deno.test("notion: a Free workspace's block allowance: the write that reaches it passes, then creating blocks is 403", async () => {
  await withNotion(async (h) => {
    const { pages } = await h.seed({ blockLimit: 4, pages: [{ title: "Switchboard" }] });
    const parent = pages[0]!.id;
    const client = h.client();
    // 1 (the seeded page) + 1 page + 3 blocks = 5: over 4, but it is the write that reaches it.
    const page = await client.pages.create({
      parent: { page_id: parent },
      properties: { title: { title: text("Call") } },
      children: [paragraph("a"), paragraph("b"), paragraph("c")],
    });
    const refused = await client.blocks.children.append({
      block_id: page.id,
      children: [paragraph("d")],
    })
      .then(() => assert.fail("expected 403"), (e: APIResponseError) => e);
    assert.equal(refused.status, 403);
    assert.equal(refused.code, "restricted_resource");
    assert.match(refused.message, /block limit/);
    await assert.rejects(
      client.pages.create({
        parent: { page_id: parent },
        properties: { title: { title: text("x") } },
      }),
      { status: 403, code: "restricted_resource" },
    );
    // Reads and edits that create no blocks still work.
    await client.blocks.children.list({ block_id: page.id });
    await client.pages.update({
      page_id: page.id,
      properties: { title: { title: text("Call 2") } },
    });
    // The adapter: permanent, Notion's code kept.
    const notion = createNotionAdapter({
      baseUrl: h.base,
      token: TOKEN,
      fetch,
      now: Date.now,
      sleep: () => Promise.resolve(),
      log: createLogger({}, { write: () => {} }),
      budget: { reserve: () => Promise.resolve(0), block: () => Promise.resolve() },
    });
    const e = await notion.sdk.blocks.children.append({
      block_id: page.id,
      children: [paragraph("e")],
    })
      .then(() => assert.fail("expected 403"), (x) => x);
    assert.ok(e instanceof NotionError);
    assert.equal(e.retryable, false);
    assert.equal(e.notionCode, "restricted_resource");
  }, { blockLimit: null });
});
