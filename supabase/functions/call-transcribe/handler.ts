/**
 * The call_transcribe stage: from a claimed call to a stored, diarized transcript.
 *
 *   transcript completed (the webhook stored it)          → done, on to call_summarize
 *   an AssemblyAI job in flight (the wait ran out, or the webhook resumed us early)
 *                                                          → look it up once: completed → store;
 *                                                            error → record; still running →
 *                                                            wait again (awaiting_transcript)
 *   the job ended in error                                 → unreadable audio: permanent (dead
 *                                                            letter, readable reason); anything
 *                                                            else: retryable, and the next run
 *                                                            submits again
 *   OpenPhone's transcript is complete and preferred       → stored as is (no cost)
 *   no stored recording or voicemail                       → nothing to transcribe, done
 *   otherwise                                              → reserve the estimate (over budget →
 *                                                            wait in budget_wait), submit with a
 *                                                            signed URL and a per-call webhook
 *                                                            secret, wait for the webhook
 *
 * A known job is never submitted again: its id is recorded, and a run looks it up instead. The
 * secret's hash and the reservation are recorded before the submission, so a retry reuses the
 * reservation and a webhook that arrives before the job id is recorded still authenticates.
 */
import {
  type AssemblyAIClient,
  transcriptErrorIsPermanent,
} from "../_shared/adapters/assemblyai/client.ts";
import {
  CALLBACK_HEADER,
  newCallbackSecret,
  sha256Hex,
} from "../_shared/adapters/assemblyai/callback.ts";
import { conversationMetrics } from "../_shared/domain/transcripts/metrics.ts";
import {
  knownNames,
  nameDiarizedSpeakers,
  nameKnownSpeakers,
} from "../_shared/domain/transcripts/speakers.ts";
import { fromProviderDialogue, withNames } from "../_shared/domain/transcripts/utterances.ts";
import { AppError, UpstreamError } from "../_shared/platform/errors.ts";
import type { StageHandler, StageResult } from "../_shared/platform/stage_worker.ts";
import { recordJob } from "./results.ts";
import type { TranscribeContext, TranscribeStore } from "./store.ts";

export interface TranscribeDeps {
  store: TranscribeStore;
  assemblyai: AssemblyAIClient;
  /** A short-lived signed URL of a stored object (the private recordings bucket). */
  signedUrl: (storagePath: string, ttlSeconds: number) => Promise<string>;
  webhookUrl: (callId: number) => string;
  /** Bytes per second assumed when a recording's duration is unknown (128 kbit/s MP3). */
  bytesPerSecondGuess?: number;
}

export const WAIT_TRANSCRIPT = "awaiting_transcript";
export const WAIT_BUDGET = "budget_wait";

type Call = Record<string, unknown>;
const obj = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : null;

/** OpenPhone's own transcript of the call, when complete and non-empty. */
export function providerDialogue(call: Call): unknown[] | null {
  const pt = obj(call.provider_transcript);
  if (!pt || pt.status !== "completed" || !Array.isArray(pt.dialogue) || !pt.dialogue.length) {
    return null;
  }
  return pt.dialogue;
}

