/**
 * Builds the assemblyai-webhook handler from the environment: a database client that fails
 * fast (AssemblyAI waits 10 s at most), the AssemblyAI adapter, the shared transcript store.
 */
import { createDb } from "../_shared/platform/db.ts";
import { waitUntil } from "../_shared/platform/edge_runtime.ts";
import { toError } from "../_shared/platform/errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { loadTranscribeEnv, notConfigured } from "../call-transcribe/config.ts";
import { createTranscribeStore } from "../call-transcribe/store.ts";
import { assemblyAIFor } from "../call-transcribe/wiring.ts";
import { createWebhookHandler } from "./handler.ts";

export function createWebhookApp(): (req: Request) => Promise<Response> {
  const { config, missing } = loadTranscribeEnv();
  if (!config) return notConfigured("assemblyai-webhook", missing);
  const log = createLogger({ fn: "assemblyai-webhook" }, { level: config.LOG_LEVEL });
  const sql = createDb(config.SUPABASE_DB_URL, "switchboard:assemblyai-webhook", 4, {
    connectTimeoutSeconds: 3,
    statementTimeoutMs: 5_000,
    maxReconnectDelaySeconds: 0.25,
  });
  return createWebhookHandler({
    store: createTranscribeStore(sql),
    assemblyai: assemblyAIFor(config, log),
    log,
    background: (work) =>
      void waitUntil(work, (e) => log.error("Webhook work failed", { error: toError(e).name })),
  });
}
