/**
 * Completion webhooks (docs "Webhooks for pre-recorded audio"): when a transcript completes or
 * fails, POST `{"transcript_id", "status"}` to `webhook_url`, with the custom auth header when one
 * was given (no signature). The endpoint must answer 2xx within 10 s; otherwise the call is
 * retried, up to 10 attempts in total, 10 s apart; a 4xx counts as failed and stops the retries.
 * `webhook_status_code` shows the last status received.
 *
 * Attempts are due on the sandbox clock, so tests drive retries with a ManualClock. A retry is
 * due one interval after the previous attempt was *due*: if the clock jumps far ahead, the missed
 * attempts happen back to back, as they would have on a server that kept running.
 */
import type { SandboxContext } from "../core/vendor.ts";
import type { TranscriptRecord, WebhookAttempt, WebhookState } from "./state.ts";

export interface WebhookConfig {
  maxAttempts: number;
  retryDelayMs: number;
  /** Real milliseconds an endpoint has to answer. */
  timeoutMs: number;
}

export function newWebhook(
  r: TranscriptRecord,
  status: "completed" | "error",
  at: number,
): WebhookState | null {
  const p = r.params;
  if (!p.webhook_url) return null;
  return {
    url: p.webhook_url,
    headerName: p.webhook_auth_header_name,
    headerValue: p.webhook_auth_header_value,
    payloadStatus: status,
    attempts: [],
    nextAt: at,
    outcome: "pending",
    lastStatus: null,
  };
}

/** Sends one attempt and schedules the next; resolves when the attempt is settled. */
export async function deliver(
  id: string,
  hook: WebhookState,
  ctx: SandboxContext,
  cfg: WebhookConfig,
  signal: AbortSignal,
): Promise<void> {
  const dueAt = hook.nextAt ?? ctx.clock.now();
  hook.nextAt = null; // in flight
  const attempt: WebhookAttempt = {
    attempt: hook.attempts.length + 1,
    at: ctx.clock.now(),
    status: null,
  };
  hook.attempts.push(attempt);

  const headers: Record<string, string> = { "content-type": "application/json" };
  if (hook.headerName && hook.headerValue !== null) headers[hook.headerName] = hook.headerValue;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  signal.addEventListener("abort", onOuterAbort);
  const timer = setTimeout(() => abort.abort(new Error("timeout")), cfg.timeoutMs);
  try {
    const res = await ctx.fetch(hook.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ transcript_id: id, status: hook.payloadStatus }),
      redirect: "manual",
      signal: abort.signal,
    });
    await res.body?.cancel();
    attempt.status = res.status;
    hook.lastStatus = res.status;
  } catch (e) {
    attempt.error = abort.signal.aborted && !signal.aborted
      ? `no response within ${cfg.timeoutMs} ms`
      : e instanceof Error
      ? e.message
      : String(e);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onOuterAbort);
  }

  const s = attempt.status;
  if (s !== null && s >= 200 && s < 300) hook.outcome = "delivered";
  else if (s !== null && s >= 400 && s < 500) hook.outcome = "rejected";
  else if (hook.attempts.length >= cfg.maxAttempts) hook.outcome = "exhausted";
  else hook.nextAt = dueAt + cfg.retryDelayMs;
}
