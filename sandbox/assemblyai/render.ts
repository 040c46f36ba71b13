/**
 * The public Transcript object (SDK `Transcript` type, openapi.yml) and list items, rendered from
 * a record. Fields for features the fake does not simulate carry the values the real API returns
 * when those features are off (false / null / []), so the object has the real shape.
 */
import { DEFAULT_LANGUAGE } from "./models.ts";
import type { TranscriptRecord } from "./state.ts";

/** Deleted transcripts keep their status; their content is redacted (docs, Workato notes). */
export const DELETED_TEXT = "Deleted by user.";
export const DELETED_AUDIO_URL = "http://deleted_by_user";

export function renderTranscript(r: TranscriptRecord): Record<string, unknown> {
  const p = r.params;
  const done = r.status === "completed";
  const rec = done ? r.recognition : null;
  const out: Record<string, unknown> = {
    id: r.id,
    language_model: "assemblyai_default",
    acoustic_model: "assemblyai_default",
    language_code: r.languageCode ??
      (p.language_detection ? null : p.language_code ?? DEFAULT_LANGUAGE),
    status: r.status,
    audio_url: r.deleted ? DELETED_AUDIO_URL : p.audio_url,
    text: r.deleted ? DELETED_TEXT : rec ? rec.text : null,
    words: r.deleted ? null : rec ? rec.words : null,
    utterances: r.deleted ? null : rec ? rec.utterances : null,
    confidence: rec ? rec.confidence : null,
    audio_duration: done ? r.audioDuration : null,
    punctuate: p.punctuate,
    format_text: p.format_text,
    dual_channel: null,
    multichannel: null,
    webhook_url: p.webhook_url,
    webhook_status_code: r.webhook?.lastStatus ?? null,
    webhook_auth: p.webhook_auth_header_name !== null,
    webhook_auth_header_name: p.webhook_auth_header_name,
    speed_boost: false,
    auto_highlights: false,
    auto_highlights_result: null,
    audio_start_from: p.audio_start_from,
    audio_end_at: p.audio_end_at,
    word_boost: [],
    boost_param: null,
    keyterms_prompt: p.keyterms_prompt,
    prompt: p.prompt,
    temperature: p.temperature,
    filter_profanity: p.filter_profanity,
    redact_pii: false,
    redact_pii_audio: false,
    redact_pii_audio_quality: null,
    redact_pii_policies: null,
    redact_pii_sub: null,
    speaker_labels: p.speaker_labels,
    speakers_expected: p.speakers_expected,
    speaker_options: null,
    content_safety: false,
    content_safety_labels: null,
    iab_categories: false,
    iab_categories_result: null,
    language_detection: p.language_detection,
    language_confidence_threshold: null,
    language_confidence: done && p.language_detection ? 0.99 : null,
    custom_spelling: null,
    throttled: r.status === "queued",
    auto_chapters: false,
    chapters: null,
    summarization: false,
    summary_type: null,
    summary_model: null,
    summary: null,
    custom_topics: false,
    topics: [],
    speech_threshold: null,
    disfluencies: p.disfluencies,
    entity_detection: false,
    entities: null,
    sentiment_analysis: false,
    sentiment_analysis_results: null,
    speech_model: null,
    speech_models: p.speech_models,
    speech_model_used: done ? r.speechModelUsed : null,
  };
  if (r.status === "error") out.error = r.error;
  return out;
}

export function renderListItem(r: TranscriptRecord, baseUrl: string): Record<string, unknown> {
  return {
    id: r.id,
    resource_url: `${baseUrl}/v2/transcript/${r.id}`,
    status: r.status,
    created: timestamp(r.createdAt),
    completed: r.completedAt !== null && r.status === "completed" ? timestamp(r.completedAt) : null,
    audio_url: r.deleted ? DELETED_AUDIO_URL : r.params.audio_url,
    error: r.status === "error" ? r.error : null,
  };
}

/** "2024-03-11T21:29:59.936851": the list's timestamps have microseconds and no zone. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + "000";
}