export function createTranscribeHandler(deps: TranscribeDeps): StageHandler {
  const { store, assemblyai } = deps;

  return async (item, ctx): Promise<StageResult> => {
    const callId = item.subjectId;
    const call = item.subject;
    const eligibility = obj(call.eligibility);
    if (eligibility && eligibility.eligible === false) return; // not for paid processing
    const c = await store.context(callId);
    const t = c.transcript;
    const awaitTranscript = (): StageResult => ({
      defer: { untilMs: ctx.now() + c.settings.fallback_after_sec * 1000, reason: WAIT_TRANSCRIPT },
    });

    if (t?.status === "completed") return;

    if (t?.status === "submitted" && t.job_id) {
      // The webhook has not completed it (yet): look the job up once.
      const outcome = await recordJob(store, callId, await assemblyai.get(t.job_id));
      if (outcome.kind === "completed") return;
      if (outcome.kind === "pending") {
        ctx.log.info("Transcript not ready at the fallback lookup", { job_id: t.job_id });
        return awaitTranscript();
      }
      return await jobFailed(callId, outcome.error);
    }

    if (t?.status === "error") {
      if (!t.error_handled) return await jobFailed(callId, t.error ?? "");
      // Handled by the previous attempt: submit again below.
    }

    if (c.prefer_provider_transcript && await storeProviderTranscript(callId, call)) {
      // No job is in flight here; an attempt that reserved but never submitted gives it back.
      if (t?.reservation_status === "reserved" && t.reservation_id !== null) {
        await store.release(t.reservation_id);
      }
      return;
    }

    if (!c.media) {
      ctx.log.info("Nothing to transcribe: no stored recording or voicemail");
      return;
    }

    // Reserve the estimate (or reuse the reservation of an attempt that did not submit).
    let reservationId = t?.reservation_status === "reserved" ? t.reservation_id : null;
    if (reservationId === null) {
      const durationSec = estimateDuration(c, call, deps.bytesPerSecondGuess ?? 16_000);
      const estimate = await store.estimate(durationSec, c.settings.speech_models);
      if (estimate === null) {
        throw new AppError(
          "config_invalid",
          `No AssemblyAI price for ${
            c.settings.speech_models.join(", ")
          }: add it to switchboard.prices`,
        );
      }
      const r = await store.reserve(callId, estimate);
      if (!r.ok) {
        ctx.log.info("Over the spend budget: waiting", { reason: r.reason });
        return { defer: { untilMs: Date.parse(r.resume_at), reason: WAIT_BUDGET } };
      }
      reservationId = r.reservation_id;
    }

    const secret = newCallbackSecret();
    const begun = await store.beginSubmission(
      callId,
      c.media.id,
      await sha256Hex(secret),
      c.settings.speech_models,
      reservationId,
    );
    if (!begun) {
      // A job appeared since we read (a concurrent run): look it up next time.
      return awaitTranscript();
    }
    const audioUrl = await deps.signedUrl(c.media.storage_path, c.settings.signed_url_ttl_seconds);
    let job;
    try {
      job = await assemblyai.submit({
        audioUrl,
        speechModels: c.settings.speech_models,
        webhookUrl: deps.webhookUrl(callId),
        webhookAuthHeaderName: CALLBACK_HEADER,
        webhookAuthHeaderValue: secret,
        languageCode: c.settings.language_code,
        speakersExpected: c.settings.speakers_expected,
      });
    } catch (e) {
      // Refused for good (bad model, bad key …): nothing will be charged. A retryable failure
      // keeps the reservation for the next attempt.
      if (e instanceof UpstreamError && !e.retryable) await store.release(reservationId);
      throw e;
    }
    await store.submitted(callId, job.id);
    ctx.log.info("Transcription submitted", { job_id: job.id, media_kind: c.media.kind });
    return awaitTranscript();
  };

  async function jobFailed(callId: number, error: string): Promise<never> {
    await store.errorHandled(callId);
    const reason = error.replace(/\s+/g, " ").slice(0, 500) || "no message";
    if (transcriptErrorIsPermanent(error)) {
      throw new AppError(
        "validation_failed",
        `AssemblyAI cannot transcribe this recording: ${reason}`,
        { retryable: false, details: { vendor: "assemblyai" } },
      );
    }
    throw new AppError("upstream_failed", `AssemblyAI transcription failed: ${reason}`, {
      retryable: true,
      details: { vendor: "assemblyai" },
    });
  }

  async function storeProviderTranscript(callId: number, call: Call): Promise<boolean> {
    const names = knownNames(call);
    const dialogue = providerDialogue(call);
    if (dialogue) {
      const { utterances: raw, roles } = fromProviderDialogue(dialogue);
      if (raw.length) {
        const speakers = nameKnownSpeakers(roles, names);
        const utterances = withNames(raw, speakers);
        const pt = obj(call.provider_transcript)!;
        return await store.storeProvider(callId, {
          utterances,
          speakers,
          metrics: conversationMetrics(utterances),
          audioDurationSec: typeof pt.duration === "number" ? pt.duration : null,
        });
      }
    }
    // A voicemail OpenPhone transcribed: one speaker, the caller.
    const vm = obj(call.voicemail);
    const text = typeof vm?.transcript === "string" ? vm.transcript.trim() : "";
    if (!text) return false;
    const duration = typeof vm?.duration_sec === "number"
      ? vm.duration_sec
      : typeof vm?.duration === "number"
      ? vm.duration
      : null;
    const raw = [{ speaker: "A", start_ms: 0, end_ms: Math.round((duration ?? 0) * 1000), text }];
    const speakers = nameDiarizedSpeakers(["A"], {
      ...names,
      direction: null,
      mediaKind: "voicemail",
    });
    const utterances = withNames(raw, speakers);
    return await store.storeProvider(callId, {
      utterances,
      speakers,
      metrics: conversationMetrics(utterances),
      audioDurationSec: duration,
    });
  }
}

/** Seconds of audio to reserve for: the stored file's, the call's, or a guess from its size. */
export function estimateDuration(c: TranscribeContext, call: Call, bytesPerSecond: number): number {
  const m = c.media;
  if (m?.duration_sec) return m.duration_sec;
  const vm = obj(call.voicemail);
  if (m?.kind === "voicemail" && typeof vm?.duration_sec === "number") return vm.duration_sec;
  if (m?.kind === "recording" && typeof call.duration_sec === "number" && call.duration_sec > 0) {
    return call.duration_sec;
  }
  if (m?.bytes) return Math.ceil(m.bytes / bytesPerSecond);
  return 3600;
}
