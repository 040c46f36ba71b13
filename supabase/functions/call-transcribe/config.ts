/**
 * The environment call-transcribe and assemblyai-webhook need. Without an AssemblyAI key the
 * functions are "not configured": they answer 503 and claim nothing, so calls wait in
 * call_transcribe (the queue-age alert fires) instead of failing.
 */
import { z } from "zod";

export const TranscribeEnvSchema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  ASSEMBLYAI_API_KEY: z.string().min(1),
  ASSEMBLYAI_API_BASE_URL: z.url().default("https://api.assemblyai.com"),
  /**
   * Public base URL AssemblyAI calls the webhook on (`<it>/functions/v1/assemblyai-webhook`);
   * default SUPABASE_URL (right on Supabase; set it when the functions sit behind another host).
   */
  ASSEMBLYAI_WEBHOOK_BASE_URL: z.url().optional(),
  /** The private Storage bucket the recordings are in (call_media.storage_path is inside it). */
  RECORDINGS_BUCKET: z.string().min(1).default("recordings"),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  /** Supabase's new keys, JSON {"default": "sb_secret_…"}; used when no service-role key is set. */
  SUPABASE_SECRET_KEYS: z.string().optional(),
  /** Per AssemblyAI request. */
  ASSEMBLYAI_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(60_000).default(15_000),
});

export type TranscribeEnv = z.infer<typeof TranscribeEnvSchema> & { storageKey: string };

export function loadTranscribeEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): { config: TranscribeEnv; missing: null } | { config: null; missing: string } {
  const parsed = TranscribeEnvSchema.safeParse(env);
  if (!parsed.success) {
    // Names only, never values.
    return {
      config: null,
      missing: [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", "),
    };
  }
  let storageKey = parsed.data.SUPABASE_SERVICE_ROLE_KEY ?? "";
  if (!storageKey && parsed.data.SUPABASE_SECRET_KEYS) {
    try {
      const keys = JSON.parse(parsed.data.SUPABASE_SECRET_KEYS) as Record<string, string>;
      storageKey = keys.default ?? Object.values(keys)[0] ?? "";
    } catch { /* reported below */ }
  }
  if (!storageKey) return { config: null, missing: "SUPABASE_SERVICE_ROLE_KEY" };
  return { config: { ...parsed.data, storageKey }, missing: null };
}

/** The webhook URL for one call (`?call_id=` correlates the delivery). */
export function webhookUrl(env: TranscribeEnv, callId: number): string {
  const base = (env.ASSEMBLYAI_WEBHOOK_BASE_URL ?? env.SUPABASE_URL).replace(/\/+$/, "");
  return `${base}/functions/v1/assemblyai-webhook?call_id=${callId}`;
}

/** What an unconfigured function answers to everything: 503, nothing claimed. */
export function notConfigured(fn: string, missing: string): (req: Request) => Promise<Response> {
  // deno-lint-ignore no-console
  console.log(JSON.stringify({
    ts: new Date().toISOString(),
    level: "warn",
    msg: "Not configured: no work is taken",
    fn,
    missing,
  }));
  return async (req) => {
    await req.body?.cancel();
    return Response.json(
      { error: { code: "config_invalid", message: `${fn} is not configured (${missing})` } },
      { status: 503, headers: { "retry-after": "60" } },
    );
  };
}
