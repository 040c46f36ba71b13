import assert from "node:assert/strict";
import { AppError, UpstreamError, ValidationError } from "./errors.ts";
import { createLogger } from "./log.ts";
import {
  type ClaimedItem,
  classifyFailure,
  drainStage,
  type EngineStore,
  type Failure,
} from "./stage_worker.ts";

const log = createLogger({}, { write: () => {} });

/** An in-memory engine: enough of the SQL contract to drive the worker loop. */
function memoryStore(subjects: number[], opts: { batch?: number; slots?: number } = {}) {
  const pending = [...subjects];
  let token = 0;
  const running = new Map<number, ClaimedItem>();
  const calls: string[] = [];
  const completed: Array<{ subject: number; next: string | null }> = [];
  const failed: Array<{ subject: number; failure: Failure }> = [];
  const released: number[] = [];
  const deferred: Array<{ subject: number; untilMs: number; reason: string }> = [];
  let slotsHeld = 0;
  const store: EngineStore = {
    acquireSlot() {
      calls.push("acquire");
      if (slotsHeld >= (opts.slots ?? 1)) return Promise.resolve(null);
      slotsHeld++;
      return Promise.resolve(slotsHeld);
    },
    releaseSlot() {
      calls.push("releaseSlot");
      slotsHeld--;
      return Promise.resolve(pending.length > 0);
    },
    claim() {
      calls.push("claim");
      const batch = pending.splice(0, opts.batch ?? 3).map((subjectId) => {
        const item = { token: ++token, itemId: subjectId, subjectId, attempt: 1, subject: {} };
        running.set(item.token, item);
        return item;
      });
      return Promise.resolve(batch);
    },
    complete(t, next) {
      const item = running.get(t);
      if (!item) return Promise.resolve(false);
      running.delete(t);
      completed.push({ subject: item.subjectId, next });
      return Promise.resolve(true);
    },
    fail(t, failure) {
      const item = running.get(t);
      if (!item) return Promise.resolve("stale" as const);
      running.delete(t);
      failed.push({ subject: item.subjectId, failure });
      return Promise.resolve(failure.retryable ? "retry" as const : "dead" as const);
    },
    release(t) {
      const item = running.get(t);
      if (!item) return Promise.resolve(false);
      running.delete(t);
      released.push(item.subjectId);
      pending.unshift(item.subjectId);
      return Promise.resolve(true);
    },
    defer(t, untilMs, reason) {
      const item = running.get(t);
      if (!item) return Promise.resolve(false);
      running.delete(t);
      deferred.push({ subject: item.subjectId, untilMs, reason });
      return Promise.resolve(true);
    },
    extendLease: (t) => Promise.resolve(running.has(t)),
  };
  return { store, calls, completed, failed, released, deferred, pending, running };
}

Deno.test("the worker drains every batch, completes each item and gives its slot back", async () => {
  const m = memoryStore([1, 2, 3, 4, 5]);
  const seen: number[] = [];
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    handler: (item) => {
      seen.push(item.subjectId);
      return Promise.resolve(item.subjectId === 2 ? { next: "elsewhere" } : undefined);
    },
  });
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5]);
  assert.equal(report.completed, 5);
  assert.equal(report.stopped, "drained");
  assert.deepEqual(m.completed.find((c) => c.subject === 2), { subject: 2, next: "elsewhere" });
  assert.equal(m.completed.find((c) => c.subject === 1)?.next, null, "default next stage");
  assert.deepEqual(m.calls, ["acquire", "claim", "claim", "claim", "releaseSlot"]);
});

Deno.test("without a free slot the worker does nothing", async () => {
  const m = memoryStore([1], { slots: 0 });
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 1000,
    workerId: "w",
    handler: () => Promise.reject(new Error("must not run")),
  });
  assert.equal(report.stopped, "no_slot");
  assert.deepEqual(m.calls, ["acquire"]);
});

Deno.test("failures are classified: permanent dead, retryable retried, Retry-After passed on", async () => {
  const m = memoryStore([1, 2, 3, 4]);
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    handler: (item) => {
      switch (item.subjectId) {
        case 1:
          throw new UpstreamError("notion", "http", "Notion 401", { upstreamStatus: 401 });
        case 2:
          throw new UpstreamError("openai", "http", "OpenAI 429", {
            upstreamStatus: 429,
            retryAfterMs: 30_000,
          });
        case 3:
          throw new TypeError("Cannot read properties of undefined (reading '+15551234567')");
        default:
          return Promise.resolve();
      }
    },
  });
  assert.equal(report.dead, 1);
  assert.equal(report.retried, 2);
  assert.equal(report.completed, 1);
  const bySubject = Object.fromEntries(m.failed.map((f) => [f.subject, f.failure]));
  assert.deepEqual(bySubject[1], {
    retryable: false,
    code: "notion_401",
    message: "Notion 401",
    retryAfterSeconds: null,
  });
  assert.equal(bySubject[2]?.retryAfterSeconds, 30);
  assert.equal(bySubject[3]?.retryable, true);
  assert.ok(!bySubject[3]?.message.includes("+1555"), "an unclassified message is not kept");
});

Deno.test("at the budget the worker stops claiming and releases what it has not started", async () => {
  let clock = 0;
  const m = memoryStore([1, 2, 3, 4, 5, 6], { batch: 3 });
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: () => clock,
    budgetMs: 100,
    workerId: "w",
    concurrency: 1,
    handler: () => {
      clock += 60; // each item takes 60 ms: the budget runs out during the second item
      return Promise.resolve();
    },
  });
  assert.equal(report.completed, 2);
  assert.equal(report.released, 1);
  assert.equal(report.stopped, "budget");
  assert.deepEqual(m.released, [3]);
  assert.deepEqual(m.pending, [3, 4, 5, 6], "released and unclaimed items are still owed");
  assert.equal(m.running.size, 0, "nothing is left claimed");
  assert.equal(m.calls.at(-1), "releaseSlot");
});

