/**
 * Builds call-transcribe's handler (and the webhook's pieces) from the environment: the
 * AssemblyAI adapter, the Storage signer, the SQL store. index.ts only serves them.
 */
import { createClient } from "@supabase/supabase-js";
import {
  type AssemblyAIClient,
  createAssemblyAIClient,
} from "../_shared/adapters/assemblyai/client.ts";
import { AppError } from "../_shared/platform/errors.ts";
import type { Sql } from "../_shared/platform/db.ts";
import type { Logger } from "../_shared/platform/log.ts";
import type { StageHandler } from "../_shared/platform/stage_worker.ts";
import { type TranscribeEnv, webhookUrl } from "./config.ts";
import { createTranscribeHandler } from "./handler.ts";
import { createTranscribeStore } from "./store.ts";

/** Short-lived signed URLs of objects in the private recordings bucket (supabase-js). */
export function storageSigner(env: TranscribeEnv): (path: string, ttl: number) => Promise<string> {
  const supabase = createClient(env.SUPABASE_URL, env.storageKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  return async (path, ttl) => {
    const { data, error } = await supabase.storage.from(env.RECORDINGS_BUCKET).createSignedUrl(
      path,
      ttl,
    );
    if (error || !data?.signedUrl) {
      // Storage down, or the object not there (yet): retried within the stage's horizon.
      throw new AppError("unavailable", "Could not sign the recording's Storage URL", {
        status: 503,
        retryable: true,
        details: { storage_error: error?.name ?? "no_url" },
      });
    }
    return data.signedUrl;
  };
}

export function assemblyAIFor(env: TranscribeEnv, log: Logger): AssemblyAIClient {
  return createAssemblyAIClient({
    baseUrl: env.ASSEMBLYAI_API_BASE_URL,
    apiKey: env.ASSEMBLYAI_API_KEY,
    fetch: (input, init) => fetch(input, init),
    now: Date.now,
    log: log.child({ vendor: "assemblyai" }),
    timeoutMs: env.ASSEMBLYAI_TIMEOUT_MS,
  });
}

export function transcribeHandler(env: TranscribeEnv, sql: Sql, log: Logger): StageHandler {
  return createTranscribeHandler({
    store: createTranscribeStore(sql),
    assemblyai: assemblyAIFor(env, log),
    signedUrl: storageSigner(env),
    webhookUrl: (callId) => webhookUrl(env, callId),
  });
}
