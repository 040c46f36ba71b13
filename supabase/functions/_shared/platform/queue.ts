/**
 * Draining a stage's pgmq queue. A stage function reads a batch with a visibility timeout longer
 * than its time budget, handles each message, and repeats until the queue is empty or the budget
 * is spent. A message whose handling throws stays in the queue: it becomes visible again when
 * its visibility timeout ends, and the sweep wakes the stage for it.
 */
import type { Sql } from "./db.ts";
import { AppError, toError } from "./errors.ts";
import type { Logger } from "./log.ts";

export interface QueueMessage {
  msgId: number;
  readCt: number;
  message: unknown;
}

export interface DrainOptions {
  read: (qty: number) => Promise<QueueMessage[]>;
  handle: (msg: QueueMessage) => Promise<void>;
  batchSize: number;
  /** Stop reading new batches after this many milliseconds. */
  budgetMs: number;
  now: () => number;
  log: Logger;
}

export interface DrainReport {
  completed: number[];
  failed: Array<{ msgId: number; code: string; retryable: boolean }>;
  /** True when the queue was empty at the end; false when the budget ran out first. */
  drained: boolean;
}

export async function drainQueue(opts: DrainOptions): Promise<DrainReport> {
  const started = opts.now();
  const report: DrainReport = { completed: [], failed: [], drained: false };
  while (opts.now() - started < opts.budgetMs) {
    const batch = await opts.read(opts.batchSize);
    if (batch.length === 0) {
      report.drained = true;
      break;
    }
    for (const msg of batch) {
      try {
        await opts.handle(msg);
        report.completed.push(msg.msgId);
      } catch (e) {
        const err = toError(e);
        const code = err instanceof AppError ? err.code : "internal";
        const retryable = err instanceof AppError ? err.retryable : true;
        opts.log.warn("Message failed", {
          msg_id: msg.msgId,
          read_ct: msg.readCt,
          code,
          retryable,
          error: err.message,
        });
        report.failed.push({ msgId: msg.msgId, code, retryable });
      }
    }
  }
  return report;
}

/** pgmq.read through the database: `qty` messages hidden for `vtSeconds`. */
export function pgmqReader(
  sql: Sql,
  queue: string,
  vtSeconds: number,
): (qty: number) => Promise<QueueMessage[]> {
  return async (qty) => {
    const rows = await sql<{ msg_id: string; read_ct: number; message: unknown }[]>`
      select msg_id::text as msg_id, read_ct, message from pgmq.read(${queue}, ${vtSeconds}, ${qty})`;
    return rows.map((r) => ({ msgId: Number(r.msg_id), readCt: r.read_ct, message: r.message }));
  };
}
