/**
 * The worker with a store that completes in batches (EngineStore.completeMany): a lane's
 * completion commits before it starts its next item; completions of lanes running at once go
 * out together; a failed batch is retried one by one.
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
  concurrency = 1,
  started: number[] = [],
) =>
  drainStage({
    stage: "s",
    store,
    log,
    now: Date.now,
    budgetMs: 10_000,
    workerId: "w",
    concurrency,
    handler: (item) => {
      started.push(item.token);
      const n = next(item.subjectId);
      return Promise.resolve(n ? { next: n } : undefined);
    },
  });

Deno.test("one lane: each completion commits before the next item starts", async () => {
  const m = batchStore([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const started: number[] = [];
  const startedBeforeCompleted: number[] = [];
  const completeMany = m.store.completeMany!.bind(m.store);
  m.store.completeMany = (items) => {
    startedBeforeCompleted.push(started.length);
    return completeMany(items);
  };
  const report = await drain(m.store, undefined, 1, started);
  assert.equal(report.completed, 12);
  assert.deepEqual(m.batches.map((b) => b.length), Array(12).fill(1));
  // When item n's completion was sent, exactly n items had started: nothing ran ahead of it.
  assert.deepEqual(startedBeforeCompleted, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

Deno.test("lanes running at once hand their completions in together", async () => {
  const m = batchStore([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const report = await drain(m.store, undefined, 4);
  assert.equal(report.completed, 12);
  assert.equal(report.stale, 0);
  assert.ok(m.batches.some((b) => b.length > 1), `grouped: ${JSON.stringify(m.batches)}`);
  assert.equal(m.batches.flat().length, 12);
  assert.deepEqual(m.singles, []);
});

Deno.test("a batch that fails is retried one by one: only the bad completion fails", async () => {
  const m = batchStore([1, 2, 3, 4], { failBatchesWith: "nowhere" });
  const report = await drain(m.store, (s) => (s === 3 ? "nowhere" : undefined), 4);
  assert.equal(report.completed, 3);
  assert.equal(report.retried, 1, "the bad completion is failed like a handler error");
  assert.deepEqual(m.failed, ["unhandled_error"]);
  // Lane 1's completion goes out alone; lanes 2–4 hand theirs in meanwhile: that batch fails
  // (item 3's next stage cannot follow) and is retried one by one.
  assert.deepEqual(m.batches, [[1], [2, 3, 4]]);
  assert.deepEqual(m.singles, [2, 3, 4]);
});
