/**
 * A stage function in one call: `serveStage({ stage, fn, handler })` is the whole index.ts.
 *
 * The wake-up (pg_net, the sweep, or the worker itself) is answered at once with 202; the drain
 * runs in the background under `EdgeRuntime.waitUntil`, within WORKER_TIME_BUDGET_SECONDS, and
 * stops taking work when the runtime announces `beforeunload`. Each request drains as its own
 * worker (its own slot), so the stage's max_workers holds however many wake-ups arrive.
 */
import { loadConfig } from "./config.ts";
import { createDb, type Sql } from "./db.ts";
import { onBeforeUnload, waitUntil } from "./edge_runtime.ts";
import { sqlEngineStore } from "./engine_store.ts";
import { toError } from "./errors.ts";
import { json } from "./http.ts";
import { createLogger, type Logger } from "./log.ts";
import { type DrainReport, drainStage, type StageHandler } from "./stage_worker.ts";
import { workerEndpoint } from "./worker_endpoint.ts";
import { createWorkerAuth, vaultWorkerSecret } from "./worker_auth.ts";

/** How long a drain keeps looking after its queue came up empty (≥ switchboard.stages.debounce). */
export const LINGER_MS = 1_000;

export interface StageEndpointDeps {
  authenticate: (req: Request) => Promise<void>;
  log: Logger;
  /**
   * Starts one drain (a fresh worker id each time) of the stage the wake-up names
   * (`{"stage": …}`, as switchboard.wake sends it), or of every stage the function serves.
   */
  drain: (stage: string | null) => Promise<DrainReport[]>;
  /** Keeps the runtime alive for background work (EdgeRuntime.waitUntil). */
  background: (work: Promise<unknown>) => void;
}

/** POST with the worker secret → 202 at once; the drain continues in the background. */
export function stageEndpoint(deps: StageEndpointDeps): (req: Request) => Promise<Response> {
  return workerEndpoint(deps, (body) => {
    const named = (body as { stage?: unknown } | null)?.stage;
    deps.background(deps.drain(typeof named === "string" ? named : null));
    return Promise.resolve(json({ accepted: true }, 202));
  });
}

export interface StageSpec {
  /** The stage's name in switchboard.stages. */
  stage: string;
  /** The function's name (logs, worker ids, the database application name). */
  fn: string;
  /** Builds the stage's handler from the function's shared resources. */
  handler: (env: StageEnv) => StageHandler;
  /** Items of a batch handled at once by one worker (default 1). */
  concurrency?: number;
}

export interface StageEnv {
  sql: Sql;
  log: Logger;
}

/** One stage per function: the common case. */
export function serveStage(spec: StageSpec): void {
  serveStages({
    fn: spec.fn,
    stages: [{
      stage: spec.stage,
      handler: spec.handler,
      ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }),
    }],
  });
}

export interface StagesSpec {
  fn: string;
  /** The stages this function serves (e.g. notion-publish: call_publish and message_publish). */
  stages: Array<Omit<StageSpec, "fn">>;
}

/** A function serving several stages; each wake-up drains the stage it names. */
export function serveStages(spec: StagesSpec): void {
  const config = loadConfig(["SUPABASE_DB_URL", "LOG_LEVEL", "WORKER_TIME_BUDGET_SECONDS"]);
  const log = createLogger({ fn: spec.fn }, { level: config.LOG_LEVEL });
  const sql = createDb(config.SUPABASE_DB_URL, `switchboard:${spec.fn}`);
  const store = sqlEngineStore(sql);
  const stages = new Map(
    spec.stages.map((s) => [s.stage, { ...s, run: s.handler({ sql, log }) }] as const),
  );
  const shutdown = new AbortController();
  onBeforeUnload((reason) => {
    log.info("Shutting down: no new work", { reason });
    shutdown.abort();
  });
  const drainOne = (stage: string) => {
    const s = stages.get(stage)!;
    return drainStage({
      stage,
      handler: s.run,
      store,
      log,
      now: Date.now,
      budgetMs: config.WORKER_TIME_BUDGET_SECONDS * 1000,
      workerId: `${spec.fn}:${crypto.randomUUID().slice(0, 8)}`,
      signal: shutdown.signal,
      // At least the stages' debounce (1 s by default): a wake-up dropped by the debounce is
      // then always one this worker sees (stage_worker.ts lingerMs).
      lingerMs: LINGER_MS,
      ...(s.concurrency === undefined ? {} : { concurrency: s.concurrency }),
    });
  };
  Deno.serve(stageEndpoint({
    log,
    authenticate: createWorkerAuth({ readSecret: vaultWorkerSecret(sql), now: Date.now }),
    background: (work) =>
      void waitUntil(work, (e) => log.error("Drain failed", { error: toError(e).name })),
    drain: async (named) => {
      if (named !== null && !stages.has(named)) {
        log.warn("Woken for a stage this function does not serve", { stage: named });
        return [];
      }
      const reports: DrainReport[] = [];
      for (const stage of named === null ? stages.keys() : [named]) {
        reports.push(await drainOne(stage));
      }
      return reports;
    },
  }));
}
