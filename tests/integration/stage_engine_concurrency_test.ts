/**
 * The stage engine's concurrency bounds (issue 8, "Done when"; T15):
 *
 *   - 50 concurrent wake-ups through the edge runtime's emulation (the real serveStage in a
 *     fixture function; each wake-up starts a drain of its own) of a stage limited to
 *     max_workers = 2 never have more than 2 handlers running at once. Measured from the
 *     handlers' own start/end times in the database.
 *   - The same with 50 concurrent drainStage calls in process (an in-process counter), with a
 *     control: at max_workers = 4 the same instrument sees more than 2, so it can see a breach.
 *   - T15: 1,000 items, 20 concurrent claim loops: each item handled and completed exactly once.
 */
import assert from "node:assert/strict";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { drainStage } from "../../supabase/functions/_shared/platform/stage_worker.ts";
import {
  createTestStage,
  fixtureGateway,
  maxConcurrentHandlers,
  quietLog,
  sleep,
} from "../support/engine_stage.ts";
import { eventually, platformAvailable, testDb } from "../support/platform.ts";

Deno.test({
  name:
    "stage engine concurrency: 50 concurrent wake-ups of a stage with 2 workers never run more than 2 handlers",
  ignore: !platformAvailable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = testDb(3);
    const stage = await createTestStage(sql, "et_wake", { maxWorkers: 2, batchSize: 5 });
    const gw = await fixtureGateway(stage.name);
    try {
      const items = await stage.insert(Array.from({ length: 60 }, () => "ms=40"));
      const answers = await Promise.all(Array.from({ length: 50 }, () => gw.wake()));
      for (const res of answers) {
        assert.equal(res.status, 202, await res.clone().text());
        await res.body?.cancel();
      }
      await eventually(
        async () => {
          const s = await stage.statusCounts();
          return s.done === items.length ? true : null;
        },
        60_000,
        100,
      );

      const maxHandlers = await maxConcurrentHandlers(sql, stage.name);
      const [runs] = await sql<{ runs: number; subjects: number; workers: number }[]>`
        select
          (select count(*)::int from engine_tests.handler_runs where stage = ${stage.name}) as runs,
          (select count(distinct subject_id)::int from engine_tests.handler_runs where stage = ${stage.name}) as subjects,
          (select count(distinct worker)::int from switchboard.stage_attempts where stage = ${stage.name}) as workers`;
      // deno-lint-ignore no-console
      console.log(JSON.stringify({
        concurrency_test: {
          wakeups: 50,
          max_workers: 2,
          items: items.length,
          max_concurrent_handlers: maxHandlers,
          workers_that_claimed: runs!.workers,
        },
      }));
      assert.ok(maxHandlers >= 1 && maxHandlers <= 2, `${maxHandlers} handlers ran at once`);
      assert.equal(runs!.runs, items.length, "each item handled once");
      assert.equal(runs!.subjects, items.length);
      assert.ok(runs!.workers <= 50);
    } finally {
      await gw.close();
      await stage.drop();
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "stage engine concurrency: 50 concurrent drains in process hold max_workers (and the counter sees more when allowed)",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(8);
    const store = sqlEngineStore(sql);
    try {
      for (const maxWorkers of [2, 4]) {
        const stage = await createTestStage(sql, `et_conc${maxWorkers}`, {
          maxWorkers,
          batchSize: 3,
        });
        try {
          const items = await stage.insert(Array.from({ length: 40 }, (_, i) => `i${i}`));
          let running = 0;
          let max = 0;
          const handled = new Map<number, number>();
          const reports = await Promise.all(Array.from({ length: 50 }, (_, i) =>
            drainStage({
              stage: stage.name,
              store,
              log: quietLog(),
              now: Date.now,
              budgetMs: 60_000,
              workerId: `conc${maxWorkers}:${i}`,
              concurrency: 1,
              handler: async (item) => {
                running++;
                max = Math.max(max, running);
                handled.set(item.subjectId, (handled.get(item.subjectId) ?? 0) + 1);
                await sleep(15);
                running--;
              },
            })));
          const withSlot = reports.filter((r) => r.slot !== null).length;
          // deno-lint-ignore no-console
          console.log(JSON.stringify({
            in_process_concurrency: {
              drains: 50,
              max_workers: maxWorkers,
              drains_with_a_slot: withSlot,
              max_concurrent_handlers: max,
            },
          }));
          assert.ok(max <= maxWorkers, `${max} handlers at once with ${maxWorkers} workers`);
          if (maxWorkers > 2) assert.ok(max > 2, "the counter does see more than 2 when allowed");
          assert.ok(withSlot <= maxWorkers);
          assert.equal(handled.size, items.length);
          assert.ok([...handled.values()].every((n) => n === 1), "each item handled once");
          assert.deepEqual(await stage.statusCounts(), { done: items.length });
        } finally {
          await stage.drop();
        }
      }
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "stage engine T15: 1,000 items, 20 concurrent claim loops, each item completed exactly once",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(10);
    const store = sqlEngineStore(sql);
    const stage = await createTestStage(sql, "et_t15", { maxWorkers: 20, batchSize: 10 });
    try {
      const items = await stage.insert(Array.from({ length: 1000 }, (_, i) => `t${i}`));
      const handledBy = new Map<number, string[]>();
      const started = Date.now();
      const reports = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        drainStage({
          stage: stage.name,
          store,
          log: quietLog(),
          now: Date.now,
          budgetMs: 120_000,
          workerId: `t15:${i}`,
          concurrency: 1,
          handler: (item) => {
            handledBy.set(item.subjectId, [...handledBy.get(item.subjectId) ?? [], `t15:${i}`]);
            return Promise.resolve();
          },
        })));
      const ms = Date.now() - started;
      assert.equal(handledBy.size, items.length, "every item was handled");
      const twice = [...handledBy.entries()].filter(([, ws]) => ws.length !== 1);
      assert.deepEqual(twice, [], "no item went to two workers");
      assert.equal(reports.reduce((n, r) => n + r.completed, 0), items.length);
      assert.equal(reports.reduce((n, r) => n + r.stale + r.retried + r.dead, 0), 0);
      const [db] = await sql<{ completions: number; items: number }[]>`
        select count(*)::int as completions, count(distinct item_id)::int as items
        from switchboard.stage_attempts where stage = ${stage.name} and outcome = 'completed'`;
      assert.deepEqual(db, { completions: items.length, items: items.length });
      assert.deepEqual(await stage.statusCounts(), { done: items.length });
      const workers = new Set([...handledBy.values()].flat()).size;
      assert.ok(workers > 1, "the claim loops shared the work");
      // deno-lint-ignore no-console
      console.log(JSON.stringify({ t15: { items: items.length, loops: 20, workers, ms } }));
    } finally {
      await stage.drop();
      await sql.end();
    }
  },
});
