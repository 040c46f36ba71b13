/**
 * call_enrich's decisions about an OpenPhone call, as pure functions of the call row
 * (`switchboard.calls` as JSON) and of OpenPhone's v1 REST answers:
 *
 *   what to fetch   only what the webhooks did not deliver (details, recordings, voicemail,
 *                   OpenPhone's own transcript and summary), so each call costs few requests
 *                   of the shared 10 requests/s budget
 *   how to merge    REST answers → records for `switchboard.merge_call` (the ingest shapes)
 *   is it ready     a call still in progress, or media OpenPhone is still producing, is "not
 *                   ready" (a retryable failure) until `media_wait` after the call ended
 */
import type {
  RestCall,
  RestRecording,
  RestSummary,
  RestTranscript,
  RestVoicemail,
} from "../../adapters/openphone/schemas.ts";

/** The columns of a call row this stage reads. */
export interface CallRow {
  id: number;
  source: "openphone" | "drive";
  external_id: string;
  phone_number_id?: string | null;
  direction?: "incoming" | "outgoing" | null;
  provider_status?: string | null;
  participants?: string[] | null;
  started_at?: string | null;
  answered_at?: string | null;
  completed_at?: string | null;
  duration_sec?: number | null;
  recordings?: Record<string, unknown>[] | null;
  voicemail?: Record<string, unknown> | null;
  provider_transcript?: Record<string, unknown> | null;
  provider_summary?: Record<string, unknown> | null;
  merged_into_call_id?: number | null;
}

/** v1 call statuses after which the call is over (`answered` is not: 2026 uses it mid-call). */
const FINISHED = new Set([
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
  "missed",
  "forwarded",
  "abandoned",
]);
/** Recording statuses OpenPhone is still working on ("stopped" is final: the user stopped it). */
const RECORDING_PENDING = new Set(["in-progress", "paused", "processing", "stopping"]);

/** Legacy (v3) webhook calls carry no call id: their key cannot be looked up by id. */
export function isLegacyKey(externalId: string): boolean {
  return externalId.startsWith("legacy:");
}

export function callFinished(row: CallRow): boolean {
  return Boolean(row.completed_at) || FINISHED.has(row.provider_status ?? "");
}

const recordingsOf = (row: CallRow): Record<string, unknown>[] =>
  Array.isArray(row.recordings) ? row.recordings : [];
const isDriveEntry = (r: Record<string, unknown>) => r.source === "gdrive" || r.source === "drive";
const completedWithUrl = (r: Record<string, unknown>) =>
  (r.status ?? "completed") === "completed" && typeof r.url === "string" && r.url !== "";

/** Audio a paid stage could use: a completed recording (OpenPhone's, or Drive's). */
export function hasRecordingAudio(row: CallRow): boolean {
  return recordingsOf(row).some((r) => completedWithUrl(r) || isDriveEntry(r));
}

/** The call's own details are incomplete: fetch `GET /v1/calls/{id}`. */
export function needsDetails(row: CallRow): boolean {
  return !callFinished(row) || (row.duration_sec ?? null) === null || !row.direction ||
    !row.phone_number_id || !row.started_at || !(row.participants?.length);
}

/** An answered call whose recordings are missing or unfinished: fetch its recordings. */
export function needsRecordings(row: CallRow): boolean {
  if (!row.answered_at) return false;
  const own = recordingsOf(row).filter((r) => !isDriveEntry(r));
  return own.length === 0 || own.some((r) => !completedWithUrl(r));
}

/** An unanswered incoming call may have a voicemail we do not have complete yet. */
export function needsVoicemail(row: CallRow): boolean {
  if (row.answered_at || row.direction !== "incoming") return false;
  const vm = row.voicemail;
  return !vm || vm.status !== "completed" || typeof vm.url !== "string";
}

/** OpenPhone's own transcript (or summary) exists only for recorded calls. */
export function needsProviderArtifact(
  row: CallRow,
  artifact: Record<string, unknown> | null | undefined,
): boolean {
  return hasRecordingAudio(row) && artifact?.status !== "completed";
}

