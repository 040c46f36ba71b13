import assert from "node:assert/strict";
import { drainQueue, type QueueMessage } from "./queue.ts";
import { AppError } from "./errors.ts";
import { createLogger } from "./log.ts";

const silent = createLogger({}, { write: () => {} });

function fakeQueue(ids: number[]) {
  const pending = ids.map((id): QueueMessage => ({ msgId: id, readCt: 1, message: { id } }));
  return {
    read: (qty: number) => Promise.resolve(pending.splice(0, qty)),
  };
}

Deno.test("drainQueue() handles every message until the queue is empty", async () => {
  const seen: number[] = [];
  const report = await drainQueue({
    ...fakeQueue([1, 2, 3, 4, 5]),
    handle: (m) => {
      seen.push(m.msgId);
      return Promise.resolve();
    },
    batchSize: 2,
    budgetMs: 10_000,
    now: () => 0,
    log: silent,
  });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.deepEqual(report, { completed: [1, 2, 3, 4, 5], failed: [], drained: true });
});

Deno.test("drainQueue() reports failures per message with their code and retryability", async () => {
  const report = await drainQueue({
    ...fakeQueue([1, 2, 3]),
    handle: (m) => {
      if (m.msgId === 2) {
        return Promise.reject(new AppError("upstream_failed", "boom", { retryable: true }));
      }
      if (m.msgId === 3) return Promise.reject(new Error("bug"));
      return Promise.resolve();
    },
    batchSize: 10,
    budgetMs: 10_000,
    now: () => 0,
    log: silent,
  });
  assert.deepEqual(report.completed, [1]);
  assert.deepEqual(report.failed, [
    { msgId: 2, code: "upstream_failed", retryable: true },
    { msgId: 3, code: "internal", retryable: true },
  ]);
});

Deno.test("drainQueue() stops reading new batches once its time budget is spent", async () => {
  let clock = 0;
  const report = await drainQueue({
    ...fakeQueue([1, 2, 3, 4]),
    handle: () => {
      clock += 600;
      return Promise.resolve();
    },
    batchSize: 1,
    budgetMs: 1000,
    now: () => clock,
    log: silent,
  });
  assert.deepEqual(report.completed, [1, 2]);
  assert.equal(report.drained, false);
});
