import { verifyWebhook } from "../_shared/adapters/openphone/webhook_signature.ts";
import { loadConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { withDeadline } from "../_shared/platform/db_errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createHandler } from "./handler.ts";

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
// Fail fast when the database cannot be reached: a connection attempt gets most of the budget,
// a statement all of it (the server cancels it too, not only this process), and reconnection
// is retried at least every 250 ms, so intake resumes as soon as the database is back.
const sql = createDb(config.SUPABASE_DB_URL, "switchboard:openphone-webhook", 4, {
  connectTimeoutSeconds: Math.min(3, (dbTimeoutMs * 0.75) / 1000),
  statementTimeoutMs: dbTimeoutMs,
  maxReconnectDelaySeconds: 0.25,
});
const split = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const standardSecrets = split(config.OPENPHONE_WEBHOOK_SECRETS);
const legacyKeys = split(config.OPENPHONE_LEGACY_WEBHOOK_KEYS);

Deno.serve(createHandler({
  log,
  maxBodyBytes: config.OPENPHONE_WEBHOOK_MAX_BYTES,
  dbTimeoutMs,
  verify: (headers, body) =>
    verifyWebhook(headers, body, { standardSecrets, legacyKeys, now: Date.now() }),
  ingest: async (delivery, record, timeoutMs) => {
    const [row] = await withDeadline(
      sql<{ result: { outcome: string } }[]>`
        select switchboard.ingest_webhook(${sql.json(delivery as never)}, ${
        record ? sql.json(record as never) : null
      }) as result`,
      timeoutMs,
    );
    return row!.result;
  },
  quarantine: async (q, timeoutMs) => {
    const [row] = await withDeadline(
      sql<{ result: { outcome: string } }[]>`
        select switchboard.quarantine_webhook(
          ${q.delivery_id}::text, ${q.scheme}::text, ${q.event_id}::text, ${q.event_type}::text,
          ${q.api_version}::text, ${q.event_created_at}::timestamptz, ${q.raw_body}::text,
          ${q.raw_body_bytes}::bytea, ${q.detail}::text
        ) as result`,
      timeoutMs,
    );
    return row!.result;
  },
}));
