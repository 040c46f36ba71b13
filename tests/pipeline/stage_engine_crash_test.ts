/**
 * The crash test of issue 8: a stage worker runs in a subprocess (tests/fixtures/stage_engine/
 * crash_worker.ts: the real drainStage and sqlEngineStore, a handler whose side effect is a row in
 * engine_tests.effects) and is SIGKILLed 100 times at random points:
 *
 *   claimed         after a claim, before any handler started (T16)
 *   before_effect   inside the handler, before its side effect (T16)
 *   after_effect    after the side effect committed, before complete() (T17: the duplicate window)
 *   in_complete     at once or up to 2 ms after the worker was told to go on from after_effect:
 *                   the kill lands before, during or after complete()'s commit
 *   after_complete  after complete() returned, before the next claim
 *
 * After each kill a fresh worker takes over. Time is an input: the stage's clocks move past the
 * visibility timeout (no sleeping), then either the watchdog (pg_cron's job) returns the expired
 * leases, or the next claim takes the expired items over itself (both paths, alternately).
 *
 * What the fencing allows: the handler is at-least-once. A claim whose lease was reaped can never
 * complete (a stale token changes nothing), so every item completes exactly once and nothing is
 * lost. The side effect is not the engine's to undo: a kill between the side effect's commit and
 * complete()'s commit makes the next attempt repeat it, once. So duplicated side effects must be
 * exactly the after_effect kills plus the in_complete kills that landed before the commit, and
 * never more than after_effect + in_complete kills; no other kill may cause one. (A handler that
 * must not repeat its effect stores a marker with it and checks it: T17 in stage_engine_leases.)
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../../local/config.ts";
import { createTestStage, sleep } from "../support/engine_stage.ts";
import { platformAvailable, TEST_DB_URL, testDb } from "../support/platform.ts";

const WORKER = `${PROJECT_ROOT}/tests/fixtures/stage_engine/crash_worker.ts`;
const KILLS = 100;
const POINTS = [
  "claimed",
  "before_effect",
  "after_effect",
  "in_complete",
  "after_complete",
] as const;
type Point = typeof POINTS[number];
/** The worker's checkpoint each kill point is taken at. */
const CHECKPOINT: Record<Point, string> = {
  claimed: "claimed",
  before_effect: "before_effect",
  after_effect: "after_effect",
  in_complete: "after_effect",
  after_complete: "completed",
};

interface Plan {
  point: Point;
  /** Kill at this occurrence of the checkpoint in the run (1 = the first). */
  occurrence: number;
}

interface Kill {
  run: number;
  worker: string;
  point: Point;
  /** The token at the checkpoint where it was killed (none for `claimed`). */
  token: number | null;
  /** Tokens claimed and not completed when it was killed. */
  open: number[];
}

interface Checkpoint {
  point: string;
  tokens?: number[];
  token?: number;
  accepted?: boolean;
  report?: { stopped: string; completed: number; stale: number };
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
}

const random = (n: number) => Math.floor(Math.random() * n);

/** One worker process; killed according to `plan`, or left to drain when it is null. */
async function runWorker(
  stage: string,
  run: number,
  plan: Plan | null,
): Promise<{ kill: Kill | null; exit: Checkpoint["report"] | null }> {
  const worker = `crash:${run}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${PROJECT_ROOT}/deno.json`, WORKER],
    env: {
      ENGINE_CRASH_DB_URL: TEST_DB_URL!,
      ENGINE_CRASH_STAGE: stage,
      ENGINE_CRASH_WORKER: worker,
      NO_COLOR: "1",
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const go = new TextEncoder().encode("go\n");
  const open = new Set<number>();
  const seen = new Map<string, number>();
  let kill: Kill | null = null;
  let exit: Checkpoint["report"] | null = null;
  const killNow = (point: Point, token: number | null) => {
    child.kill("SIGKILL");
    kill = { run, worker, point, token, open: [...open] };
  };
  for await (const line of lines(child.stdout)) {
    const msg = JSON.parse(line) as Checkpoint;
    if (msg.point === "claimed") { for (const t of msg.tokens!) open.add(t); }
    if (msg.point === "completed") open.delete(msg.token!);
    if (msg.point === "exit") {
      exit = msg.report!;
      continue;
    }
    if (kill) continue; // written before it died
    const n = (seen.get(msg.point) ?? 0) + 1;
    seen.set(msg.point, n);
    const wanted = plan !== null && msg.point === CHECKPOINT[plan.point] && n === plan.occurrence
      ? plan.point
      : null;
    if (wanted !== null && wanted !== "in_complete") {
      killNow(wanted, msg.token ?? null);
      continue;
    }
    await stdin.write(go).catch(() => {});
    if (wanted === "in_complete") {
      // Right away (it may not have read "go" yet), or within 2 ms (complete() in flight or done).
      const delay = random(3);
      if (delay > 0) await sleep(delay);
      killNow(wanted, msg.token ?? null);
    }
  }
  await stdin.close().catch(() => {});
  const status = await child.status;
  if (!kill) assert.equal(status.code, 0, `worker ${worker} failed`);
  return { kill, exit };
}

