/**
 * Builds the drive-discover request handler from the environment: the Drive client with its
 * service-account tokens, the discovery store, worker auth. index.ts only serves it.
 */
import type { CountryCode } from "libphonenumber-js";
import { createDriveClient } from "../_shared/adapters/gdrive/client.ts";
import {
  createTokenProvider,
  ServiceAccountSchema,
} from "../_shared/adapters/gdrive/service_account.ts";
import { loadConfig, loadOptionalConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { ConfigError } from "../_shared/platform/errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createWorkerAuth, vaultWorkerSecret } from "../_shared/platform/worker_auth.ts";
import { discover, type DiscoverReport } from "./discover.ts";
import { createHandler } from "./handler.ts";
import { createDiscoverStore } from "./store.ts";

const base = loadConfig([
  "SUPABASE_DB_URL",
  "LOG_LEVEL",
  "WORKER_TIME_BUDGET_SECONDS",
  "DEFAULT_PHONE_COUNTRY",
  "RECORDINGS_TIME_ZONE",
]);
const drive = loadOptionalConfig([
  "GDRIVE_SERVICE_ACCOUNT_JSON",
  "GDRIVE_FOLDER_ID",
  "GDRIVE_API_BASE_URL",
  "GDRIVE_TOKEN_URL",
  "GDRIVE_INITIAL_LOOKBACK_DAYS",
]);
const log = createLogger({ fn: "drive-discover" }, { level: base.LOG_LEVEL });
const sql = createDb(base.SUPABASE_DB_URL, "switchboard:drive-discover", 2);

function build(): () => Promise<DiscoverReport | { skipped: string }> {
  if (!drive.config) {
    return () =>
      Promise.resolve({ skipped: `Drive discovery is not configured (${drive.missing})` });
  }
  const cfg = drive.config;
  let key: unknown = null;
  try {
    key = JSON.parse(cfg.GDRIVE_SERVICE_ACCOUNT_JSON);
  } catch { /* reported below */ }
  const sa = ServiceAccountSchema.safeParse(key);
  if (!sa.success) {
    throw new ConfigError("GDRIVE_SERVICE_ACCOUNT_JSON is not a service account key");
  }
  const client = createDriveClient({
    baseUrl: cfg.GDRIVE_API_BASE_URL,
    fetch,
    now: Date.now,
    accessToken: createTokenProvider({
      serviceAccount: sa.data,
      tokenUrl: cfg.GDRIVE_TOKEN_URL,
      fetch,
      now: Date.now,
    }),
  });
  return () =>
    discover({
      drive: client,
      store: createDiscoverStore(sql),
      folderId: cfg.GDRIVE_FOLDER_ID,
      timeZone: base.RECORDINGS_TIME_ZONE,
      defaultCountry: base.DEFAULT_PHONE_COUNTRY as CountryCode,
      lookbackDays: cfg.GDRIVE_INITIAL_LOOKBACK_DAYS,
      budgetMs: base.WORKER_TIME_BUDGET_SECONDS * 1000,
      now: Date.now,
      log,
    });
}

export function createDiscoverApp(): (req: Request) => Promise<Response> {
  return createHandler({
    log,
    authenticate: createWorkerAuth({ readSecret: vaultWorkerSecret(sql), now: Date.now }),
    discover: build(),
  });
}
