/**
 * Spend governance under concurrency (issue 9, "Done when"): 20 concurrent workers on
 * call_summarize, 20 calls, and a day whose remaining budget covers exactly 7 of them. Exactly 7
 * are summarised, the other 13 wait in `budget_wait` (not failed), and the ledger never holds a
 * cent more than the budget; raising the budget (an update of call_policy) releases them and
 * they complete.
 *
 * How it is made exact rather than lucky:
 *   - the 20 calls have the same transcript, so each reserves the same estimate E (what the
 *     handler computes, `prepareSummary`); the day is a day of its own in the future (the
 *     handler's spend clock), so no other test's spending shares it;
 *   - the day already carries spend of budget - 7·E (a reservation of a background call, settled),
 *     so room for exactly 7 estimates is left;
 *   - each of the 20 workers (their own worker ids, max_workers raised to 20, one item per claim)
 *     holds its OpenAI request at a gate until all 20 calls have either reserved or waited: the
 *     admitted ones are all in flight at once, and none can settle (and free room, since an
 *     actual is below its estimate) before every call has tried. Then the requests go to the
 *     sandbox's OpenAI fake and settle.
 */
import assert from "node:assert/strict";
import type { OpenAIPort } from "../../supabase/functions/_shared/adapters/openai/client.ts";
import { microsToUsd, usdToMicros } from "../../supabase/functions/_shared/domain/summary/plan.ts";
import { sqlSummaryStore } from "../../supabase/functions/call-summarize/store.ts";
import { prepareSummary } from "../../supabase/functions/call-summarize/summarize.ts";
import {
  callInSummarize,
  drain,
  exclusively,
  handler,
  items,
  openAISandbox,
  utterances,
} from "../support/call_summarize.ts";
import { eventually, platformAvailable, TEST_DB_URL, testDb } from "../support/platform.ts";

const WORKERS = 20;
const CALLS = 20;
const COVERED = 7;

