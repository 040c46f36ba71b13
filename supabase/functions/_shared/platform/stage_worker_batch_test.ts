/**
 * The worker with a store that completes in batches (EngineStore.completeMany): completions
 * handed in while one call is in flight go out together; a failed batch is retried one by one.
 */
import assert from "node:assert/strict";
import { createLogger } from "./log.ts";
import { type ClaimedItem, drainStage, type EngineStore } from "./stage_worker.ts";

const log = createLogger({}, { write: () => {} });

function batchStore(subjects: number[], opts: { failBatchesWith?: string } = {}) {
  const pending = [...subjects];
  let token = 0;
  const running = new Map<number, ClaimedItem>();
  const batches: number[][] = [];
  const singles: number[] = [];
  const failed: string[] = [];
  const completeOne = (t: number, next: string | null) => {
    if (next === "nowhere") return Promise.reject(new Error("Stage cannot follow"));
    return Promise.resolve(running.delete(t));
  };
  const store: EngineStore = {
    acquireSlot: () => Promise.resolve(1),
    releaseSlot: () => Promise.resolve(false),
    claim() {
      return Promise.resolve(
        pending.splice(0, 10).map((subjectId) => {
          const item = { token: ++token, itemId: subjectId, subjectId, attempt: 1, subject: {} };
          running.set(item.token, item);
          return item;
        }),
      );
    },
    complete(t, next) {
      singles.push(t);
      return completeOne(t, next);
    },
    async completeMany(items) {
      batches.push(items.map((i) => i.token));
      await new Promise((r) => setTimeout(r, 5)); // a round trip: the next items pile up
      if (opts.failBatchesWith && items.some((i) => i.next === opts.failBatchesWith)) {
        throw new Error("Stage cannot follow");
      }
      const done = new Set<number>();
      for (const i of items) if (running.delete(i.token)) done.add(i.token);
      return done;
    },
    fail(t, f) {
      failed.push(f.code);
      running.delete(t);
      return Promise.resolve("retry" as const);
    },
    release: (t) => Promise.resolve(running.delete(t)),
    defer: (t) => Promise.resolve(running.delete(t)),
    extendLease: (t) => Promise.resolve(running.has(t)),
  };
  return { store, batches, singles, failed };
}

const drain = (
  store: EngineStore,
  next: (subject: number) => string | undefined = () => undefined,
) =>
  drainStage({
    stage: "s",
    store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    handler: (item) => {
      const n = next(item.subjectId);
      return Promise.resolve(n ? { next: n } : undefined);
    },
  });

Deno.test("completions handed in while one is in flight go out together", async () => {
  const m = batchStore([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const report = await drain(m.store);
  assert.equal(report.completed, 12);
  assert.equal(report.stale, 0);
  // Per claimed batch: the first completion at once, the rest of the batch in the next call.
  assert.deepEqual(m.batches.map((b) => b.length), [1, 9, 1, 1]);
  assert.deepEqual(m.singles, []);
});

Deno.test("a batch that fails is retried one by one: only the bad completion fails", async () => {
  const m = batchStore([1, 2, 3, 4], { failBatchesWith: "nowhere" });
  const report = await drain(m.store, (s) => (s === 3 ? "nowhere" : undefined));
  assert.equal(report.completed, 3);
  assert.equal(report.retried, 1, "the bad completion is failed like a handler error");
  assert.deepEqual(m.failed, ["unhandled_error"]);
  assert.deepEqual(m.singles, [2, 3, 4]);
});
