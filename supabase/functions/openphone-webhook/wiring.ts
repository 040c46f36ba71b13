/**
 * Builds the openphone-webhook request handler from the environment: signing secrets, a
 * database client that fails fast, the intake store. index.ts only serves it.
 */
import { verifyWebhook } from "../_shared/adapters/openphone/webhook_signature.ts";
import { loadConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createHandler } from "./handler.ts";
import { createIntakeStore } from "./store.ts";

export function createWebhookApp(): (req: Request) => Promise<Response> {
  const config = loadConfig([
    "SUPABASE_DB_URL",
    "LOG_LEVEL",
    "OPENPHONE_WEBHOOK_SECRETS",
    "OPENPHONE_LEGACY_WEBHOOK_KEYS",
    "OPENPHONE_WEBHOOK_MAX_BYTES",
    "OPENPHONE_WEBHOOK_DB_TIMEOUT_MS",
  ]);
  const log = createLogger({ fn: "openphone-webhook" }, { level: config.LOG_LEVEL });
  const dbTimeoutMs = config.OPENPHONE_WEBHOOK_DB_TIMEOUT_MS;
  // Fail fast when the database cannot be reached: a connection attempt gets most of the
  // budget, a statement all of it (the server cancels it too, not only this process), and
  // reconnection is retried at least every 250 ms, so intake resumes as soon as it is back.
  const sql = createDb(config.SUPABASE_DB_URL, "switchboard:openphone-webhook", 4, {
    connectTimeoutSeconds: Math.min(3, (dbTimeoutMs * 0.75) / 1000),
    statementTimeoutMs: dbTimeoutMs,
    maxReconnectDelaySeconds: 0.25,
  });
  const split = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const standardSecrets = split(config.OPENPHONE_WEBHOOK_SECRETS);
  const legacyKeys = split(config.OPENPHONE_LEGACY_WEBHOOK_KEYS);
  return createHandler({
    log,
    maxBodyBytes: config.OPENPHONE_WEBHOOK_MAX_BYTES,
    dbTimeoutMs,
    verify: (headers, body) =>
      verifyWebhook(headers, body, { standardSecrets, legacyKeys, now: Date.now() }),
    ...createIntakeStore(sql),
  });
}
