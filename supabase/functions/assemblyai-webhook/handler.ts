/**
 * AssemblyAI's completion webhook: `POST …/assemblyai-webhook?call_id=<id>` with
 * `{"transcript_id", "status"}` and our per-call secret in `x-switchboard-callback-token`.
 *
 * The secret is checked (in constant time, against the SHA-256 stored for the call) before
 * anything else is read; then the answer is 200 at once and the work continues in the
 * background: fetch the transcript, store it with named speakers and metrics, settle the spend
 * (or record the error and release it), resume the call's item. AssemblyAI wants a 2xx within
 * 10 s and does not retry a 4xx, so 4xx is kept for requests that are not AssemblyAI's for this
 * call: a missing secret 401, a wrong one (or an unknown call) 403, a malformed request 400.
 * A database that cannot be reached answers 503 (AssemblyAI retries). Whatever the background
 * work cannot finish, the stage's fallback lookup does.
 */
import type { AssemblyAIClient } from "../_shared/adapters/assemblyai/client.ts";
import { CALLBACK_HEADER, verifyCallbackSecret } from "../_shared/adapters/assemblyai/callback.ts";
import { toError } from "../_shared/platform/errors.ts";
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { recordJob } from "../call-transcribe/results.ts";
import type { TranscribeStore } from "../call-transcribe/store.ts";
import { z } from "zod";

export interface WebhookDeps {
  store: TranscribeStore;
  assemblyai: AssemblyAIClient;
  log: Logger;
  /** Keeps the runtime alive for work after the response (EdgeRuntime.waitUntil). */
  background: (work: Promise<unknown>) => void;
  maxBodyBytes?: number;
}

const BodySchema = z.object({
  transcript_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  status: z.string().max(32),
});

const refuse = (status: number, code: string, message: string) =>
  json({ error: { code, message } }, status);

export function createWebhookHandler(deps: WebhookDeps): (req: Request) => Promise<Response> {
  const { store, log } = deps;
  const maxBytes = deps.maxBodyBytes ?? 65_536;

  async function finish(callId: number, transcriptId: string): Promise<void> {
    const jobLog = log.child({ call_id: callId, job_id: transcriptId });
    try {
      const outcome = await recordJob(store, callId, await deps.assemblyai.get(transcriptId));
      jobLog.info("Transcript job recorded", {
        outcome: outcome.kind,
        ...(outcome.kind === "completed"
          ? { stored: outcome.result.stored, reason: outcome.result.reason }
          : {}),
      });
    } catch (e) {
      // The stage looks the job up itself, with its retries.
      const err = toError(e);
      jobLog.warn("Could not record the transcript job; the stage looks it up", {
        error: err.name,
        code: (e as { code?: string }).code,
      });
      await store.resume(callId).catch(() => {});
    }
  }

  return async (req) => {
    try {
      if (req.method !== "POST") {
        await req.body?.cancel();
        return json({ error: { code: "method_not_allowed", message: "Use POST" } }, 405, {
          allow: "POST",
        });
      }
      const callParam = new URL(req.url).searchParams.get("call_id") ?? "";
      if (!/^[1-9][0-9]{0,17}$/.test(callParam)) {
        await req.body?.cancel();
        return refuse(400, "validation_failed", "call_id is missing or malformed");
      }
      const callId = Number(callParam);
      const presented = req.headers.get(CALLBACK_HEADER);
      if (!presented) {
        await req.body?.cancel();
        return refuse(401, "unauthorized", "Missing callback token");
      }
      const target = await store.callbackTarget(callId);
      if (!await verifyCallbackSecret(presented, target?.callback_secret_sha256 ?? null)) {
        await req.body?.cancel();
        log.warn("Webhook refused: wrong callback token", { call_id: callId });
        return refuse(403, "forbidden", "Wrong callback token");
      }
      const length = Number(req.headers.get("content-length") ?? "0");
      if (length > maxBytes) {
        await req.body?.cancel();
        return refuse(413, "payload_too_large", "Body too large");
      }
      const text = await req.text();
      let parsed;
      try {
        parsed = BodySchema.safeParse(JSON.parse(text));
      } catch {
        parsed = null;
      }
      if (!parsed?.success || text.length > maxBytes) {
        return refuse(400, "validation_failed", "Expected {transcript_id, status}");
      }
      const { transcript_id: jobId } = parsed.data;
      if (target!.job_id !== null && target!.job_id !== jobId) {
        log.info("Webhook for a job that is not the call's current one", { call_id: callId });
        return json({ ok: true, outcome: "not_current_job" });
      }
      if (target!.status === "completed") return json({ ok: true, outcome: "already_completed" });
      if (target!.job_id === null) {
        // The job beat its id home (the secret was recorded before the submission).
        await store.submitted(callId, jobId);
      }
      deps.background(finish(callId, jobId));
      return json({ ok: true, outcome: "accepted" });
    } catch (e) {
      return errorResponse(e, log);
    }
  };
}
