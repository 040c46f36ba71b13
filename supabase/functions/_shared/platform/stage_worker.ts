/**
 * The one stage worker: every stage function drains its queue through this loop and the SQL
 * engine behind `EngineStore` (supabase/migrations/*_create_stage_engine_functions.sql).
 *
 *   acquire a worker slot (none free → the workers holding them drain; nothing to do)
 *   repeat until the queue is empty, the time budget is spent, or the runtime says beforeunload:
 *     claim a batch; for each item run the stage's handler with a context (clock, logger,
 *     fencing token, deadline, abort signal), then complete it, or fail it with the error's
 *     classification (retryable or not, Retry-After); an item not started in time is released
 *   release the slot (SQL wakes the stage again when work remains)
 *
 * A stage is only its handler: a function from the claimed subject row to its result.
 */
import { AppError, toError, UpstreamError } from "./errors.ts";
import type { Logger } from "./log.ts";

export interface ClaimedItem {
  /** The claim's fencing token: completing or failing needs it. */
  token: number;
  itemId: number;
  subjectId: number;
  attempt: number;
  /** The subject's row (a call, a message …) as JSON, read when it was claimed. */
  subject: Record<string, unknown>;
}

export interface StageContext {
  stage: string;
  token: number;
  attempt: number;
  /** Epoch ms after which the handler should not start anything long. */
  deadline: number;
  now: () => number;
  log: Logger;
  /** Aborted when the runtime is shutting the worker down. */
  signal: AbortSignal;
  /** Keeps the claim for `seconds` more (long work, T18); false when the claim is no longer ours. */
  extendLease: (seconds: number) => Promise<boolean>;
}

/**
 * What a handler returns: nothing (on to the stage's default next stage), another next stage,
 * a wait — the item waits until `untilMs` at the latest (or until something resumes it, e.g. a
 * vendor's callback or a raised budget) with `reason` as its visible status, and the handler
 * runs again then; a wait is not a failure and does not count as an attempt — or `ended`: the
 * handler's own SQL already ended the claim in the same statement as its effect (with
 * switchboard.end_work, e.g. a Drive recording merged into another call), so there is nothing
 * left to complete.
 */
export type StageResult =
  | void
  | { next?: string }
  | { defer: { untilMs: number; reason: string } }
  | { ended: true };

export type StageHandler = (item: ClaimedItem, ctx: StageContext) => Promise<StageResult>;

export interface Failure {
  retryable: boolean;
  code: string;
  message: string;
  retryAfterSeconds: number | null;
}

/** The engine's SQL transitions, one statement each. */
export interface EngineStore {
  acquireSlot(stage: string, worker: string): Promise<number | null>;
  releaseSlot(stage: string, worker: string): Promise<boolean>;
  claim(stage: string, worker: string): Promise<ClaimedItem[]>;
  complete(token: number, next: string | null): Promise<boolean>;
  /**
   * Completes several claims in one statement and returns the tokens it completed (the others
   * were stale). Optional: with it, the worker hands in a completion and starts the next item,
   * and completions that pile up meanwhile go out together.
   */
  completeMany?(items: { token: number; next: string | null }[]): Promise<Set<number>>;
  fail(token: number, failure: Failure): Promise<"retry" | "dead" | "stale">;
  release(token: number): Promise<boolean>;
  defer(token: number, untilMs: number, reason: string): Promise<boolean>;
  extendLease(token: number, seconds: number): Promise<boolean>;
}

export interface DrainReport {
  worker: string;
  /** Null when every worker slot was taken (another worker is draining). */
  slot: number | null;
  completed: number;
  retried: number;
  deferred: number;
  dead: number;
  released: number;
  /** Completions or failures refused because the claim was no longer current (fencing). */
  stale: number;
  /** Why the loop ended. */
  stopped: "drained" | "budget" | "shutdown" | "no_slot";
}

