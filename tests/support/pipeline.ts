/**
 * The shared pipeline stages to a test alone: for tests (in tests/pipeline/, run one file at a
 * time after the parallel suite) that drive call_enrich … call_publish or message_publish with
 * workers of their own (drainStage in process, or a gateway of their own) and assert where their
 * items end up.
 *
 * Two kinds of workers would otherwise take those items too:
 *
 *   - the throwaway gateway's own stage functions (call-enrich …), woken by pg_net on every
 *     enqueue and by the pg_cron sweep, with the platform's environment (no vendor keys, no
 *     sandbox URLs): `withPipeline` points the stages' `function_name` at a function that does not
 *     exist for the duration (their wake-ups get a 404 and nothing happens), waits until no
 *     worker of theirs holds a slot, and gives the names back afterwards. The stages stay
 *     enabled: a disabled stage is never claimed, not even by the test's workers;
 *   - items other tests left in these stages (their calls and messages flow on): their queue
 *     messages are hidden for the duration (their visibility moved a day ahead) and shown again
 *     afterwards exactly as they were, so the test's drains meet only the test's own items.
 *
 * Afterwards the sweep wakes the stages again, so whatever waits is picked up as usual. Tests
 * using it are kept apart by a lock (one at a time even under --parallel).
 */
import postgres from "postgres";
import { TEST_DB_URL } from "./platform.ts";

/** Where wake-ups go meanwhile: no such function, so the gateway answers 404. */
export const NO_FUNCTION = "engine-tests-none";

/** Every stage of the shared call and message pipelines. */
export const PIPELINE_STAGES = [
  "call_enrich",
  "call_store_recording",
  "call_transcribe",
  "call_summarize",
  "call_publish",
  "message_publish",
] as const;

const LOCK = "switchboard pipeline tests";
const HIDE_SECONDS = 86_400;

interface Hidden {
  queue: string;
  msgIds: string[];
}

export interface IsolatedPipeline {
  /** Shows the hidden messages again, gives the stages their functions back, wakes them. */
  restore(): Promise<void>;
}

/**
 * Takes the shared pipeline stages for the test (see above) until `restore()`; `withPipeline`
 * is the same around a function. `stages` defaults to all of them: a test's items move on to
 * later stages, and the test asserts where they stop.
 */
export async function isolatePipeline(
  opts: { stages?: readonly string[]; dbUrl?: string; settleMs?: number } = {},
): Promise<IsolatedPipeline> {
  const dbUrl = opts.dbUrl ?? TEST_DB_URL;
  if (!dbUrl) throw new Error("SWITCHBOARD_TEST_DB_URL is not set: run `deno task test`");
  const stages = [...(opts.stages ?? PIPELINE_STAGES)];
  // One connection: the session lock lives on it, and so does everything else here.
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  let locked = false;
  let saved: { name: string; function_name: string }[] = [];
  const hidden = new Map<string, Hidden>();
  let restored = false;
  const restore = async () => {
    if (restored) return;
    restored = true;
    try {
      if (!locked) return;
      for (const h of hidden.values()) {
        // Exactly as they were (a message whose item moved on meanwhile is gone already).
        await sql.unsafe(
          `update pgmq.q_${h.queue} set vt = vt - make_interval(secs => $1)
           where msg_id = any($2::bigint[])`,
          [HIDE_SECONDS, h.msgIds],
        );
      }
      for (const s of saved) {
        await sql`update switchboard.stages set function_name = ${s.function_name}
          where name = ${s.name}`;
      }
      await sql`select switchboard.sweep()`;
      await sql`select pg_advisory_unlock(hashtext(${LOCK}))`;
    } finally {
      await sql.end();
    }
  };
  try {
    await sql`select pg_advisory_lock(hashtext(${LOCK}))`;
    locked = true;
    saved = await sql<{ name: string; function_name: string }[]>`
      select name, function_name from switchboard.stages where name = any(${stages}::text[])
      order by name`;
    const missing = stages.filter((s) => !saved.some((r) => r.name === s));
    if (missing.length) throw new Error(`no such stage: ${missing.join(", ")}`);
    const redirected = saved.filter((r) => r.function_name === NO_FUNCTION).map((r) => r.name);
    if (redirected.length) {
      saved = [];
      throw new Error(`stages left pointing at ${NO_FUNCTION} by an earlier run: ${redirected}`);
    }
    await sql`update switchboard.stages set function_name = ${NO_FUNCTION}
      where name = any(${stages}::text[])`;

    await hide(sql, stages, hidden);
    // A gateway worker that is draining right now finds nothing visible and gives its slot back;
    // one that is mid-item finishes it (and may move it into one of these stages: hidden
    // below). A slot still held after settleMs is a dead worker's (it claims nothing).
    const deadline = Date.now() + (opts.settleMs ?? 30_000);
    while (Date.now() < deadline) {
      const [busy] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.worker_slots
        where stage = any(${stages}::text[]) and worker_id is not null and held_until > now()`;
      if (busy!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await hide(sql, stages, hidden);
  } catch (e) {
    await restore();
    throw e;
  }
  return { restore };
}

/** Runs `fn` with the shared pipeline stages to itself (isolatePipeline … restore). */
export async function withPipeline<T>(
  fn: () => Promise<T>,
  opts: { stages?: readonly string[]; dbUrl?: string; settleMs?: number } = {},
): Promise<T> {
  const pipeline = await isolatePipeline(opts);
  try {
    return await fn();
  } finally {
    await pipeline.restore();
  }
}

/** Hides every message now in the stages' queues (not hidden already) for HIDE_SECONDS. */
async function hide(
  sql: postgres.Sql,
  stages: string[],
  hidden: Map<string, Hidden>,
): Promise<void> {
  const queues = await sql<{ queue_name: string }[]>`
    select queue_name from switchboard.stages where name = any(${stages}::text[])
    order by name`;
  for (const { queue_name: queue } of queues) {
    if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`unexpected queue name ${queue}`);
    const h = hidden.get(queue) ?? { queue, msgIds: [] };
    hidden.set(queue, h);
    const rows = await sql.unsafe<{ msg_id: string }[]>(
      `update pgmq.q_${queue} set vt = vt + make_interval(secs => $1)
       where not (msg_id = any($2::bigint[]))
       returning msg_id::text`,
      [HIDE_SECONDS, h.msgIds],
    );
    h.msgIds.push(...rows.map((r) => r.msg_id));
  }
}
