/**
 * call_publish against the throwaway database and the sandbox's Notion, with the real stage
 * worker, handler, SQL store, adapter and contacts mirror; every assertion reads the sandbox's
 * state through the official SDK:
 *
 *   - a call with summary + transcript → exactly one page (properties, overview with to-dos,
 *     transcript toggles) linked to its contact, in ONE Notion request; a re-summary updates the
 *     same page in place (the overview replaced, the properties updated, no second page)
 *   - the ambiguous contact (candidates named) and the unknown caller are flagged for review
 *   - faults injected in the sandbox: the create's connection dropped after Notion applied it
 *     (T25/T17), a 503 saying the create / an append was committed, an append's answer lost,
 *     5xx bursts, a 429 storm (T24) → each call has exactly one page and no block twice
 *   - a transcript needing several thousand blocks ends as one complete, ordered page
 *   - the workspace's block allowance runs out → the page exists with its summary, the
 *     transcript stops with the page flagged, the call completes (not failed)
 */
import assert from "node:assert/strict";
import {
  callInStage,
  drainUntilDone,
  type Harness,
  harness,
  pagesFor,
  type PageView,
  plain,
  seedContacts,
  sendBack,
  SUMMARY,
} from "../support/notion_publish_calls.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

function suite(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `call_publish: ${name}`,
    ignore: !platformAvailable,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

/** A number no other test uses (555-01xx are fictional). */
const phone = () => `+1555555${String(Math.floor(1000 + Math.random() * 8999))}`;

/** One page; its transcript toggles are exactly the turns, once each, in order. */
function assertOnePage(pages: PageView[], turns: number): PageView {
  assert.equal(pages.length, 1, `pages: ${pages.length}`);
  const page = pages[0]!;
  const callouts = page.blocks.filter((b) => b.type === "callout");
  assert.equal(callouts.length, 1, "one overview");
  assert.equal(page.blocks[0]!.type, "callout", "the overview comes first");
  const toggles = page.blocks.filter((b) => b.type === "toggle");
  assert.equal(toggles.length, turns, `toggles ${toggles.length} for ${turns} turns`);
  const ids = new Set(page.blocks.map((b) => b.id));
  assert.equal(ids.size, page.blocks.length);
  const times = toggles.map((t) => t.text.replace(/^.* · /, ""));
  const secs = times.map((t) => t.split(":").reduce((a, x) => a * 60 + Number(x), 0));
  for (let i = 1; i < secs.length; i++) {
    assert.ok(secs[i]! > secs[i - 1]!, `order at ${i}: ${times[i]}`);
  }
  if (turns > 0) {
    assert.equal(
      page.blocks.filter((b) => b.type === "heading_2").length,
      1,
      "one transcript heading",
    );
  }
  return page;
}

async function withHarness(
  fn: (sql: ReturnType<typeof testDb>, h: Harness) => Promise<void>,
  opts: Parameters<typeof harness>[1] = {},
) {
  const sql = testDb(6);
  const h = await harness(sql, opts);
  try {
    await fn(sql, h);
  } finally {
    await h.close();
    await sql.end();
  }
}

suite(
  "summary + transcript → one page in one request, linked to its contact; a re-summary updates it in place",
  () =>
    withHarness(async (sql, h) => {
      const number = phone();
      const [contactId] = await seedContacts(sql, h, [{ name: "Sam Client", phone: number }]);
      const deps = h.deps();
      const id = await callInStage(sql, h, { phone: number, turns: 40 });
      const before = h.adapter.requestCount();
      await drainUntilDone(sql, h, deps, [id]);
      assert.equal(h.adapter.requestCount() - before, 1, "the whole page in one request");

      const page = assertOnePage(await pagesFor(h, sql, id), 40);
      const p = page.properties;
      assert.equal(plain(p["Name"]), SUMMARY.title);
      assert.deepEqual((p["Contact"]!.relation as { id: string }[]).map((r) => r.id), [contactId]);
      assert.equal((p["Status"]!.select as { name: string }).name, "Summarized");
      assert.equal((p["Sentiment"]!.select as { name: string }).name, "Positive");
      assert.equal(p["Needs Review"]!.checkbox, false);
      assert.equal(p["Follow-up Needed"]!.checkbox, true);
      assert.equal(p["Cost (USD)"]!.number, 0.0123);
      assert.match(String(p["Recording"]!.url), /^https:\/\/functions\.example\/recording\?t=/);
      const overview = await h.reader.blocks.children.list({ block_id: page.blocks[0]!.id });
      const kinds = (overview.results as unknown as { type: string }[]).map((b) => b.type);
      assert.equal(kinds.filter((k) => k === "to_do").length, 2, "action items as to-dos");
      const [state] = await sql<{ requests: number; page_id: string; transcript_done: number }[]>`
        select requests, page_id::text, transcript_done from switchboard.notion_call_pages where call_id = ${id}`;
      assert.equal(state!.page_id, page.id, "the page id is stored");
      assert.equal(state!.transcript_done, 41);

      // Nothing changed: publishing again sends nothing.
      await sendBack(sql, h, id);
      const idle = h.adapter.requestCount();
      await drainUntilDone(sql, h, deps, [id]);
      assert.equal(h.adapter.requestCount() - idle, 0, "an unchanged call costs no request");

      // A re-summary: the same page, its overview replaced, its properties updated.
      await sql`update switchboard.call_summaries
        set summary = summary || '{"title": "Installation confirmed", "summary": "All settled."}'::jsonb
        where call_id = ${id}`;
      await sendBack(sql, h, id);
      await drainUntilDone(sql, h, deps, [id]);
      const again = assertOnePage(await pagesFor(h, sql, id), 40);
      assert.equal(again.id, page.id, "updated in place");
      assert.equal(plain(again.properties["Name"]), "Installation confirmed");
      assert.notEqual(again.blocks[0]!.id, page.blocks[0]!.id, "the overview was replaced");
      const fresh = await h.reader.blocks.children.list({ block_id: again.blocks[0]!.id });
      const text = JSON.stringify(fresh.results);
      assert.ok(text.includes("All settled."), "the new summary is on the page");
      assert.ok(!text.includes("move the installation"), "the old summary is gone");
    }),
);

suite(
  "the ambiguous contact and the unknown caller are flagged for review",
  () =>
    withHarness(async (sql, h) => {
      const shared = phone();
      await seedContacts(sql, h, [{ name: "Ada Lovelace", phone: shared }, {
        name: "Ada L.",
        phone: shared,
      }]);
      const deps = h.deps();
      const amb = await callInStage(sql, h, { phone: shared, turns: 3 });
      const unknown = await callInStage(sql, h, { phone: phone(), turns: 3 });
      await drainUntilDone(sql, h, deps, [amb, unknown]);

      const a = assertOnePage(await pagesFor(h, sql, amb), 3).properties;
      assert.equal(a["Needs Review"]!.checkbox, true);
      assert.deepEqual(a["Contact"]!.relation, []);
      assert.match(
        plain(a["Review Note"]),
        /Several contacts have this number \(Ada Lovelace, Ada L\.\)|\(Ada L\., Ada Lovelace\)/,
      );

      const u = assertOnePage(await pagesFor(h, sql, unknown), 3).properties;
      assert.equal(u["Needs Review"]!.checkbox, true);
      assert.match(plain(u["Review Note"]), /^Unknown caller/);
      assert.deepEqual(u["Contact"]!.relation, []);
    }),
);

suite(
  "faults (dropped create, 503-after-commit, lost append, 5xx bursts, 429 storm): one page per call, no block twice",
  () =>
    withHarness(async (sql, h) => {
      const deps = h.deps();
      const turns = 250; // a create and two appends each
      const cases: [string, Record<string, unknown>][] = [
        ["drop after create", { method: "POST", path: "^/v1/pages$", drop: "after", times: 1 }],
        ["503 committed create", {
          method: "POST",
          path: "^/v1/pages$",
          status: 503,
          commit: true,
          times: 1,
        }],
        ["drop after append", {
          method: "PATCH",
          path: "^/v1/blocks/[^/]+/children$",
          drop: "after",
          times: 1,
        }],
        ["503 committed append", {
          method: "PATCH",
          path: "^/v1/blocks/[^/]+/children$",
          status: 503,
          commit: true,
          times: 1,
        }],
        ["5xx burst", { status: 502, times: 4 }],
        ["429 storm", { status: 429, retryAfter: 1, times: 6 }],
      ];
      for (const [name, rule] of cases) {
        const id = await callInStage(sql, h, { phone: phone(), turns });
        const hitBefore = await h.faultsHit();
        await h.fault(rule);
        await drainUntilDone(sql, h, deps, [id], 60_000).catch((e) => {
          throw new Error(`${name}: ${e}`);
        });
        await h.clearFaults();
        assert.ok((await h.faultsHit()) > hitBefore, `${name}: the fault was injected`);
        try {
          assertOnePage(await pagesFor(h, sql, id), turns);
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`);
        }
        const dead =
          await sql`select 1 from switchboard.dead_letters where subject_kind = 'call' and subject_id = ${id}`;
        assert.equal(dead.length, 0, `${name}: no dead letter`);
      }
      // The ambiguous outcomes were resolved by looking, not by repeating.
      const pages = await h.reader.dataSources.query({ data_source_id: h.callsDs } as never);
      assert.equal(pages.results.length, cases.length, "one page per call, nothing else");
    }),
);

suite(
  "a transcript needing several thousand blocks ends as one complete, ordered page",
  () =>
    withHarness(async (sql, h) => {
      const turns = 2500;
      const id = await callInStage(sql, h, {
        phone: phone(),
        turns,
        text: (i) => `Turn ${i}. ` + "ok ".repeat(i % 30),
      });
      const before = h.adapter.requestCount();
      await drainUntilDone(sql, h, h.deps(), [id], 120_000);
      const requests = h.adapter.requestCount() - before;
      assert.ok(requests >= 26 && requests <= 30, `${requests} requests`);
      const page = assertOnePage(await pagesFor(h, sql, id), turns);
      assert.equal(page.blocks.length, 1 + 1 + turns);
      assert.ok(page.blocks[2]!.text.startsWith("Dana · 0:00"));
    }),
);

suite(
  "the block allowance runs out: the page exists with its summary, the transcript stops, the call is flagged and done",
  () =>
    withHarness(async (sql, h) => {
      const turns = 400;
      const id = await callInStage(sql, h, { phone: phone(), turns });
      await drainUntilDone(sql, h, h.deps(), [id]);
      const pages = await pagesFor(h, sql, id);
      assert.equal(pages.length, 1);
      const page = pages[0]!;
      assert.equal(page.blocks[0]!.type, "callout", "the summary is there");
      const toggles = page.blocks.filter((b) => b.type === "toggle").length;
      assert.ok(toggles > 0 && toggles < turns, `${toggles} of ${turns} turns`);
      assert.equal(page.properties["Needs Review"]!.checkbox, true);
      assert.match(
        plain(page.properties["Review Note"]),
        new RegExp(`Transcript truncated after ${toggles} of ${turns} turns`),
      );
      const [row] = await sql<{ status: string; state: string }[]>`
      select w.status, o.state from switchboard.work_items w
      join ops.notion_call_pages o on o.call_id = w.subject_id
      where w.subject_kind = 'call' and w.subject_id = ${id}`;
      assert.deepEqual(row, { status: "done", state: "transcript_truncated" });
    }, { notion: { blockLimit: 350 } }),
);
