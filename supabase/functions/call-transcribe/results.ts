/**
 * What happens to a finished AssemblyAI job, whoever learns of it first (the webhook, or the
 * stage's fallback lookup): a completed transcript gets named speakers and metrics and is stored
 * with its cost settled, in one SQL call that also resumes the call's item; an errored one is
 * recorded and its reservation released. Both are idempotent.
 */
import type { TranscriptView } from "../_shared/adapters/assemblyai/client.ts";
import { conversationMetrics } from "../_shared/domain/transcripts/metrics.ts";
import { knownNames, nameDiarizedSpeakers } from "../_shared/domain/transcripts/speakers.ts";
import {
  fromAssemblyAI,
  speakersInOrder,
  withNames,
} from "../_shared/domain/transcripts/utterances.ts";
import type { StoredResult, TranscribeStore } from "./store.ts";

export type JobOutcome =
  | { kind: "completed"; result: StoredResult }
  | { kind: "error"; recorded: boolean; error: string }
  | { kind: "pending" };

export async function recordJob(
  store: TranscribeStore,
  callId: number,
  t: TranscriptView,
): Promise<JobOutcome> {
  if (t.status === "queued" || t.status === "processing") return { kind: "pending" };
  if (t.status === "error") {
    const error = t.error ?? "";
    return { kind: "error", recorded: await store.fail(callId, t.id, error), error };
  }
  const row = await store.namingRow(callId);
  const raw = fromAssemblyAI(t.utterances ?? []);
  const speakers = nameDiarizedSpeakers(speakersInOrder(raw), {
    ...knownNames({ ...row }),
    direction: row?.direction ?? null,
    mediaKind: row?.media_kind ?? "recording",
  });
  const utterances = withNames(raw, speakers);
  const result = await store.complete(callId, t.id, {
    utterances,
    speakers,
    metrics: conversationMetrics(utterances),
    audioDurationSec: t.audio_duration ?? null,
    speechModel: t.speech_model_used ?? null,
  });
  return { kind: "completed", result };
}
