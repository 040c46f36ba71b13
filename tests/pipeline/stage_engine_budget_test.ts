/**
 * A stage worker stops cleanly and loses nothing (issue 8, "Done when"; T23):
 *
 *   - at its time budget (drainStage in process): it stops claiming, the items it claimed but had
 *     not started are released (pending again at once, their attempt not counted, their messages
 *     visible), its slot is given back and the stage is woken again; the next drain completes
 *     them, each handled once;
 *   - on beforeunload, through the edge runtime's emulation (the real serveStage in a fixture
 *     function, a short wall clock): the same, and the worker then exits cleanly;
 *   - killed at the wall clock mid-handler (T23): nothing relied on waitUntil finishing; the
 *     claims queued behind the long handler were released at beforeunload (pending at once, not
 *     counted), the interrupted item is still owed (leased), returns after the visibility timeout
 *     (the watchdog), and every item completes once on the next drain.
 */
import assert from "node:assert/strict";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { drainStage } from "../../supabase/functions/_shared/platform/stage_worker.ts";
import {
  createTestStage,
  fixtureGateway,
  quietLog,
  sleep,
  type TestStage,
} from "../support/engine_stage.ts";
import { eventually, platformAvailable, testDb } from "../support/platform.ts";
import type postgres from "postgres";

/** Pending items whose message is visible now, and items whose attempt count is not 0. */
async function pendingState(sql: postgres.Sql, stage: TestStage) {
  const [row] = await sql<{ pending: number; visible: number; counted: number }[]>`
    select
      count(*)::int as pending,
      count(*) filter (where exists (
        select 1 from pgmq.${sql("q_" + stage.queue)} q
        where q.msg_id = w.msg_id and q.vt <= clock_timestamp()))::int as visible,
      count(*) filter (where w.attempts <> 0)::int as counted
    from switchboard.work_items w
    where w.subject_kind = ${stage.name} and w.status = 'pending'`;
  return row!;
}

async function attemptOutcomes(sql: postgres.Sql, stage: string) {
  const rows = await sql<{ outcome: string; n: number }[]>`
    select coalesce(outcome, 'open') as outcome, count(*)::int as n
    from switchboard.stage_attempts where stage = ${stage} group by 1`;
  return Object.fromEntries(rows.map((r) => [r.outcome, r.n])) as Record<string, number>;
}

Deno.test({
  name:
    "stage engine budget: a worker stops at its budget, releases what it claimed, and the next drain finishes it",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(3);
    const store = sqlEngineStore(sql);
    const stage = await createTestStage(sql, "et_budget", { batchSize: 10 });
    try {
      const items = await stage.insert(Array.from({ length: 30 }, (_, i) => `b${i}`));
      const handled = new Map<number, number>();
      const handler = async (item: { subjectId: number }) => {
        handled.set(item.subjectId, (handled.get(item.subjectId) ?? 0) + 1);
        await sleep(150);
      };
      const [before] = await sql<{ now: Date }[]>`select clock_timestamp() as now`;
      const first = await drainStage({
        stage: stage.name,
        store,
        log: quietLog(),
        now: Date.now,
        budgetMs: 1_000,
        workerId: "budget:1",
        concurrency: 1,
        handler,
      });
      assert.equal(first.stopped, "budget");
      assert.ok(first.completed > 0 && first.completed < items.length, `${first.completed}`);
      assert.ok(first.released > 0, "claimed items it did not start were released");
      assert.equal(first.stale + first.retried + first.dead, 0);

      const status = await stage.statusCounts();
      assert.deepEqual(status, {
        done: first.completed,
        pending: items.length - first.completed,
      }, "nothing is left running or lost");
      const pending = await pendingState(sql, stage);
      assert.equal(pending.visible, pending.pending, "every pending item's message is visible");
      assert.equal(pending.counted, 0, "a released claim's attempt does not count");
      assert.equal((await attemptOutcomes(sql, stage.name)).released, first.released);
      const [after] = await sql<{ held: number; woken: boolean }[]>`
        select
          (select count(*)::int from switchboard.worker_slots
           where stage = ${stage.name} and worker_id is not null) as held,
          (select last_woken_at > ${
        before!.now
      } from switchboard.stages where name = ${stage.name}) as woken`;
      assert.equal(after!.held, 0, "the slot was given back");
      assert.equal(after!.woken, true, "the stage was woken again, as work remains");

      const second = await drainStage({
        stage: stage.name,
        store,
        log: quietLog(),
        now: Date.now,
        budgetMs: 60_000,
        workerId: "budget:2",
        concurrency: 1,
        handler,
      });
      assert.equal(second.stopped, "drained");
      assert.equal(first.completed + second.completed, items.length);
      assert.deepEqual(await stage.statusCounts(), { done: items.length });
      assert.equal(handled.size, items.length);
      assert.ok([...handled.values()].every((n) => n === 1), "released items were never started");
    } finally {
      await stage.drop();
      await sql.end();
    }
  },
});

function exitOf(log: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return log.find((l) => l.msg === "function worker exited" && l.fn === "engine-fixture");
}

