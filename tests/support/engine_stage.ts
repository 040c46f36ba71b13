/**
 * A stage of the engine of its own for one integration test: a subject table
 * `engine_tests.<name>` (its rows start work in the stage through the usual trigger), a subject
 * kind and a stage of the same name with the tunables the test asks for, and shared recording
 * tables (`engine_tests.effects`: a handler's side effects; `engine_tests.handler_runs`: when
 * handlers started and ended). `drop()` removes all of it, so tests neither see each other's work
 * nor the probe's.
 *
 * The stage's wake-ups (on enqueue, on a slot's release, from the sweep) go to a function that
 * does not exist, `engine-tests-none`: the gateway answers 404 and nothing else happens. The
 * stage stays enabled, because a disabled stage is never claimed either; the tests drive their
 * workers themselves.
 *
 * Time is an input: `advance(seconds)` moves this stage's clocks (leases, slots, backoff, queue
 * visibility) back by that much, which is the same as `seconds` passing for this stage only, so
 * a test never sleeps through a visibility timeout and never moves other tests' leases. After it,
 * the watchdog run with the real clock (what pg_cron runs) sees the expired leases.
 */
import postgres from "postgres";
import { JWT_SECRET, PROJECT_ROOT } from "../../local/config.ts";
import { createFunctionsGateway, type EdgeRuntimeLimits } from "../../local/gateway/functions.ts";
import { createLogger, type Logger } from "../../supabase/functions/_shared/platform/log.ts";
import { WORKER_SECRET_HEADER } from "../../supabase/functions/_shared/platform/worker_auth.ts";
import { TEST_DB_URL } from "./platform.ts";

export const NO_FUNCTION = "engine-tests-none";
const LOCK = "engine_tests schema";

export interface StageTunables {
  maxWorkers?: number;
  batchSize?: number;
  visibilityTimeoutSeconds?: number;
  maxAttempts?: number;
  functionName?: string;
}

export interface TestStage {
  name: string;
  queue: string;
  visibilityTimeoutSeconds: number;
  /** Inserts subjects (labels as given) and returns their ids, in order. */
  insert(labels: string[]): Promise<number[]>;
  /** `seconds` pass for this stage: leases, slots, backoff and message visibility move closer. */
  advance(seconds: number): Promise<void>;
  /** What pg_cron runs every minute (with the real clock). */
  watchdog(): Promise<Record<string, number>>;
  /** Item status counts: { done: n, pending: n, … }. */
  statusCounts(): Promise<Record<string, number>>;
  drop(): Promise<void>;
}

const NAME = /^[a-z][a-z0-9_]{0,20}$/;

/** Quiet logger for in-process workers (errors only, to stderr). */
export function quietLog(): Logger {
  return createLogger({ test: "stage_engine" }, {
    level: "error",
    write: (line) => {
      // deno-lint-ignore no-console
      console.error(line);
    },
  });
}

/**
 * Runs `fn` in a transaction holding the engine_tests lock. An advisory lock does not make the
 * session see catalog changes committed while it waited (its syscache may still miss a schema
 * another test just created), so `create … if not exists` can still collide: such a transaction
 * is retried; a new one starts with fresh catalog caches.
 */
