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
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

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
