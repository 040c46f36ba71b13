/**
 * call_transcribe's SQL, one statement per step (supabase/migrations/*_call_transcribe.sql).
 * Shared with assemblyai-webhook, which records the same completions.
 */
import type { Sql } from "../_shared/platform/db.ts";

export interface TranscribeContext {
  prefer_provider_transcript: boolean;
  settings: {
    speech_models: string[];
    language_code: string | null;
    speakers_expected: number | null;
    fallback_after_sec: number;
    signed_url_ttl_seconds: number;
  };
  transcript: {
    source: "provider" | "assemblyai";
    status: "submitting" | "submitted" | "completed" | "error";
    job_id: string | null;
    error: string | null;
    error_handled: boolean;
    reservation_id: number | null;
    reservation_status: "reserved" | "settled" | "released" | null;
  } | null;
  media: {
    id: number;
    kind: "recording" | "voicemail";
    storage_path: string;
    duration_sec: number | null;
    bytes: number | null;
    content_type: string | null;
  } | null;
}

export type Reservation = { ok: true; reservation_id: number } | {
  ok: false;
  reason: string;
  resume_at: string;
};

export interface NamingRow {
  direction: "incoming" | "outgoing" | null;
  contact_name: string | null;
  source_metadata: Record<string, unknown>;
  media_kind: "recording" | "voicemail" | null;
}

export interface StoredResult {
  stored: boolean;
  reason?: string;
  cost_usd?: number | null;
}

export interface TranscribeStore {
  context(callId: number): Promise<TranscribeContext>;
  estimate(durationSec: number, models: string[]): Promise<number | null>;
  reserve(callId: number, estimateUsd: number): Promise<Reservation>;
  release(reservationId: number): Promise<boolean>;
  beginSubmission(
    callId: number,
    mediaId: number,
    secretSha256: string,
    models: string[],
    reservationId: number,
  ): Promise<boolean>;
  submitted(callId: number, jobId: string): Promise<boolean>;
  namingRow(callId: number): Promise<NamingRow | null>;
  complete(
    callId: number,
    jobId: string,
    t: {
      utterances: unknown;
      speakers: unknown;
      metrics: unknown;
      audioDurationSec: number | null;
      speechModel: string | null;
    },
  ): Promise<StoredResult>;
  fail(callId: number, jobId: string, error: string): Promise<boolean>;
  errorHandled(callId: number): Promise<boolean>;
  storeProvider(
    callId: number,
    t: {
      utterances: unknown;
      speakers: unknown;
      metrics: unknown;
      audioDurationSec: number | null;
    },
  ): Promise<boolean>;
  /** The webhook's view: the call's current job and the hash of its callback secret. */
  callbackTarget(
    callId: number,
  ): Promise<
    { job_id: string | null; callback_secret_sha256: string | null; status: string } | null
  >;
  resume(callId: number): Promise<boolean>;
}

type Json = Parameters<Sql["json"]>[0];

export function createTranscribeStore(sql: Sql): TranscribeStore {
  const j = (v: unknown) => sql.json(v as Json);
  return {
    async context(callId) {
      const [row] = await sql<{ c: TranscribeContext }[]>`
        select switchboard.call_transcribe_context(${callId}::bigint) as c`;
      return row!.c;
    },
    async estimate(durationSec, models) {
      const [row] = await sql<{ usd: string | null }[]>`
        select switchboard.transcription_estimate_usd(${durationSec}::numeric, ${models}::text[])::text as usd`;
      return row?.usd === null || row?.usd === undefined ? null : Number(row.usd);
    },
    async reserve(callId, estimateUsd) {
      const [row] = await sql<{ r: Reservation }[]>`
        select switchboard.reserve_spend(${callId}::bigint, 'assemblyai', 'transcription',
          ${estimateUsd}::numeric) as r`;
      return row!.r;
    },
    async release(reservationId) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.release_spend(${reservationId}::bigint) as ok`;
      return row?.ok ?? false;
    },
    async beginSubmission(callId, mediaId, secretSha256, models, reservationId) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.begin_transcript_submission(${callId}::bigint, ${mediaId}::bigint,
          ${secretSha256}, ${models}::text[], ${reservationId}::bigint) as ok`;
      return row?.ok ?? false;
    },
    async submitted(callId, jobId) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.transcript_submitted(${callId}::bigint, ${jobId}) as ok`;
      return row?.ok ?? false;
    },
    async namingRow(callId) {
      const [row] = await sql<NamingRow[]>`
        select c.direction, c.contact_name, c.source_metadata, m.kind as media_kind
        from switchboard.calls c
        left join switchboard.call_transcripts t on t.call_id = c.id
        left join switchboard.call_media m on m.id = t.media_id
        where c.id = ${callId}::bigint`;
      return row ?? null;
    },
    async complete(callId, jobId, t) {
      const [row] = await sql<{ r: StoredResult }[]>`
        select switchboard.complete_assemblyai_transcript(${callId}::bigint, ${jobId},
          ${j(t.utterances)}::jsonb, ${j(t.speakers)}::jsonb, ${j(t.metrics)}::jsonb,
          ${t.audioDurationSec}::numeric, ${t.speechModel}) as r`;
      const r = row!.r;
      return {
        ...r,
        cost_usd: r.cost_usd === null || r.cost_usd === undefined ? null : Number(r.cost_usd),
      };
    },
    async fail(callId, jobId, error) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.fail_assemblyai_transcript(${callId}::bigint, ${jobId}, ${error}) as ok`;
      return row?.ok ?? false;
    },
    async errorHandled(callId) {
      const [row] = await sql<{ ok: boolean | null }[]>`
        select switchboard.transcript_error_handled(${callId}::bigint) as ok`;
      return row?.ok ?? false;
    },
    async storeProvider(callId, t) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.store_provider_transcript(${callId}::bigint, ${j(t.utterances)}::jsonb,
          ${j(t.speakers)}::jsonb, ${j(t.metrics)}::jsonb, ${t.audioDurationSec}::numeric) as ok`;
      return row?.ok ?? false;
    },
    async callbackTarget(callId) {
      const [row] = await sql<
        { job_id: string | null; callback_secret_sha256: string | null; status: string }[]
      >`
        select t.job_id, t.callback_secret_sha256, t.status
        from switchboard.call_transcripts t
        where t.call_id = ${callId}::bigint and t.source = 'assemblyai'`;
      return row ?? null;
    },
    async resume(callId) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.resume('call', ${callId}::bigint, 'call_transcribe') as ok`;
      return row?.ok ?? false;
    },
  };
}
