/**
 * Builds the call_enrich handler from the environment: the OpenPhone client on the shared rate
 * budget (when OPENPHONE_API_KEY is set) and the stage's store. index.ts only serves it.
 */
import { createOpenPhoneClient } from "../_shared/adapters/openphone/client.ts";
import { loadOptionalConfig } from "../_shared/platform/config.ts";
import type { Sql } from "../_shared/platform/db.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { budgetKey, postgresBudget } from "../_shared/platform/rate_budget.ts";
import type { StageHandler } from "../_shared/platform/stage_worker.ts";
import { createEnrichHandler } from "./enrich.ts";
import { createEnrichStore } from "./store.ts";

export function enrichHandler(env: { sql: Sql; log: Logger }): StageHandler {
  const openphone = loadOptionalConfig([
    "OPENPHONE_API_KEY",
    "OPENPHONE_API_BASE_URL",
    "OPENPHONE_RATE_LIMIT_PER_SECOND",
  ]);
  const build = async (): Promise<StageHandler> => {
    const cfg = openphone.config;
    const client = cfg
      ? createOpenPhoneClient({
        baseUrl: cfg.OPENPHONE_API_BASE_URL,
        apiKey: cfg.OPENPHONE_API_KEY,
        fetch,
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        budget: postgresBudget(
          env.sql,
          await budgetKey("openphone", cfg.OPENPHONE_API_KEY),
          cfg.OPENPHONE_RATE_LIMIT_PER_SECOND,
        ),
      })
      : null;
    return createEnrichHandler({
      client,
      store: createEnrichStore(env.sql),
      now: Date.now,
      log: env.log,
    });
  };
  // The budget key is a hash (async): the handler is built on first use.
  let handler: Promise<StageHandler> | null = null;
  return async (item, ctx) => await (await (handler ??= build()))(item, ctx);
}