Deno.test({
  name:
    "stage engine crash: 100 SIGKILLs at random points; every item completes once, none is lost, duplicates only from kills between side effect and completion",
  ignore: !platformAvailable,
  sanitizeResources: false,
  async fn() {
    const started = Date.now();
    const sql = testDb(3);
    const stage = await createTestStage(sql, "et_crash", {
      maxWorkers: 2,
      batchSize: 3,
      visibilityTimeoutSeconds: 30,
    });
    try {
      let items = (await stage.insert(Array.from({ length: 150 }, (_, i) => `c${i}`))).length;
      const kills: Kill[] = [];
      let runs = 0;
      let takeovers = 0;
      while (kills.length < KILLS) {
        const counts = await stage.statusCounts();
        if ((counts.pending ?? 0) + (counts.running ?? 0) === 0) {
          items += (await stage.insert(Array.from({ length: 30 }, (_, i) => `m${i}`))).length;
        }
        runs++;
        const plan: Plan = { point: POINTS[random(POINTS.length)]!, occurrence: 1 + random(2) };
        const { kill } = await runWorker(stage.name, runs, plan);
        if (!kill) continue; // it drained before reaching the point
        kills.push(kill);
        // The dead worker's lease, slot and messages expire.
        await stage.advance(stage.visibilityTimeoutSeconds + 1);
        if (kills.length % 2 === 0) await stage.watchdog();
        else takeovers++; // the next claim finds the expired items itself
      }
      // A worker that is left alone finishes the rest.
      runs++;
      const last = await runWorker(stage.name, runs, null);
      assert.equal(last.kill, null);
      assert.equal(last.exit?.stopped, "drained");

      const status = await stage.statusCounts();
      const completed = status.done ?? 0;
      const lost = items - completed;
      assert.deepEqual(status, { done: items }, "every item is done: none lost, failed or stuck");

      // Exactly one completed claim per item; every other claim was closed, never completed.
      const [attempts] = await sql<
        { items_completed_once: number; completions: number; open: number; outcomes: string[] }[]
      >`
        select
          count(distinct a.item_id) filter (where a.outcome = 'completed')::int as items_completed_once,
          count(*) filter (where a.outcome = 'completed')::int as completions,
          count(*) filter (where a.finished_at is null)::int as open,
          array_agg(distinct coalesce(a.outcome, 'none')) as outcomes
        from switchboard.stage_attempts a where a.stage = ${stage.name}`;
      assert.equal(attempts!.completions, items, "one completion per item");
      assert.equal(attempts!.items_completed_once, items);
      assert.equal(attempts!.open, 0, "no claim is left open");
      assert.deepEqual(
        attempts!.outcomes.filter((o) => o !== "completed" && o !== "lease_expired"),
        [],
        "a killed claim ends as lease_expired (the lease ran out), never anything else",
      );

      // The killed workers' open claims: none completed after the kill (fencing), except an
      // in_complete kill whose commit landed first.
      const killedTokens = kills.flatMap((k) => k.open);
      const late = await sql<{ token: string; outcome: string | null }[]>`
        select a.id::text as token, a.outcome from switchboard.stage_attempts a
        where a.id = any(${killedTokens}::bigint[]) and a.outcome is distinct from 'lease_expired'`;
      const inCompleteTokens = new Set(
        kills.filter((k) => k.point === "in_complete").map((k) => k.token),
      );
      for (const r of late) {
        assert.ok(
          r.outcome === "completed" && inCompleteTokens.has(Number(r.token)),
          `claim ${r.token} of a killed worker ended ${r.outcome}`,
        );
      }

      // Side effects: every completed claim made exactly one; the others are duplicates.
      const [effects] = await sql<{ total: number; subjects: number; completed_without: number }[]>`
        select
          (select count(*)::int from engine_tests.effects e where e.stage = ${stage.name}) as total,
          (select count(distinct e.subject_id)::int from engine_tests.effects e where e.stage = ${stage.name}) as subjects,
          (select count(*)::int from switchboard.stage_attempts a
           where a.stage = ${stage.name} and a.outcome = 'completed'
             and not exists (select 1 from engine_tests.effects e where e.token = a.id)) as completed_without`;
      assert.equal(effects!.subjects, items, "every item's side effect happened");
      assert.equal(effects!.completed_without, 0, "every completed claim made its side effect");
      const duplicated = effects!.total - items;
      const orphanRows = await sql<{ token: string }[]>`
        select e.token::text as token from engine_tests.effects e
        join switchboard.stage_attempts a on a.id = e.token
        where e.stage = ${stage.name} and a.outcome <> 'completed'`;
      const orphans = new Set(orphanRows.map((r) => Number(r.token)));
      assert.equal(orphans.size, orphanRows.length, "one side effect per claim");
      assert.equal(
        duplicated,
        orphans.size,
        "every duplicate belongs to a claim that did not complete",
      );

      const by = (p: Point) => kills.filter((k) => k.point === p);
      const windowKills = by("after_effect").length + by("in_complete").length;
      for (const k of by("after_effect")) {
        assert.ok(orphans.has(k.token!), `the kill after the effect of ${k.token} repeats it once`);
      }
      for (const t of orphans) {
        assert.ok(
          by("after_effect").some((k) => k.token === t) || inCompleteTokens.has(t),
          `claim ${t}'s duplicate comes from a kill between its side effect and completion`,
        );
      }
      assert.ok(duplicated >= by("after_effect").length);
      assert.ok(
        duplicated <= windowKills,
        `${duplicated} duplicates > ${windowKills} window kills`,
      );

      // T16: an item killed before its side effect came back and finished on a later attempt.
      const beforeEffect = kills.filter((k) => k.point === "claimed" || k.point === "before_effect")
        .flatMap((k) => k.open);
      const [t16] = await sql<{ first_attempt_completed: number; with_effect: number }[]>`
        select
          count(*) filter (where a.attempt = 1)::int as first_attempt_completed,
          (select count(*)::int from engine_tests.effects e where e.token = any(${beforeEffect}::bigint[])) as with_effect
        from switchboard.stage_attempts a
        join switchboard.stage_attempts k on k.item_id = a.item_id and k.id = any(${beforeEffect}::bigint[])
        where a.outcome = 'completed'`;
      assert.equal(t16!.first_attempt_completed, 0, "their completion is a later attempt");
      assert.equal(t16!.with_effect, 0, "a claim killed before its side effect left none");

      const seconds = (Date.now() - started) / 1000;
      // deno-lint-ignore no-console
      console.log(JSON.stringify({
        crash_test: {
          runs,
          kills: kills.length,
          kills_by_point: Object.fromEntries(POINTS.map((p) => [p, by(p).length])),
          recovered_by: { watchdog: kills.length - takeovers, claim_takeover: takeovers },
          items,
          completed,
          lost,
          duplicated,
          duplicate_bound: windowKills,
          seconds: Number(seconds.toFixed(1)),
        },
      }));
    } finally {
      await stage.drop();
      await sql.end();
    }
  },
});
