/**
 * The function's own settings (environment): the OpenAI key and base URL. Without a key the
 * function takes no work: it answers 503 and the calls wait in their queue (the health report
 * flags the queue's age), rather than failing each call.
 */
import { z } from "zod";
import { createLogger } from "../_shared/platform/log.ts";
import { json } from "../_shared/platform/http.ts";

const Env = z.object({
  OPENAI_API_KEY: z.string().min(1),
  /** Includes /v1. The sandbox: http://127.0.0.1:54330/openai/v1 */
  OPENAI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  /** Per request, milliseconds. */
  OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().max(600_000).default(120_000),
});
export type OpenAIEnv = z.infer<typeof Env>;

export function openAIEnv(
  env: Record<string, string | undefined>,
): { ok: true; env: OpenAIEnv } | { ok: false; reason: string } {
  const r = Env.safeParse(env);
  if (r.success) return { ok: true, env: r.data };
  const keys = [...new Set(r.error.issues.map((i) => String(i.path[0])))];
  return { ok: false, reason: `missing or invalid: ${keys.join(", ")}` };
}

/** The stand-in endpoint while the function is not configured. */
export function serveNotConfigured(fn: string, reason: string): void {
  const log = createLogger({ fn });
  log.warn("Not configured: taking no work", { reason });
  Deno.serve(() => json({ error: `${fn} is not configured (${reason})` }, 503));
}