Deno.test({
  name:
    "stage engine beforeunload: through the edge runtime, the worker stops taking work, releases its claims and exits cleanly; nothing is lost",
  ignore: !platformAvailable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = testDb(3);
    const stage = await createTestStage(sql, "et_unload", { batchSize: 10 });
    // beforeunload at 4.2 s of a 6 s wall clock; the items need 6 s of handler time.
    const gw = await fixtureGateway(stage.name, {
      limits: { wallClockMs: 6_000, beforeunloadPct: 70, idleTimeoutMs: 500 },
    });
    try {
      const items = await stage.insert(Array.from({ length: 40 }, () => "ms=150"));
      const res = await gw.wake();
      assert.equal(res.status, 202);
      await res.body?.cancel();

      const exit = await eventually(() => Promise.resolve(exitOf(gw.log)), 20_000, 50);
      assert.equal(exit.reason, "EarlyDrop", "it stopped by itself before the wall clock");
      assert.equal(exit.code, 0);
      const status = await stage.statusCounts();
      assert.equal(status.running, undefined, "no claim left behind");
      assert.ok((status.pending ?? 0) > 0 && (status.done ?? 0) > 0, JSON.stringify(status));
      assert.equal((status.pending ?? 0) + (status.done ?? 0), items.length);
      const pending = await pendingState(sql, stage);
      assert.equal(pending.visible, pending.pending, "every pending item's message is visible");
      assert.equal(pending.counted, 0);
      const outcomes = await attemptOutcomes(sql, stage.name);
      assert.ok((outcomes.released ?? 0) > 0, `claims released: ${JSON.stringify(outcomes)}`);
      assert.equal(outcomes.open, undefined);

      // The next wake-up gets a fresh worker, which finishes the rest.
      const again = await gw.wake();
      assert.equal(again.status, 202);
      await again.body?.cancel();
      await eventually(
        async () => {
          const s = await stage.statusCounts();
          return s.done === items.length ? true : null;
        },
        30_000,
        100,
      );
      const [runs] = await sql<{ runs: number; subjects: number; unfinished: number }[]>`
        select count(*)::int as runs, count(distinct subject_id)::int as subjects,
          count(*) filter (where ended_at is null)::int as unfinished
        from engine_tests.handler_runs where stage = ${stage.name}`;
      assert.deepEqual(runs, { runs: items.length, subjects: items.length, unfinished: 0 });
      // deno-lint-ignore no-console
      console.log(JSON.stringify({
        beforeunload_test: {
          items: items.length,
          done_before_unload: status.done,
          released: outcomes.released,
        },
      }));
    } finally {
      await gw.close();
      await stage.drop();
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "stage engine T23: killed at the wall clock mid-handler, the interrupted items return after the visibility timeout and complete once",
  ignore: !platformAvailable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = testDb(3);
    const stage = await createTestStage(sql, "et_wall", { batchSize: 10 });
    const gw = await fixtureGateway(stage.name, {
      limits: { wallClockMs: 3_000, beforeunloadPct: 50, idleTimeoutMs: 500 },
    });
    try {
      // The first item's first attempt outlives the wall clock; the others wait behind it.
      const items = await stage.insert(["ms=50,first=60000", "ms=50", "ms=50"]);
      const res = await gw.wake();
      assert.equal(res.status, 202);
      await res.body?.cancel();
      const exit = await eventually(() => Promise.resolve(exitOf(gw.log)), 20_000, 50);
      assert.equal(exit.reason, "WallClockTime");

      // Nothing was lost: the interrupted item is still owed, under the dead worker's lease; the
      // two queued behind it were released at beforeunload (the engine does not wait for the
      // running handler to give back claims it has not started).
      assert.deepEqual(await stage.statusCounts(), { running: 1, pending: items.length - 1 });
      const released = await pendingState(sql, stage);
      assert.deepEqual(released, {
        pending: items.length - 1,
        visible: items.length - 1,
        counted: 0,
      });
      const [interrupted] = await sql<{ subject_id: string }[]>`
        select subject_id::text from switchboard.work_items
        where subject_kind = ${stage.name} and status = 'running'`;
      assert.equal(Number(interrupted!.subject_id), items[0], "the long first item was cut off");
      await stage.advance(stage.visibilityTimeoutSeconds + 1);
      const reaped = await stage.watchdog();
      assert.ok(reaped.reaped! >= 1, JSON.stringify(reaped));
      assert.deepEqual(await stage.statusCounts(), { pending: items.length });

      const again = await gw.wake();
      assert.equal(again.status, 202);
      await again.body?.cancel();
      await eventually(
        async () => {
          const s = await stage.statusCounts();
          return s.done === items.length ? true : null;
        },
        30_000,
        100,
      );
      const [attempts] = await sql<
        { completed: number; expired: number; released: number; second: number }[]
      >`
        select count(*) filter (where outcome = 'completed')::int as completed,
          count(*) filter (where outcome = 'lease_expired')::int as expired,
          count(*) filter (where outcome = 'released')::int as released,
          count(*) filter (where outcome = 'completed' and attempt = 2)::int as second
        from switchboard.stage_attempts where stage = ${stage.name}`;
      // The interrupted item's second attempt completes it; a released claim was not an attempt.
      assert.deepEqual(attempts, { completed: 3, expired: 1, released: 2, second: 1 });
      const [runs] = await sql<{ killed: number; finished: number }[]>`
        select count(*) filter (where ended_at is null)::int as killed,
          count(*) filter (where ended_at is not null)::int as finished
        from engine_tests.handler_runs where stage = ${stage.name}`;
      assert.deepEqual(runs, { killed: 1, finished: 3 }, "one handler was cut off, then redone");
    } finally {
      await gw.close();
      await stage.drop();
      await sql.end();
    }
  },
});
