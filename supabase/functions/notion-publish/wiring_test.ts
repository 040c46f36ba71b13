import assert from "node:assert/strict";
import type { Sql } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { notionContext, notionPublishEnv } from "./wiring.ts";

/** A stand-in for postgres.js: answers the settings queries from `state`, counts them. */
function fakeSql(state: { version: string; calls: string }) {
  const seen: string[] = [];
  const sql = ((strings: TemplateStringsArray) => {
    const q = strings.join("?");
    seen.push(q);
    if (q.includes("updated_at::text as v")) return Promise.resolve([{ v: state.version }]);
    if (q.includes("from switchboard.notion_settings")) {
      return Promise.resolve([{
        parent_page_id: null,
        calls_database_id: state.calls,
        calls_data_source_id: state.calls,
        conversations_database_id: null,
        conversations_data_source_id: null,
        contacts_database_id: null,
        contacts_data_source_id: null,
        database_titles: null,
        workspace_id: null,
        requests_per_minute: 180,
        burst: 180,
        workspace_requests_per_minute: null,
        workspace_burst: null,
        rate_window_seconds: 60,
        property_map: null,
        verified_at: null,
      }]);
    }
    return Promise.resolve([]);
  }) as unknown as Sql;
  return { sql, seen };
}

Deno.test("notion-publish: settings changed by notion:setup are picked up within 2 s, not after the 30 s cache", async () => {
  const parsed = notionPublishEnv({
    SUPABASE_DB_URL: "postgresql://x@127.0.0.1/db",
    NOTION_TOKEN: "secret_test",
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  const state = { version: "v1", calls: "11111111-1111-1111-1111-111111111111" };
  const { sql, seen } = fakeSql(state);
  let t = 1_000_000;
  const ctx = notionContext(sql, createLogger({ fn: "test" }, { level: "error" }), parsed.env, {
    now: () => t,
  });
  assert.equal((await ctx.settings()).databases.calls.dataSourceId, state.calls);

  // The set-up points at new databases.
  state.version = "v2";
  state.calls = "22222222-2222-2222-2222-222222222222";
  t += 1_000; // within the check interval: the cached ids, no query
  const before = seen.length;
  assert.equal(
    (await ctx.settings()).databases.calls.dataSourceId,
    "11111111-1111-1111-1111-111111111111",
  );
  assert.equal(seen.length, before);
  t += 1_500; // past it: one cheap version check notices, and the settings are read again
  assert.equal((await ctx.settings()).databases.calls.dataSourceId, state.calls);

  // Unchanged settings cost one version query per interval, not a reload.
  t += 2_500;
  const n = seen.length;
  await ctx.settings();
  assert.deepEqual(
    seen.slice(n).map((q) => q.includes("updated_at::text as v")),
    [true],
  );
});
