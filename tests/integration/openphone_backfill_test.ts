/**
 * The OpenPhone backfill against the sandbox's generated history (3 numbers, 2,100 calls and
 * messages) and the throwaway database: every call and message imported once, through the
 * one-participant, paginated API; never more than 10 requests in any second, from one run or
 * two at once (one budget in Postgres); a run killed midway resumes without duplicating rows
 * that webhooks created meanwhile; a second pass adds nothing.
 */
import assert from "node:assert/strict";
import { createOpenPhoneClient } from "../../supabase/functions/_shared/adapters/openphone/client.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import {
  budgetKey,
  postgresBudget,
} from "../../supabase/functions/_shared/platform/rate_budget.ts";
import { backfill } from "../../supabase/functions/openphone-backfill/backfill.ts";
import { createBackfillStore } from "../../supabase/functions/openphone-backfill/store.ts";
import { createOpenPhone } from "../../sandbox/openphone/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

const silent = createLogger({}, { write: () => {} });

/** The most requests that arrived within any one-second window. */
function maxPerSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

Deno.test({
  name:
    "backfill: imports 2,100 calls and messages once, at ≤ 10 requests/s, resumable, idempotent",
  ignore: !platformAvailable,
  async fn() {
    const sb = startSandbox({ vendors: [createOpenPhone()] });
    const sql = testDb(4);
    const apiKey = `op_test_${crypto.randomUUID().slice(0, 8)}`;
    const control = async (path: string, body?: unknown) => {
      const res = await fetch(
        `${sb.url}/_control${path}`,
        body === undefined ? {} : { method: "POST", body: JSON.stringify(body) },
      );
      const json = await res.json();
      assert.ok(res.ok, JSON.stringify(json));
      return json;
    };
    try {
      await control("/seed", {
        openphone: {
          apiKeys: [apiKey],
          generate: {
            seed: apiKey,
            phoneNumbers: 3,
            callsPerNumber: 400,
            messagesPerNumber: 300,
            participantsPerNumber: 8,
            since: "2026-01-01T00:00:00Z",
          },
        },
      });
      const state = await control("/state/openphone") as {
        phoneNumbers: { id: string }[];
        calls: { id: string; phoneNumberId: string; createdAt: number }[];
        messages: { id: string }[];
      };
      const numbers = state.phoneNumbers.map((p) => p.id);
      assert.equal(state.calls.length + state.messages.length, 2100);

      const client = createOpenPhoneClient({
        baseUrl: `${sb.url}/openphone`,
        apiKey,
        fetch,
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        budget: postgresBudget(sql, await budgetKey("openphone", apiKey), 9),
      });
      const store = createBackfillStore(sql);
      const run = (
        since: string,
        now: () => number = Date.now,
        budgetMs = Number.POSITIVE_INFINITY,
      ) => backfill({ client, store, since, budgetMs, now, log: silent });

      // A run killed midway: its clock says time is up after a few pages.
      let ticks = 0;
      const cut = await run("2025-12-01T00:00:00Z", () => ticks++ * 1000, 25_000);
      assert.equal(cut.complete, false);
      assert.ok(
        cut.calls + cut.messages > 0 && cut.calls + cut.messages < 2100,
        "it stopped partway",
      );

      // Meanwhile, webhooks deliver some of the calls not yet imported.
      const imported = new Set((await sql<{ external_id: string }[]>`
        select external_id from switchboard.calls where phone_number_id in ${sql(numbers)}`).map((
        r,
      ) => r.external_id));
      const fromWebhooks = state.calls.filter((c) => !imported.has(c.id)).slice(0, 25);
      for (const c of fromWebhooks) {
        await sql`select * from switchboard.merge_call('openphone', ${
          sql.json({
            external_id: c.id,
            phone_number_id: c.phoneNumberId,
            started_at: new Date(c.createdAt).toISOString(),
          })
        }, now())`;
      }

      const resumed = await run("2025-12-01T00:00:00Z");
      assert.equal(resumed.complete, true);
      const [counts] = await sql<{ calls: number; distinct_calls: number; messages: number }[]>`
        select
          (select count(*)::int from switchboard.calls where phone_number_id in ${
        sql(numbers)
      }) as calls,
          (select count(distinct external_id)::int from switchboard.calls where phone_number_id in ${
        sql(numbers)
      }) as distinct_calls,
          (select count(*)::int from switchboard.messages where phone_number_id in ${
        sql(numbers)
      }) as messages`;
      assert.deepEqual(counts, {
        calls: state.calls.length,
        distinct_calls: state.calls.length,
        messages: state.messages.length,
      });

      // A second pass over the same history, by two invocations at once: nothing new, one budget.
      const before = (await control(`/requests?vendor=openphone`) as unknown[]).length;
      const [a, b] = await Promise.all([run("2025-11-01T00:00:00Z"), run("2025-11-01T00:00:00Z")]);
      assert.equal(a.inserted + b.inserted, 0, "a second pass adds nothing");
      const log = await control(`/requests?vendor=openphone`) as {
        at: number;
        key: string;
        status: number;
      }[];
      assert.ok(log.length > before, "the second pass made requests");
      assert.ok(log.every((e) => e.status === 200), "no request was refused");
      assert.ok(
        maxPerSecond(log.map((e) => e.at)) <= 10,
        `max ${maxPerSecond(log.map((e) => e.at))} requests in a second`,
      );
    } finally {
      await sql.end();
      await sb.close();
    }
  },
});
