/**
 * Builds the openphone-backfill request handler from the environment: the OpenPhone client on
 * the shared rate budget, the backfill store, worker auth. index.ts only serves it.
 */
import { createOpenPhoneClient } from "../_shared/adapters/openphone/client.ts";
import { loadConfig, loadOptionalConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { budgetKey, postgresBudget } from "../_shared/platform/rate_budget.ts";
import { createWorkerAuth, vaultWorkerSecret } from "../_shared/platform/worker_auth.ts";
import { backfill } from "./backfill.ts";
import { createHandler } from "./handler.ts";
import { createBackfillStore } from "./store.ts";

const base = loadConfig([
  "SUPABASE_DB_URL",
  "LOG_LEVEL",
  "WORKER_TIME_BUDGET_SECONDS",
  "OPENPHONE_BACKFILL_LOOKBACK_HOURS",
]);
const openphone = loadOptionalConfig([
  "OPENPHONE_API_KEY",
  "OPENPHONE_API_BASE_URL",
  "OPENPHONE_RATE_LIMIT_PER_SECOND",
]);
const log = createLogger({ fn: "openphone-backfill" }, { level: base.LOG_LEVEL });
const sql = createDb(base.SUPABASE_DB_URL, "switchboard:openphone-backfill", 2);

async function build(): Promise<(since: string) => Promise<Record<string, unknown>>> {
  if (!openphone.config) {
    const skipped = `The OpenPhone backfill is not configured (${openphone.missing})`;
    return () => Promise.resolve({ skipped });
  }
  const cfg = openphone.config;
  const client = createOpenPhoneClient({
    baseUrl: cfg.OPENPHONE_API_BASE_URL,
    apiKey: cfg.OPENPHONE_API_KEY,
    fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budget: postgresBudget(
      sql,
      await budgetKey("openphone", cfg.OPENPHONE_API_KEY),
      cfg.OPENPHONE_RATE_LIMIT_PER_SECOND,
    ),
  });
  return async (since) => ({
    ...(await backfill({
      client,
      store: createBackfillStore(sql),
      since,
      budgetMs: base.WORKER_TIME_BUDGET_SECONDS * 1000,
      now: Date.now,
      log,
    })),
  });
}

export async function createBackfillApp(): Promise<(req: Request) => Promise<Response>> {
  return createHandler({
    log,
    authenticate: createWorkerAuth({ readSecret: vaultWorkerSecret(sql), now: Date.now }),
    defaultLookbackHours: base.OPENPHONE_BACKFILL_LOOKBACK_HOURS,
    now: Date.now,
    run: await build(),
  });
}