/** REST call → merge_call record. The workspace's own number is not a participant. */
export function lifecycleRecord(
  call: RestCall,
  ownNumber: string | null,
  known: CallRow,
): Record<string, unknown> {
  const external = ownNumber ? call.participants.filter((p) => p !== ownNumber) : null;
  const record: Record<string, unknown> = {
    external_id: known.external_id,
    phone_number_id: call.phoneNumberId ?? null,
    user_id: call.userId ?? null,
    direction: call.direction ?? null,
    provider_status: call.status ?? null,
    started_at: call.createdAt,
    answered_at: call.answeredAt ?? null,
    completed_at: call.completedAt ?? null,
    duration_sec: call.duration ?? null,
  };
  if (external && external.length) {
    record.participants = external;
    if (call.direction && ownNumber) {
      const incoming = call.direction === "incoming";
      record.from_number = incoming ? external[0] : ownNumber;
      record.to_number = incoming ? ownNumber : external[0];
    }
  } else if (!known.participants?.length && call.participants.length) {
    // The own number is unknown: both sides beat none (dedupe matches on overlap).
    record.participants = call.participants;
  }
  return record;
}

/** The version a REST call's details carry (as the backfill uses). */
export function lifecycleVersion(call: RestCall): string {
  return call.updatedAt ?? call.createdAt;
}

export function recordingEntries(items: RestRecording[]): Record<string, unknown>[] {
  return items.map((r) => ({
    id: r.id,
    url: r.url ?? null,
    type: r.type ?? null,
    duration_sec: r.duration ?? null,
    started_at: r.startTime ?? null,
    status: r.status ?? null,
  }));
}

export function voicemailEntry(vm: RestVoicemail): Record<string, unknown> {
  return {
    id: vm.id ?? null,
    url: vm.recordingUrl ?? null,
    duration_sec: vm.duration ?? null,
    transcript: vm.transcript ?? null,
    status: vm.status ?? null,
  };
}

export function transcriptEntry(t: RestTranscript): Record<string, unknown> | null {
  if (!t.status || t.status === "absent") return null;
  return { status: t.status, dialogue: t.dialogue ?? null, duration: t.duration ?? null };
}

export function summaryEntry(s: RestSummary): Record<string, unknown> | null {
  if (!s.status || s.status === "absent") return null;
  return {
    status: s.status,
    summary: s.summary ?? null,
    next_steps: s.nextSteps ?? null,
    ...(s.jobs === undefined ? {} : { jobs: s.jobs }),
  };
}

export type NotReadyCode =
  | "call_in_progress"
  | "recording_not_ready"
  | "voicemail_not_ready"
  | "transcript_not_ready";

export interface ReadinessOptions {
  nowMs: number;
  /** How long after the call ended unfinished media is waited for (call_policy.media_wait). */
  mediaWaitMs: number;
  /** Wait for OpenPhone's transcript (call_policy.prefer_provider_transcript). */
  waitForTranscript: boolean;
}

/** When the call ended: completedAt, else start + duration, else its start. */
export function endedAtMs(row: CallRow): number | null {
  if (row.completed_at) return Date.parse(row.completed_at);
  if (!row.started_at) return null;
  return Date.parse(row.started_at) + (row.duration_sec ?? 0) * 1000;
}

/**
 * Why the call cannot be enriched yet, or null when it can. A call in progress always waits;
 * media OpenPhone is still producing is waited for until `mediaWaitMs` after the call ended,
 * then the call goes on without it (eligibility then says whether audio is missing).
 */
export function notReady(
  row: CallRow,
  opts: ReadinessOptions,
): { code: NotReadyCode; message: string } | null {
  if (!callFinished(row)) {
    return {
      code: "call_in_progress",
      message: `Call ${row.id} is still ${row.provider_status ?? "in progress"} at OpenPhone`,
    };
  }
  const ended = endedAtMs(row);
  if (ended !== null && opts.nowMs > ended + opts.mediaWaitMs) return null;
  const pending = recordingsOf(row).find((r) => RECORDING_PENDING.has(String(r.status)));
  if (pending) {
    return {
      code: "recording_not_ready",
      message: `OpenPhone's recording of call ${row.id} is ${String(pending.status)}`,
    };
  }
  if (row.voicemail?.status === "in-progress") {
    return {
      code: "voicemail_not_ready",
      message: `OpenPhone's voicemail of call ${row.id} is in progress`,
    };
  }
  if (
    opts.waitForTranscript && hasRecordingAudio(row) &&
    row.provider_transcript?.status === "in-progress"
  ) {
    return {
      code: "transcript_not_ready",
      message: `OpenPhone's transcript of call ${row.id} is in progress`,
    };
  }
  return null;
}