export interface DrainOptions {
  stage: string;
  handler: StageHandler;
  store: EngineStore;
  log: Logger;
  now: () => number;
  /** Stop claiming after this long; items claimed but not started by then are released. */
  budgetMs: number;
  workerId: string;
  /**
   * Items of a batch handled at once by this worker (default 1). A stage runs at most
   * max_workers × concurrency handlers at once; rate-limited stages keep it at 1.
   */
  concurrency?: number;
  /** Aborts the drain: the runtime's beforeunload. */
  signal?: AbortSignal;
  /**
   * When the queue comes up empty, keep the slot and look again every `pollMs` (default 100)
   * for this long after the last work before giving up (default 0: stop at once). A wake-up
   * inside a stage's `debounce` window is dropped on the assumption that the worker it woke will
   * see the item; a worker that lingers at least `debounce` makes that true (otherwise an item
   * arriving just after the woken worker drained waits for the next wake-up or the sweep).
   */
  lingerMs?: number;
  pollMs?: number;
  /**
   * While draining, the worker renews its slot this often (default 30 s; the stage's
   * `slot_hold_seconds` is 90 by default), so a long handler keeps it and a worker killed
   * mid-drain frees it within `slot_hold_seconds`.
   */
  heartbeatMs?: number;
}

/**
 * Classifies what a handler threw, at one place. Adapters throw `UpstreamError` (retryable or
 * not, Retry-After); other `AppError`s carry their own flag; anything else is a bug or a
 * transient fault nobody classified, retried until the stage's attempts or horizon run out.
 * Messages of unclassified errors are not kept (they may quote data); their name is.
 */
export function classifyFailure(e: unknown): Failure {
  if (e instanceof UpstreamError) {
    return {
      retryable: e.retryable,
      code: e.upstreamStatus ? `${e.vendor}_${e.upstreamStatus}` : `${e.vendor}_${e.kind}`,
      message: e.message,
      retryAfterSeconds: e.retryAfterMs === null ? null : e.retryAfterMs / 1000,
    };
  }
  if (e instanceof AppError) {
    return { retryable: e.retryable, code: e.code, message: e.message, retryAfterSeconds: null };
  }
  const err = toError(e);
  return {
    retryable: true,
    code: "unhandled_error",
    message: `Unhandled ${err.name} in the stage handler`,
    retryAfterSeconds: null,
  };
}

