import { loadConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { drainQueue, pgmqReader } from "../_shared/platform/queue.ts";
import { createWorkerAuth, vaultWorkerSecret } from "../_shared/platform/worker_auth.ts";
import { ValidationError } from "../_shared/platform/errors.ts";
import { createHandler } from "./handler.ts";

const config = loadConfig(["SUPABASE_DB_URL", "LOG_LEVEL", "WORKER_TIME_BUDGET_SECONDS"]);
const log = createLogger({ fn: "probe" }, { level: config.LOG_LEVEL });
const sql = createDb(config.SUPABASE_DB_URL, "switchboard:probe");
const workerId = `probe:${crypto.randomUUID().slice(0, 8)}`;
const budgetMs = config.WORKER_TIME_BUDGET_SECONDS * 1000;
// Hidden longer than the drain can take, so no message is handled twice concurrently.
const vtSeconds = config.WORKER_TIME_BUDGET_SECONDS + 30;

Deno.serve(createHandler({
  log,
  authenticate: createWorkerAuth({ readSecret: vaultWorkerSecret(sql), now: Date.now }),
  drain: () =>
    drainQueue({
      read: pgmqReader(sql, "probe_jobs", vtSeconds),
      handle: async (msg) => {
        const id = (msg.message as { id?: unknown } | null)?.id;
        if (typeof id !== "number") {
          // A malformed message would fail forever: archive it (kept for inspection) and report it.
          await sql`select pgmq.archive('probe_jobs', ${msg.msgId}::bigint)`;
          throw new ValidationError(`Message ${msg.msgId} has no probe id`);
        }
        await sql`select switchboard.complete_probe(${msg.msgId}, ${id}, ${workerId})`;
      },
      batchSize: 20,
      budgetMs,
      now: Date.now,
      log,
    }),
}));