Deno.test({
  name:
    "spend: 20 concurrent workers, a budget that covers 7 calls → exactly 7 summarised, 13 wait; raising it releases them",
  ignore: !platformAvailable,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    exclusively(TEST_DB_URL!, async () => {
      const sql = testDb(WORKERS + 6);
      const oa = openAISandbox();
      // A budget day of this test's own, years ahead: 2090-01-01 plus up to ~8 years.
      const dayMs = Date.parse("2090-01-01T00:00:00Z") +
        Math.floor(Math.random() * 3000) * 86_400_000;
      const clock = () => dayMs + 12 * 3_600_000 + (Date.now() % 3_600_000);
      const day = new Date(dayMs).toISOString().slice(0, 10);
      const [saved] = await sql<{ max_workers: number; batch_size: number }[]>`
        select max_workers, batch_size from switchboard.stages where name = 'call_summarize'`;
      const [policy] = await sql<{ budget: string; zone: string }[]>`
        select daily_budget_usd::text as budget, budget_time_zone as zone from switchboard.call_policy`;
      try {
        await sql`update switchboard.stages set max_workers = ${WORKERS}, batch_size = 1 where name = 'call_summarize'`;
        await sql`update switchboard.call_policy set budget_time_zone = 'UTC'`;

        const ids: number[] = [];
        for (let i = 0; i < CALLS; i++) {
          ids.push(await callInSummarize(sql, utterances(), `spend${i}`));
        }
        const estimate = prepareSummary(await sqlSummaryStore(sql).inputs(ids[0]!)).estimate;
        const budget = usdToMicros(policy!.budget);
        assert.ok(
          budget > BigInt(COVERED) * estimate,
          "the configured budget is larger than 7 calls",
        );

        // Earlier spend of the day: everything but 7 estimates (a background call, settled).
        const background = await callInSummarize(sql, null, "spendbg");
        const before = microsToUsd(budget - BigInt(COVERED) * estimate);
        const at = new Date(clock()).toISOString();
        const [r] = await sql<{ r: { ok: boolean; reservation_id: number } }[]>`
          select switchboard.reserve_spend(${background}, 'openai', 'earlier spend', ${before}::numeric,
            ${at}::timestamptz) as r`;
        assert.ok(r!.r.ok);
        await sql`select switchboard.settle_spend(${
          r!.r.reservation_id
        }, ${before}::numeric, null, ${at}::timestamptz)`;

        // The gate: requests wait until every call has reserved or gone to budget_wait.
        let open!: () => void;
        const gate = new Promise<void>((resolve) => (open = resolve));
        let inFlight = 0;
        let maxInFlight = 0;
        const real = oa.adapter();
        const gated: OpenAIPort = {
          async structured(req) {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await gate;
            try {
              return await real.structured(req);
            } finally {
              inFlight--;
            }
          },
        };
        const h = handler(sql, gated, clock);
        const workers = Array.from(
          { length: WORKERS },
          (_, i) => drain(sql, h, `spend-worker-${i}`, 120_000),
        );
        const decided = await eventually(
          async () => {
            const [c] = await sql<{ reserved: number; waiting: number }[]>`
            select
              (select count(*)::int from switchboard.spend_ledger
               where call_id = any(${ids}::bigint[]) and purpose = 'summary' and status = 'reserved') as reserved,
              (select count(*)::int from switchboard.work_items
               where subject_kind = 'call' and subject_id = any(${ids}::bigint[]) and waiting_for = 'budget_wait') as waiting`;
            return c!.reserved + c!.waiting === CALLS ? c : null;
          },
          60_000,
          50,
        );
        assert.equal(decided.reserved, COVERED, "exactly 7 reservations were granted");
        assert.equal(decided.waiting, CALLS - COVERED, "the other 13 wait");
        await eventually(() => Promise.resolve(inFlight === COVERED ? true : null), 30_000, 20);
        open();
        const reports = await Promise.all(workers);
        assert.ok(
          reports.filter((rep) => rep.slot !== null).length >= 2,
          "several workers held slots",
        );
        assert.equal(maxInFlight, COVERED);

        const after = await items(sql, ids);
        assert.equal(
          after.filter((i) => i.stage === "call_publish").length,
          COVERED,
          "exactly 7 summarised",
        );
        const waiting = after.filter((i) => i.stage === "call_summarize");
        assert.equal(waiting.length, CALLS - COVERED);
        for (const w of waiting) {
          assert.equal(
            `${w.status}/${w.waiting_for}/${w.pipeline_status}`,
            "pending/budget_wait/budget_wait",
          );
        }
        const [summaries] = await sql<{ n: number }[]>`
          select count(*)::int as n from switchboard.call_summaries where call_id = any(${ids}::bigint[])`;
        assert.equal(summaries!.n, COVERED);
        const [dead] = await sql<{ n: number }[]>`
          select count(*)::int as n from switchboard.dead_letters where subject_kind = 'call' and subject_id = any(${ids}::bigint[])`;
        assert.equal(dead!.n, 0, "waiting is not failing");

        // The ledger: 7 settled, none open, and not a cent over the budget.
        const ledger = async () => {
          const [l] = await sql<
            { settled: number; open: number; actual: string; committed: string }[]
          >`
            select
              count(*) filter (where status = 'settled')::int as settled,
              count(*) filter (where status = 'reserved')::int as open,
              coalesce(sum(actual_usd) filter (where status = 'settled'), 0)::text as actual,
              (select usd_committed::text from switchboard.spend_days where day = ${day}::date) as committed
            from switchboard.spend_ledger where day = ${day}::date`;
          return l!;
        };
        const l1 = await ledger();
        assert.equal(l1.settled, COVERED + 1, "7 summaries and the earlier spend");
        assert.equal(l1.open, 0);
        assert.ok(
          usdToMicros(l1.actual) <= budget,
          `settled ${l1.actual} ≤ budget ${policy!.budget}`,
        );
        assert.ok(usdToMicros(l1.committed) <= budget);
        assert.equal(
          usdToMicros(l1.committed),
          usdToMicros(l1.actual),
          "nothing open: committed = settled",
        );
        const summaryActual = usdToMicros(l1.actual) - usdToMicros(before);
        assert.ok(
          summaryActual > 0n && summaryActual <= BigInt(COVERED) * estimate,
          "each actual within its estimate",
        );

        // deno-lint-ignore no-console
        console.error(
          `  (estimate per call ${microsToUsd(estimate)} USD, room ${
            microsToUsd(BigInt(COVERED) * estimate)
          }, ` +
            `settled for the 7 summaries ${microsToUsd(summaryActual)})`,
        );

        // Raising the budget releases the waiting calls (the policy's trigger), and they complete.
        const raised = microsToUsd(budget + 1_000_000n);
        await sql`update switchboard.call_policy set daily_budget_usd = ${raised}::numeric`;
        const resumed = await items(sql, ids);
        assert.equal(
          resumed.filter((i) => i.waiting_for !== null).length,
          0,
          "no call waits any more",
        );
        await Promise.all(
          Array.from({ length: 4 }, (_, i) => drain(sql, h, `spend-after-${i}`, 120_000)),
        );
        const done = await items(sql, ids);
        assert.deepEqual(
          done.map((i) => i.stage),
          Array(CALLS).fill("call_publish"),
          "all 20 summarised",
        );
        const l2 = await ledger();
        assert.equal(l2.settled, CALLS + 1);
        assert.equal(l2.open, 0);
        assert.ok(usdToMicros(l2.actual) <= usdToMicros(raised));
      } finally {
        await sql`update switchboard.stages set max_workers = ${saved!.max_workers}, batch_size = ${
          saved!.batch_size
        }
          where name = 'call_summarize'`;
        await sql`update switchboard.call_policy set daily_budget_usd = ${policy!.budget}::numeric,
          budget_time_zone = ${policy!.zone}`;
        await oa.sb.close();
        await sql.end();
      }
    }),
});