export async function drainStage(opts: DrainOptions): Promise<DrainReport> {
  const { stage, store, workerId } = opts;
  const log = opts.log.child({ stage, worker: workerId });
  const report: DrainReport = {
    worker: workerId,
    slot: null,
    completed: 0,
    retried: 0,
    deferred: 0,
    dead: 0,
    released: 0,
    stale: 0,
    stopped: "no_slot",
  };
  const slot = await store.acquireSlot(stage, workerId);
  if (slot === null) return report;
  report.slot = slot;
  const deadline = opts.now() + opts.budgetMs;
  const signal = opts.signal ?? new AbortController().signal;
  const stopReason = (): DrainReport["stopped"] | null =>
    signal.aborted ? "shutdown" : opts.now() >= deadline ? "budget" : null;

  async function release(item: ClaimedItem): Promise<void> {
    if (await store.release(item.token)) report.released++;
  }

  const completeLater = store.completeMany ? completionBatcher(store) : null;

  function completed(accepted: boolean, itemLog: Logger, started: number): void {
    if (accepted) report.completed++;
    else report.stale++;
    itemLog.debug("Item completed", { accepted, ms: opts.now() - started });
  }

  async function failed(item: ClaimedItem, itemLog: Logger, e: unknown): Promise<void> {
    const failure = classifyFailure(e);
    const outcome = await store.fail(item.token, failure);
    if (outcome === "retry") report.retried++;
    else if (outcome === "dead") report.dead++;
    else report.stale++;
    const fields = {
      code: failure.code,
      retryable: failure.retryable,
      outcome,
      attempt: item.attempt,
    };
    if (outcome === "dead") itemLog.error("Item dead-lettered", fields);
    else itemLog.warn("Item failed", fields);
  }

  async function runOne(item: ClaimedItem): Promise<void> {
    const started = opts.now();
    const itemLog = log.child({ item_id: item.itemId, subject_id: item.subjectId });
    try {
      const result = await opts.handler(item, {
        stage,
        token: item.token,
        attempt: item.attempt,
        deadline,
        now: opts.now,
        log: itemLog,
        signal,
        extendLease: (seconds) => store.extendLease(item.token, seconds),
      });
      if (result && "ended" in result) {
        report.completed++;
        itemLog.debug("Item ended by its handler", { ms: opts.now() - started });
        return;
      }
      if (result && "defer" in result) {
        const { untilMs, reason } = result.defer;
        if (await store.defer(item.token, untilMs, reason)) report.deferred++;
        else report.stale++;
        itemLog.info("Item waits", { reason, until: new Date(untilMs).toISOString() });
        return;
      }
      const next = (result && result.next) ?? null;
      // The completion commits before this lane starts its next item: a crash then repeats at
      // most the side effect of the item in hand, never one that already looked finished.
      // Lanes running at once (concurrency > 1) hand their completions in together, and the
      // batcher sends those in one complete_many call.
      completed(
        await (completeLater ? completeLater(item.token, next) : store.complete(item.token, next)),
        itemLog,
        started,
      );
    } catch (e) {
      await failed(item, itemLog, e);
    }
  }

  const lingerMs = opts.lingerMs ?? 0;
  const pollMs = opts.pollMs ?? 100;
  let lastWorkAt = opts.now();
  const heartbeat = setInterval(() => {
    store.acquireSlot(stage, workerId).catch((e) =>
      log.warn("Could not renew the worker slot", { error: toError(e).name })
    );
  }, opts.heartbeatMs ?? 30_000);
  try {
    for (;;) {
      const reason = stopReason();
      if (reason !== null) {
        report.stopped = reason;
        break;
      }
      const batch = await store.claim(stage, workerId);
      if (batch.length === 0) {
        if (opts.now() - lastWorkAt < lingerMs) {
          await abortableSleep(Math.min(pollMs, Math.max(0, deadline - opts.now())), signal);
          continue;
        }
        report.stopped = "drained";
        break;
      }
      lastWorkAt = opts.now();
      // Claimed items not started yet are released at once on shutdown, not left to their
      // lease: the runtime may kill the worker while a long handler still runs.
      const waiting = new Set(batch);
      let released: Promise<unknown> = Promise.resolve();
      const onAbort = () => {
        const items = [...waiting];
        waiting.clear();
        released = Promise.all(items.map(release));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        await pool(batch, opts.concurrency ?? 1, async (item) => {
          if (!waiting.delete(item)) return; // released on shutdown
          if (stopReason() !== null) return await release(item);
          await runOne(item);
        });
      } finally {
        signal.removeEventListener("abort", onAbort);
        await released;
      }
      lastWorkAt = opts.now();
    }
  } finally {
    clearInterval(heartbeat);
    // Gives the slot back; SQL wakes the stage again when visible work remains.
    await store.releaseSlot(stage, workerId).catch((e) =>
      log.warn("Could not release the worker slot", { error: toError(e).name })
    );
  }
  log.info("Drain finished", { ...report });
  return report;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Completions through `completeMany`: the first goes out at once; those handed in while a call
 * is in flight go out together in the next one. When a call fails (a next stage that cannot
 * follow fails the whole statement; a database without complete_many yet), its completions are
 * retried one by one with `complete`, so each gets its own answer.
 */
function completionBatcher(
  store: EngineStore,
): (token: number, next: string | null) => Promise<boolean> {
  type Pending = {
    token: number;
    next: string | null;
    resolve: (ok: boolean) => void;
    reject: (e: unknown) => void;
  };
  let queue: Pending[] = [];
  let busy = false;
  async function flush(): Promise<void> {
    busy = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const done = await store.completeMany!(batch.map(({ token, next }) => ({ token, next })));
        for (const c of batch) c.resolve(done.has(c.token));
      } catch {
        for (const c of batch) await store.complete(c.token, c.next).then(c.resolve, c.reject);
      }
    }
    busy = false;
  }
  return (token, next) =>
    new Promise<boolean>((resolve, reject) => {
      queue.push({ token, next, resolve, reject });
      if (!busy) void flush();
    });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
