import { verifyWebhook } from "../_shared/adapters/openphone/webhook_signature.ts";
import { loadConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createHandler } from "./handler.ts";

const config = loadConfig([
  "SUPABASE_DB_URL",
  "LOG_LEVEL",
  "OPENPHONE_WEBHOOK_SECRETS",
  "OPENPHONE_LEGACY_WEBHOOK_KEYS",
  "OPENPHONE_WEBHOOK_MAX_BYTES",
]);
const log = createLogger({ fn: "openphone-webhook" }, { level: config.LOG_LEVEL });
const sql = createDb(config.SUPABASE_DB_URL, "switchboard:openphone-webhook", 4);
const split = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const standardSecrets = split(config.OPENPHONE_WEBHOOK_SECRETS);
const legacyKeys = split(config.OPENPHONE_LEGACY_WEBHOOK_KEYS);

Deno.serve(createHandler({
  log,
  maxBodyBytes: config.OPENPHONE_WEBHOOK_MAX_BYTES,
  verify: (headers, body) =>
    verifyWebhook(headers, body, { standardSecrets, legacyKeys, now: Date.now() }),
  ingest: async (delivery, record) => {
    const [row] = await sql<{ result: { outcome: string } }[]>`
      select switchboard.ingest_webhook(${sql.json(delivery as never)}, ${
      record ? sql.json(record as never) : null
    }) as result`;
    return row!.result;
  },
}));