async function locked(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<void>) {
  for (let attempt = 1;; attempt++) {
    try {
      await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext(${LOCK}))`;
        await fn(tx);
      });
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (attempt >= 5 || !(code === "23505" || code === "42P06" || code === "42P07")) throw e;
    }
  }
}

async function dropStage(sql: postgres.Sql, name: string): Promise<void> {
  await locked(sql, async (tx) => {
    await tx`delete from switchboard.work_items where subject_kind = ${name}`;
    await tx`delete from switchboard.dead_letters where stage = ${name}`;
    const [stage] = await tx<{ queue_name: string }[]>`
      delete from switchboard.stages where name = ${name} returning queue_name`;
    if (stage) await tx`select pgmq.drop_queue(${stage.queue_name})`;
    await tx`delete from switchboard.subject_kinds where kind = ${name}`;
    await tx.unsafe(`drop table if exists engine_tests.${name}`);
    const [schema] = await tx<{ n: number }[]>`
      select count(*)::int as n from pg_namespace where nspname = 'engine_tests'`;
    if (schema!.n === 0) return;
    await tx`delete from engine_tests.effects where stage = ${name}`;
    await tx`delete from engine_tests.handler_runs where stage = ${name}`;
    // The last test out removes the schema.
    const [left] = await tx<{ n: number }[]>`
      select count(*)::int as n from pg_tables
      where schemaname = 'engine_tests' and tablename not in ('effects', 'handler_runs')`;
    if (left!.n === 0) await tx`drop schema engine_tests cascade`;
  });
}

export async function createTestStage(
  sql: postgres.Sql,
  name: string,
  t: StageTunables = {},
): Promise<TestStage> {
  if (!NAME.test(name)) throw new Error(`bad test stage name ${name}`);
  await dropStage(sql, name); // leftovers of an interrupted run
  const vt = t.visibilityTimeoutSeconds ?? 60;
  await locked(sql, async (tx) => {
    await tx`create schema if not exists engine_tests`;
    await tx`create table if not exists engine_tests.effects (
      id bigint generated always as identity primary key,
      stage text not null,
      subject_id bigint not null,
      token bigint,
      attempt integer,
      worker text,
      at timestamptz not null default clock_timestamp())`;
    await tx`create table if not exists engine_tests.handler_runs (
      id bigint generated always as identity primary key,
      stage text not null,
      subject_id bigint not null,
      token bigint not null,
      attempt integer not null,
      started_at timestamptz not null default clock_timestamp(),
      ended_at timestamptz)`;
    await tx.unsafe(`create table engine_tests.${name} (
      id bigint generated always as identity primary key,
      label text,
      pipeline_status text)`);
    await tx`insert into switchboard.subject_kinds (kind, table_name, status_column)
      values (${name}, ${"engine_tests." + name}, 'pipeline_status')`;
    await tx`select switchboard.register_stage(${name}, ${t.functionName ?? NO_FUNCTION}, ${name},
      null, ${name + "_pending"}, true)`;
    await tx`update switchboard.stages set
        max_workers = ${t.maxWorkers ?? 2},
        batch_size = ${t.batchSize ?? 10},
        visibility_timeout_seconds = ${vt},
        max_attempts = ${t.maxAttempts ?? 100}
      where name = ${name}`;
    await tx.unsafe(`create trigger tg_${name}__start_work after insert on engine_tests.${name}
      for each row execute function switchboard.tg_start_work('${name}', '${name}')`);
  });
  const queue = `${name}_jobs`;
  return {
    name,
    queue,
    visibilityTimeoutSeconds: vt,
    async insert(labels) {
      const rows = await sql<{ id: string }[]>`
        insert into ${sql("engine_tests")}.${sql(name)} (label)
        select l from unnest(${labels}::text[]) with ordinality as u(l, n) order by n
        returning id::text`;
      return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    },
    async advance(seconds) {
      await sql.begin(async (tx) => {
        await tx`update switchboard.work_items set
            leased_until = leased_until - make_interval(secs => ${seconds}),
            run_after = run_after - make_interval(secs => ${seconds}),
            stage_entered_at = stage_entered_at - make_interval(secs => ${seconds})
          where subject_kind = ${name}`;
        await tx`update switchboard.worker_slots
          set held_until = held_until - make_interval(secs => ${seconds})
          where stage = ${name} and held_until is not null`;
        await tx.unsafe(
          `update pgmq.q_${queue} set vt = vt - make_interval(secs => $1)`,
          [seconds],
        );
      });
    },
    async watchdog() {
      const [row] = await sql<{ r: Record<string, number> }[]>`
        select switchboard.watchdog() as r`;
      return row!.r;
    },
    async statusCounts() {
      const rows = await sql<{ status: string; n: number }[]>`
        select status, count(*)::int as n from switchboard.work_items
        where subject_kind = ${name} group by status`;
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    drop: () => dropStage(sql, name),
  };
}

/** The most handlers of `stage` that were running at one instant (engine_tests.handler_runs). */
export async function maxConcurrentHandlers(sql: postgres.Sql, stage: string): Promise<number> {
  // Starts sort before ends at the same instant: a tie counts as overlap (never hides one).
  const [row] = await sql<{ n: number | null }[]>`
    with ev as (
      select started_at as t, 1 as d from engine_tests.handler_runs where stage = ${stage}
      union all
      select coalesce(ended_at, 'infinity'), -1 from engine_tests.handler_runs where stage = ${stage}
    )
    select max(running)::int as n from (
      select sum(d) over (order by t, d desc rows unbounded preceding) as running from ev
    ) x`;
  return row?.n ?? 0;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FixtureGateway {
  /** A wake-up as pg_net sends it: POST with the worker secret. */
  wake(): Promise<Response>;
  /** The gateway's log lines (function worker started, shutdown, exited …). */
  log: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A functions gateway of the test's own (the edge runtime's emulation, in process) serving
 * tests/fixtures/stage_engine/functions, whose `engine-fixture` function drains `stage`.
 */
export async function fixtureGateway(
  stage: string,
  opts: {
    limits?: Partial<EdgeRuntimeLimits>;
    budgetSeconds?: number;
    concurrency?: number;
  } = {},
): Promise<FixtureGateway> {
  const dir = await Deno.makeTempDir({ prefix: "sb-engine-fixture-" });
  await Deno.writeTextFile(
    `${dir}/config.toml`,
    `[functions.engine-fixture]\nverify_jwt = false\n`,
  );
  const log: Record<string, unknown>[] = [];
  const gw = await createFunctionsGateway({
    functionsDir: `${PROJECT_ROOT}/tests/fixtures/stage_engine/functions`,
    configTomlPath: `${dir}/config.toml`,
    denoConfigPath: `${PROJECT_ROOT}/deno.json`,
    denoPath: Deno.execPath(),
    jwtSecret: JWT_SECRET,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_DB_URL: TEST_DB_URL!,
      LOG_LEVEL: "warn",
      WORKER_TIME_BUDGET_SECONDS: String(opts.budgetSeconds ?? 60),
      ENGINE_FIXTURE_STAGE: stage,
      ENGINE_FIXTURE_CONCURRENCY: String(opts.concurrency ?? 1),
    },
    ...opts.limits,
    log: (line) => log.push({ at: Date.now(), ...line }),
  });
  const secret = Deno.env.get("SWITCHBOARD_TEST_WORKER_SECRET") ?? "";
  let closed = false;
  return {
    wake: () =>
      gw.handle(
        new Request("http://127.0.0.1/functions/v1/engine-fixture", {
          method: "POST",
          headers: { [WORKER_SECRET_HEADER]: secret, "content-type": "application/json" },
          body: JSON.stringify({ stage, reason: "test" }),
        }),
        "engine-fixture",
        "",
      ),
    log,
    close: async () => {
      if (closed) return;
      closed = true;
      await gw.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
