/**
 * Claims, leases and fencing through the real worker and SQL (catalogue T16, T17, T18), with time
 * as an input (the stage's clocks move forward; nothing sleeps through a visibility timeout). A
 * worker "dies" here by claiming and then never doing anything again; the crash test
 * (stage_engine_crash_test.ts) kills real processes.
 *
 *   T16  a worker dies after its claim, before any side effect: after the visibility timeout the
 *        message comes back with read_ct = 2, the next claim (attempt 2) finishes it once, and the
 *        dead worker's token can no longer complete, fail or extend anything.
 *   T17  a worker dies after its side effect, before completing: a handler that stores a marker
 *        with its effect finds it on the retry and does not repeat the effect (exactly one).
 *   T18  work runs for 2× the visibility timeout: with extendLease the claim is kept (no second
 *        attempt); without it a second worker takes the item over, and the first worker's late
 *        completion is refused (fenced); with a marked effect, exactly one effect.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import {
  type ClaimedItem,
  drainStage,
  type StageContext,
  type StageHandler,
} from "../../supabase/functions/_shared/platform/stage_worker.ts";
import { createTestStage, quietLog } from "../support/engine_stage.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

/** The side effect with a marker (T17's "stored request marker"): done at most once. */
async function markedEffect(
  sql: postgres.Sql,
  stage: string,
  item: ClaimedItem,
  ctx: Pick<StageContext, "token" | "attempt">,
): Promise<boolean> {
  const rows = await sql`
    insert into engine_tests.effects (stage, subject_id, token, attempt)
    select ${stage}, ${item.subjectId}, ${ctx.token}, ${ctx.attempt}
    where not exists (
      select 1 from engine_tests.effects e where e.stage = ${stage} and e.subject_id = ${item.subjectId})
    returning id`;
  return rows.length === 1;
}