Deno.test("beforeunload (the abort signal) stops the worker cleanly", async () => {
  const shutdown = new AbortController();
  const m = memoryStore([1, 2, 3], { batch: 3 });
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 60_000,
    workerId: "w",
    concurrency: 1,
    signal: shutdown.signal,
    handler: (_item, ctx) => {
      shutdown.abort();
      assert.ok(ctx.signal.aborted, "the handler sees the shutdown");
      return Promise.resolve();
    },
  });
  assert.equal(report.stopped, "shutdown");
  assert.equal(report.completed, 1);
  assert.deepEqual(m.released, [2, 3]);
});

Deno.test("a completion refused by fencing is counted as stale, not as done", async () => {
  const m = memoryStore([1]);
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 1000,
    workerId: "w",
    handler: (item) => {
      m.running.delete(item.token); // the lease was reaped while the handler ran
      return Promise.resolve();
    },
  });
  assert.equal(report.completed, 0);
  assert.equal(report.stale, 1);
});

Deno.test("classifyFailure keeps AppError codes and flags", () => {
  assert.deepEqual(classifyFailure(new ValidationError("bad row")), {
    retryable: false,
    code: "validation_failed",
    message: "bad row",
    retryAfterSeconds: null,
  });
  const notReady = new AppError("upstream_failed", "Recording not ready", { retryable: true });
  assert.equal(classifyFailure(notReady).retryable, true);
  const network = new UpstreamError("openphone", "network", "connection reset");
  assert.deepEqual(
    [classifyFailure(network).code, classifyFailure(network).retryable],
    ["openphone_network", true],
  );
});

Deno.test("a handler may wait: the item is deferred, not completed or failed", async () => {
  const m = memoryStore([1, 2]);
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: () => 1_000,
    budgetMs: 1000,
    workerId: "w",
    handler: (item) =>
      Promise.resolve(
        item.subjectId === 1
          ? { defer: { untilMs: 86_400_000, reason: "budget_wait" } }
          : undefined,
      ),
  });
  assert.equal(report.deferred, 1);
  assert.equal(report.completed, 1);
  assert.deepEqual(m.deferred, [{ subject: 1, untilMs: 86_400_000, reason: "budget_wait" }]);
  assert.deepEqual(m.completed.map((c) => c.subject), [2]);
});

Deno.test("on shutdown, claimed items queued behind a running handler are released at once", async () => {
  const shutdown = new AbortController();
  const m = memoryStore([1, 2, 3], { batch: 3 });
  let releasedDuringHandler: number[] = [];
  const report = await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 60_000,
    workerId: "w",
    signal: shutdown.signal,
    handler: async () => {
      shutdown.abort(); // beforeunload while the first, long handler runs
      await new Promise((r) => setTimeout(r, 10));
      releasedDuringHandler = [...m.released];
    },
  });
  assert.deepEqual(releasedDuringHandler.sort(), [2, 3], "released before the handler finished");
  assert.equal(report.completed, 1);
  assert.equal(report.released, 2);
  assert.equal(report.stopped, "shutdown");
});

Deno.test("by default a worker runs one handler at a time", async () => {
  const m = memoryStore([1, 2, 3, 4], { batch: 4 });
  let running = 0;
  let most = 0;
  await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 60_000,
    workerId: "w",
    handler: async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
    },
  });
  assert.equal(most, 1);
});

Deno.test("a lingering worker keeps its slot and takes an item that arrives just after the queue emptied", async () => {
  const m = memoryStore([1]);
  // Arrives 60 ms after the start: the queue is empty by then (a wake-up inside the debounce
  // window would have been dropped for it).
  setTimeout(() => m.pending.push(2), 60);
  const report = await drainStage({
    stage: "s",
    handler: () => Promise.resolve(),
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    lingerMs: 300,
    pollMs: 20,
  });
  assert.equal(report.stopped, "drained");
  assert.deepEqual(m.completed.map((c) => c.subject), [1, 2]);
  assert.equal(m.calls.at(-1), "releaseSlot");
});

Deno.test("without lingerMs the worker stops at the first empty claim; abort ends a linger", async () => {
  const m = memoryStore([]);
  const t0 = Date.now();
  await drainStage({
    stage: "s",
    handler: () => Promise.resolve(),
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
  });
  assert.equal(m.calls.filter((c) => c === "claim").length, 1);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const report = await drainStage({
    stage: "s",
    handler: () => Promise.resolve(),
    store: memoryStore([]).store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    lingerMs: 5_000,
    pollMs: 1_000,
    signal: ac.signal,
  });
  assert.equal(report.stopped, "shutdown");
  assert.ok(Date.now() - t0 < 2_000);
});

Deno.test("a long drain renews its worker slot while a handler runs", async () => {
  const m = memoryStore([1]);
  await drainStage({
    stage: "s",
    store: m.store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    heartbeatMs: 5,
    handler: () => new Promise((r) => setTimeout(r, 40)),
  });
  const renewals = m.calls.filter((c) => c === "acquire").length - 1;
  assert.ok(renewals >= 3, `renewed ${renewals} times during a 40 ms handler`);
  assert.equal(m.calls.at(-1), "releaseSlot");
});
