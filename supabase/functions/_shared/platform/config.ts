/**
 * Environment parsing. Each function validates only the slice it needs (`loadConfig(pick)`), so
 * an unrelated missing secret cannot break it. Errors list the missing or invalid keys, never
 * their values.
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";

export const ConfigSchema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Seconds a stage function keeps draining before it answers (well under the wall clock). */
  WORKER_TIME_BUDGET_SECONDS: z.coerce.number().int().positive().max(300).default(60),

  /** E.164 country for numbers written without a country code. */
  DEFAULT_PHONE_COUNTRY: z.string().regex(/^[A-Z]{2}$/).default("US"),
  /** IANA zone the recording phones are in (file names carry local time). */
  RECORDINGS_TIME_ZONE: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone").default("UTC"),

  OPENPHONE_API_KEY: z.string().min(1),
  OPENPHONE_API_BASE_URL: z.url().default("https://api.openphone.com"),
  /** Requests per second for all invocations together: OpenPhone allows 10; keep a margin. */
  OPENPHONE_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(10).default(9),
  /** How far back each scheduled backfill run looks. */
  OPENPHONE_BACKFILL_LOOKBACK_HOURS: z.coerce.number().int().positive().default(24),
  /** Standard Webhooks secrets (whsec_…), comma-separated: several during a rotation. */
  OPENPHONE_WEBHOOK_SECRETS: z.string().default(""),
  /** Legacy webhook signing keys (base64), comma-separated. */
  OPENPHONE_LEGACY_WEBHOOK_KEYS: z.string().default(""),
  /** Largest webhook body accepted, in bytes (413 above it). */
  OPENPHONE_WEBHOOK_MAX_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /**
   * The most time one webhook request spends on the database, in ms (connecting included);
   * past it the answer is 503 with Retry-After. Senders give up after 10-15 s.
   */
  OPENPHONE_WEBHOOK_DB_TIMEOUT_MS: z.coerce.number().int().min(250).max(9_000).default(4_000),

  /** The service account's JSON key, as Google issues it. */
  GDRIVE_SERVICE_ACCOUNT_JSON: z.string().min(1),
  GDRIVE_FOLDER_ID: z.string().min(1),
  GDRIVE_API_BASE_URL: z.url().default("https://www.googleapis.com"),
  GDRIVE_TOKEN_URL: z.url().default("https://oauth2.googleapis.com/token"),
  /** The first run lists files created in the last N days; later runs follow the changes feed. */
  GDRIVE_INITIAL_LOOKBACK_DAYS: z.coerce.number().int().positive().default(30),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

/**
 * For optional features: the slice when every key in it is valid, or null (with the reason)
 * when the feature is not configured, so a function can answer "skipped" instead of failing.
 */
export function loadOptionalConfig<K extends ConfigKey>(
  keys: readonly K[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): { config: Pick<Config, K>; missing: null } | { config: null; missing: string } {
  try {
    return { config: loadConfig(keys, env), missing: null };
  } catch (e) {
    if (e instanceof ConfigError) return { config: null, missing: e.message };
    throw e;
  }
}

export function loadConfig<K extends ConfigKey>(
  keys: readonly K[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Pick<Config, K> {
  const mask = Object.fromEntries(keys.map((k) => [k, true])) as Record<ConfigKey, true>;
  const parsed = ConfigSchema.pick(mask).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  return parsed.data as unknown as Pick<Config, K>;
}