async function effects(sql: postgres.Sql, stage: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from engine_tests.effects where stage = ${stage}`;
  return row!.n;
}

function drain(
  sql: postgres.Sql,
  stage: string,
  workerId: string,
  handler: StageHandler,
): ReturnType<typeof drainStage> {
  return drainStage({
    stage,
    store: sqlEngineStore(sql),
    log: quietLog(),
    now: Date.now,
    budgetMs: 60_000,
    workerId,
    concurrency: 1,
    handler,
  });
}

Deno.test({
  name:
    "stage engine T16: killed after its claim, before any side effect: back after vt with read_ct 2, finished once, the dead claim fenced",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(3);
    const store = sqlEngineStore(sql);
    const stage = await createTestStage(sql, "et_t16", { visibilityTimeoutSeconds: 30 });
    try {
      const [id] = await stage.insert(["t16"]);
      assert.equal(await store.acquireSlot(stage.name, "dies"), 1);
      const [claim] = await store.claim(stage.name, "dies");
      assert.equal(claim?.subjectId, id);
      // … and the worker is gone. Its lease and the message's visibility run out.
      await stage.advance(stage.visibilityTimeoutSeconds + 1);

      const seen: { readCt: number; attempt: number }[] = [];
      const report = await drain(sql, stage.name, "next", async (item, ctx) => {
        const [m] = await sql<{ read_ct: number }[]>`
          select read_ct from pgmq.${sql("q_" + stage.queue)}
          where (message ->> 'id')::bigint = ${item.subjectId}`;
        seen.push({ readCt: m!.read_ct, attempt: ctx.attempt });
        await markedEffect(sql, stage.name, item, ctx);
      });
      assert.deepEqual(seen, [{ readCt: 2, attempt: 2 }]);
      assert.equal(report.completed, 1);
      assert.deepEqual(await stage.statusCounts(), { done: 1 });
      assert.equal(await effects(sql, stage.name), 1);

      // The dead worker's claim is fenced: nothing it could still say changes anything.
      assert.equal(await store.complete(claim!.token, null), false);
      assert.equal(
        await store.fail(claim!.token, {
          retryable: true,
          code: "late",
          message: "late",
          retryAfterSeconds: null,
        }),
        "stale",
      );
      assert.equal(await store.extendLease(claim!.token, 60), false);
      assert.equal(await store.release(claim!.token), false);
      const outcomes = await sql<{ attempt: number; outcome: string }[]>`
        select attempt, outcome from switchboard.stage_attempts
        where stage = ${stage.name} order by id`;
      assert.deepEqual(outcomes.map((o) => [o.attempt, o.outcome]), [
        [1, "lease_expired"],
        [2, "completed"],
      ]);
      assert.deepEqual(await stage.statusCounts(), { done: 1 });
    } finally {
      await stage.drop();
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "stage engine T17: killed after its side effect, before completing: a marked effect is not repeated",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(3);
    const store = sqlEngineStore(sql);
    const stage = await createTestStage(sql, "et_t17", { visibilityTimeoutSeconds: 30 });
    try {
      await stage.insert(["t17"]);
      await store.acquireSlot(stage.name, "dies");
      const [claim] = await store.claim(stage.name, "dies");
      assert.equal(await markedEffect(sql, stage.name, claim!, claim!), true);
      // … and the worker dies before complete(). The watchdog (pg_cron) reaps its lease.
      await stage.advance(stage.visibilityTimeoutSeconds + 1);
      assert.ok((await stage.watchdog()).reaped! >= 1);
      assert.deepEqual(await stage.statusCounts(), { pending: 1 });

      const repeated: boolean[] = [];
      const report = await drain(sql, stage.name, "next", async (item, ctx) => {
        repeated.push(await markedEffect(sql, stage.name, item, ctx));
      });
      assert.equal(report.completed, 1);
      assert.deepEqual(repeated, [false], "the retry found the marker and did not repeat it");
      assert.equal(await effects(sql, stage.name), 1, "exactly one side effect");
      assert.deepEqual(await stage.statusCounts(), { done: 1 });
    } finally {
      await stage.drop();
      await sql.end();
    }
  },
});

/** A handler that does its part, then waits for the test to let it finish. */
function gated(body: (item: ClaimedItem, ctx: StageContext) => Promise<void>) {
  const entered = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  let lateExtension: boolean | null = null;
  const handler: StageHandler = async (item, ctx) => {
    await body(item, ctx);
    entered.resolve();
    await release.promise;
    lateExtension = await ctx.extendLease(5);
  };
  return {
    handler,
    entered: entered.promise,
    release: () => release.resolve(),
    lateExtension: () => lateExtension,
  };
}

Deno.test({
  name:
    "stage engine T18: work longer than vt keeps its claim with extendLease; without it the item is taken over and the late completion is fenced",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(4);
    const vt = 10;
    const kept = await createTestStage(sql, "et_t18a", { visibilityTimeoutSeconds: vt });
    const lost = await createTestStage(sql, "et_t18b", { visibilityTimeoutSeconds: vt });
    try {
      // With a heartbeat: the lease moves ahead, 2× vt passes, nobody else gets the item.
      await kept.insert(["t18a"]);
      const slow = gated(async (item, ctx) => {
        assert.equal(await ctx.extendLease(6 * vt), true);
        await markedEffect(sql, kept.name, item, ctx);
      });
      const first = drain(sql, kept.name, "slow", slow.handler);
      await slow.entered;
      await kept.advance(2 * vt);
      await kept.watchdog();
      assert.deepEqual(await kept.statusCounts(), { running: 1 }, "the watchdog leaves it alone");
      const other = await drain(sql, kept.name, "other", () => {
        throw new Error("the item must not be handed out again");
      });
      assert.equal(other.completed + other.stale + other.retried, 0);
      slow.release();
      const report = await first;
      assert.equal(report.completed, 1);
      assert.equal(slow.lateExtension(), true, "the claim was still ours");
      assert.deepEqual(await kept.statusCounts(), { done: 1 });
      assert.equal(await effects(sql, kept.name), 1);

      // Without one: after 2× vt a second worker takes the item over and completes it; the
      // first worker's completion is refused; the marked effect happened once.
      await lost.insert(["t18b"]);
      const stuck = gated(async (item, ctx) => {
        await markedEffect(sql, lost.name, item, ctx);
      });
      const late = drain(sql, lost.name, "stuck", stuck.handler);
      await stuck.entered;
      await lost.advance(2 * vt);
      const repeated: boolean[] = [];
      const takeover = await drain(sql, lost.name, "takeover", async (item, ctx) => {
        assert.equal(ctx.attempt, 2);
        repeated.push(await markedEffect(sql, lost.name, item, ctx));
      });
      assert.equal(takeover.completed, 1);
      assert.deepEqual(repeated, [false]);
      stuck.release();
      const lateReport = await late;
      assert.equal(lateReport.completed, 0);
      assert.equal(lateReport.stale, 1, "the late completion was refused");
      assert.equal(stuck.lateExtension(), false, "and the late worker learns its claim is gone");
      assert.deepEqual(await lost.statusCounts(), { done: 1 });
      assert.equal(await effects(sql, lost.name), 1, "at most one effect");
      const outcomes = await sql<{ worker: string; outcome: string }[]>`
        select worker, outcome from switchboard.stage_attempts where stage = ${lost.name} order by id`;
      assert.deepEqual(outcomes.map((o) => [o.worker, o.outcome]), [
        ["stuck", "lease_expired"],
        ["takeover", "completed"],
      ]);
    } finally {
      await kept.drop();
      await lost.drop();
      await sql.end();
    }
  },
});
