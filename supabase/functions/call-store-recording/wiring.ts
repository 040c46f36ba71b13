/**
 * Builds the call_store_recording handler from the environment: Storage (the project's own,
 * with a secret key), and each source that is configured: OpenPhone (to refresh expired media
 * URLs, through the shared rate budget) and Google Drive (service-account tokens). Neither is
 * required: a Drive-only project stores Drive recordings without an OpenPhone key (OpenPhone
 * media URLs work without one too, until one has to be refreshed). index.ts only serves it.
 *
 * Settings (function secrets):
 *   RECORDINGS_BUCKET            private bucket for recordings (default "recordings")
 *   RECORDINGS_MAX_BYTES         largest file stored; a larger one is recorded as not stored
 *                                (call_media.skipped_reason 'too_large') and the call goes on.
 *                                Default 52428800 (50 MB, the Free plan's global Storage limit);
 *                                raise it with the project's global file size limit on paid plans
 *   RECORDINGS_COPY_TIMEOUT_SECONDS  one copy, request to last byte (default 300)
 *   OPENPHONE_API_KEY …          optional: refreshing expired OpenPhone media URLs
 *   GDRIVE_SERVICE_ACCOUNT_JSON … optional: Drive recordings
 */
import { z } from "zod";
import { createStorageClient } from "../_shared/adapters/storage/client.ts";
import {
  createTokenProvider,
  ServiceAccountSchema,
} from "../_shared/adapters/gdrive/service_account.ts";
import { loadConfig, loadOptionalConfig } from "../_shared/platform/config.ts";
import type { Sql } from "../_shared/platform/db.ts";
import { ConfigError } from "../_shared/platform/errors.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { budgetKey, postgresBudget } from "../_shared/platform/rate_budget.ts";
import type { StageHandler } from "../_shared/platform/stage_worker.ts";
import { type SkippedMedia, type StoredMedia, storeRecordingHandler } from "./handler.ts";
import type { DriveMediaApi, OpenPhoneMediaApi } from "./sources.ts";

const RecordingsEnv = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_SECRET_KEYS: z.string().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().optional(),
  RECORDINGS_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,62}$/).default("recordings"),
  RECORDINGS_MAX_BYTES: z.coerce.number().int().positive().default(50 * 1024 * 1024),
  RECORDINGS_COPY_TIMEOUT_SECONDS: z.coerce.number().int().positive().max(3600).default(300),
});
export type RecordingsConfig = z.infer<typeof RecordingsEnv>;

/** A secret key: the first of SUPABASE_SECRET_KEYS (a JSON dictionary), else the service role. */
export function storageKey(cfg: RecordingsConfig): string {
  if (cfg.SUPABASE_SECRET_KEYS) {
    try {
      const keys = JSON.parse(cfg.SUPABASE_SECRET_KEYS) as Record<string, unknown>;
      const key = keys.default ?? Object.values(keys)[0];
      if (typeof key === "string" && key !== "") return key;
    } catch { /* fall back to the legacy key */ }
  }
  if (cfg.SUPABASE_SERVICE_ROLE_KEY) return cfg.SUPABASE_SERVICE_ROLE_KEY;
  throw new ConfigError("No Storage key: SUPABASE_SECRET_KEYS or SUPABASE_SERVICE_ROLE_KEY");
}

export function recordMedia(sql: Sql): (m: StoredMedia) => Promise<void> {
  return async (m) => {
    await sql`select switchboard.record_call_media(${m.callId}::bigint, ${m.kind}, ${m.mediaKey},
      ${m.source}, ${m.storagePath}, ${m.contentType}, ${m.bytes}::bigint, ${m.sha256},
      ${m.durationSec}::integer)`;
  };
}

export function recordSkippedMedia(sql: Sql): (m: SkippedMedia) => Promise<void> {
  return async (m) => {
    await sql`select switchboard.record_call_media_skipped(${m.callId}::bigint, ${m.kind},
      ${m.mediaKey}, ${m.source}, ${m.reason}, ${m.bytes}::bigint, ${m.limitBytes}::bigint,
      ${m.contentType}, ${m.durationSec}::integer)`;
  };
}

/**
 * OpenPhone, when OPENPHONE_API_KEY is set (then its other settings must be valid), else null:
 * media URLs are fetched without a key, and one that must be refreshed fails (sources.ts).
 */
export function openphoneApi(
  sql: Sql,
  env: Record<string, string | undefined>,
): OpenPhoneMediaApi | null {
  if (!env.OPENPHONE_API_KEY?.trim()) return null;
  const op = loadConfig(
    ["OPENPHONE_API_KEY", "OPENPHONE_API_BASE_URL", "OPENPHONE_RATE_LIMIT_PER_SECOND"],
    env,
  );
  let budget: ReturnType<typeof postgresBudget> | null = null;
  const openphoneBudget = async () =>
    postgresBudget(
      sql,
      await budgetKey("openphone", op.OPENPHONE_API_KEY),
      op.OPENPHONE_RATE_LIMIT_PER_SECOND,
    );
  return {
    baseUrl: op.OPENPHONE_API_BASE_URL,
    apiKey: op.OPENPHONE_API_KEY,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budget: {
      // The key's hash is computed once, on first use (WebCrypto is async).
      reserve: async () => (budget ??= await openphoneBudget()).reserve(),
      block: async (until) => (budget ??= await openphoneBudget()).block(until),
    },
  };
}

export function buildHandler(
  { sql, log }: { sql: Sql; log: Logger },
  env: Record<string, string | undefined> = Deno.env.toObject(),
): StageHandler {
  const parsed = RecordingsEnv.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`,
    );
  }
  const cfg = parsed.data;
  const openphone = openphoneApi(sql, env);
  if (!openphone) {
    log.info("No OPENPHONE_API_KEY: OpenPhone media URLs cannot be refreshed (Drive-only)");
  }

  const gdrive = loadOptionalConfig(
    ["GDRIVE_SERVICE_ACCOUNT_JSON", "GDRIVE_API_BASE_URL", "GDRIVE_TOKEN_URL"],
    env,
  );
  let drive: DriveMediaApi | null = null;
  if (gdrive.config) {
    let key: unknown = null;
    try {
      key = JSON.parse(gdrive.config.GDRIVE_SERVICE_ACCOUNT_JSON);
    } catch { /* reported below */ }
    const sa = ServiceAccountSchema.safeParse(key);
    if (!sa.success) {
      throw new ConfigError("GDRIVE_SERVICE_ACCOUNT_JSON is not a service account key");
    }
    drive = {
      baseUrl: gdrive.config.GDRIVE_API_BASE_URL,
      accessToken: createTokenProvider({
        serviceAccount: sa.data,
        tokenUrl: gdrive.config.GDRIVE_TOKEN_URL,
        fetch,
        now: Date.now,
      }),
    };
  }

  return storeRecordingHandler({
    sources: { fetch, now: Date.now, log, openphone, drive },
    storage: createStorageClient({
      baseUrl: cfg.SUPABASE_URL,
      key: storageKey(cfg),
      fetch,
      now: Date.now,
      log,
    }),
    bucket: cfg.RECORDINGS_BUCKET,
    maxBytes: cfg.RECORDINGS_MAX_BYTES,
    copyTimeoutMs: cfg.RECORDINGS_COPY_TIMEOUT_SECONDS * 1000,
    record: recordMedia(sql),
    recordSkipped: recordSkippedMedia(sql),
  });
}
