/**
 * Validation of `POST /v2/transcript` bodies, as strict as the real endpoint: unknown keys are a
 * schema error, each parameter is type-checked, and the first problem is reported in
 * AssemblyAI's `{error}` wording. Real parameters whose effect the fake does not simulate
 * (summaries, PII redaction, multichannel …) are refused with a `sandbox:` message rather than
 * silently ignored, so code depending on them fails loudly instead of seeing empty results.
 */
import {
  AUDIO_URL_MISSING,
  AUDIO_URL_NOT_HTTP,
  INVALID_SCHEMA,
  mustBe,
  sandboxUnsupported,
  SPEECH_MODEL_DEPRECATED,
  SPEECH_MODELS_EMPTY,
  speechModelsOneOf,
} from "./errors.ts";
import { LANGUAGE_CODES, SPEECH_MODEL_IDS } from "./models.ts";

export interface CreateParams {
  audio_url: string;
  /** null when the request left it out (allowed only when speech_models are optional). */
  speech_models: string[] | null;
  language_code: string | null;
  language_detection: boolean;
  punctuate: boolean;
  format_text: boolean;
  disfluencies: boolean;
  filter_profanity: boolean;
  speaker_labels: boolean;
  speakers_expected: number | null;
  audio_start_from: number | null;
  audio_end_at: number | null;
  webhook_url: string | null;
  webhook_auth_header_name: string | null;
  webhook_auth_header_value: string | null;
  keyterms_prompt: string[] | null;
  prompt: string | null;
  temperature: number | null;
}

/** Parameters the fake simulates (or that have no observable effect on its scripted audio). */
const SIMULATED = new Set([
  "audio_url",
  "speech_model",
  "speech_models",
  "language_code",
  "language_detection",
  "punctuate",
  "format_text",
  "disfluencies",
  "filter_profanity",
  "speaker_labels",
  "speakers_expected",
  "audio_start_from",
  "audio_end_at",
  "webhook_url",
  "webhook_auth_header_name",
  "webhook_auth_header_value",
  "keyterms_prompt",
  "prompt",
  "temperature",
]);

/** Real `TranscriptOptionalParams` the fake refuses explicitly (SDK openapi.generated.ts). */
const NOT_SIMULATED = new Set([
  "auto_chapters",
  "auto_highlights",
  "boost_param",
  "content_safety",
  "content_safety_confidence",
  "custom_spelling",
  "custom_topics",
  "domain",
  "dual_channel",
  "entity_detection",
  "iab_categories",
  "keyterms_prompt_options",
  "language_confidence_threshold",
  "language_detection_options",
  "multichannel",
  "redact_pii",
  "redact_pii_audio",
  "redact_pii_audio_quality",
  "redact_pii_policies",
  "redact_pii_return_unredacted",
  "redact_pii_sub",
  "remove_audio_tags",
  "sentiment_analysis",
  "speaker_options",
  "speech_threshold",
  "speech_understanding",
  "summarization",
  "summary_model",
  "summary_type",
  "topics",
  "word_boost",
]);

export type Validated = { ok: true; params: CreateParams } | { ok: false; error: string };

class Invalid extends Error {}
const fail = (message: string): never => {
  throw new Invalid(message);
};

export function validateCreate(
  body: unknown,
  opts: { requireSpeechModels: boolean },
): Validated {
  try {
    return { ok: true, params: parse(body, opts) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}

function parse(body: unknown, opts: { requireSpeechModels: boolean }): CreateParams {
  if (!body || typeof body !== "object" || Array.isArray(body)) fail(INVALID_SCHEMA);
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (NOT_SIMULATED.has(key) && !isOff(b[key])) fail(sandboxUnsupported(key));
    if (!SIMULATED.has(key) && !NOT_SIMULATED.has(key)) fail(INVALID_SCHEMA);
  }

  const audioUrl = b.audio_url;
  if (audioUrl === undefined || audioUrl === null || audioUrl === "") fail(AUDIO_URL_MISSING);
  if (typeof audioUrl !== "string" || !/^https?:\/\//i.test(audioUrl)) fail(AUDIO_URL_NOT_HTTP);

  if (b.speech_model !== undefined && b.speech_model !== null) fail(SPEECH_MODEL_DEPRECATED);
  const models = speechModels(b.speech_models, opts.requireSpeechModels);

  const languageCode = optional(b, "language_code", (v) => {
    if (typeof v !== "string") fail(mustBe("language_code", "a String"));
    if (!LANGUAGE_CODES.has(v as string)) {
      fail(`language_code must be one of the supported language codes, got "${v}"`);
    }
    return v as string;
  });

  const speakersExpected = optional(b, "speakers_expected", (v) => {
    const n = integer("speakers_expected", v);
    if (n < 1 || n > 10) fail("speakers_expected must be between 1 and 10");
    return n;
  });
  const startFrom = optional(b, "audio_start_from", (v) => nonNegative("audio_start_from", v));
  const endAt = optional(b, "audio_end_at", (v) => nonNegative("audio_end_at", v));
  if (startFrom !== null && endAt !== null && endAt <= startFrom) {
    fail("audio_end_at must be greater than audio_start_from");
  }

  const webhookUrl = optional(b, "webhook_url", (v) => {
    if (typeof v !== "string") fail(mustBe("webhook_url", "a String"));
    if (!isHttpUrl(v as string)) fail("webhook_url must be a valid http or https URL");
    return v as string;
  });
  const headerName = optional(b, "webhook_auth_header_name", (v) => headerToken(v));
  const headerValue = optional(b, "webhook_auth_header_value", (v) => {
    if (typeof v !== "string") fail(mustBe("webhook_auth_header_value", "a String"));
    return v as string;
  });
  // Both or neither: a name without a value (or the reverse) cannot be sent as a header.
  if ((headerName === null) !== (headerValue === null)) {
    fail(
      "webhook_auth_header_name and webhook_auth_header_value must be provided together",
    );
  }

  const keyterms = optional(b, "keyterms_prompt", (v) => stringList("keyterms_prompt", v));
  const prompt = optional(b, "prompt", (v) => {
    if (typeof v !== "string") fail(mustBe("prompt", "a String"));
    return v as string;
  });
  // Async Universal-3 Pro takes one or the other (models reference: "prompt and keyterms_prompt
  // are mutually exclusive on async (pre-recorded) Universal-3 Pro").
  if (keyterms !== null && prompt !== null && models?.includes("universal-3-pro")) {
    fail("prompt and keyterms_prompt cannot be used in the same request");
  }
  const temperature = optional(b, "temperature", (v) => {
    if (typeof v !== "number" || !Number.isFinite(v)) fail(mustBe("temperature", "a Number"));
    if ((v as number) < 0 || (v as number) > 1) fail("temperature must be between 0 and 1");
    return v as number;
  });

  return {
    audio_url: audioUrl as string,
    speech_models: models,
    language_code: languageCode,
    language_detection: bool(b, "language_detection", false),
    punctuate: bool(b, "punctuate", true),
    format_text: bool(b, "format_text", true),
    disfluencies: bool(b, "disfluencies", false),
    filter_profanity: bool(b, "filter_profanity", false),
    speaker_labels: bool(b, "speaker_labels", false),
    speakers_expected: speakersExpected,
    audio_start_from: startFrom,
    audio_end_at: endAt,
    webhook_url: webhookUrl,
    webhook_auth_header_name: headerName,
    webhook_auth_header_value: headerValue,
    keyterms_prompt: keyterms,
    prompt,
    temperature,
  };
}

function speechModels(v: unknown, required: boolean): string[] | null {
  if (v === undefined || v === null) {
    if (required) fail(SPEECH_MODELS_EMPTY);
    return null;
  }
  if (!Array.isArray(v) || v.length === 0) fail(SPEECH_MODELS_EMPTY);
  const list = v as unknown[];
  for (const m of list) {
    if (typeof m !== "string" || !(SPEECH_MODEL_IDS as readonly string[]).includes(m)) {
      fail(speechModelsOneOf(SPEECH_MODEL_IDS));
    }
  }
  return list as string[];
}

/** A feature left off: null, false or an empty list behave as if the key were absent. */
function isOff(v: unknown): boolean {
  return v === null || v === false || (Array.isArray(v) && v.length === 0);
}

function optional<T>(b: Record<string, unknown>, key: string, check: (v: unknown) => T): T | null {
  const v = b[key];
  return v === undefined || v === null ? null : check(v);
}

function bool(b: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = b[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") fail(mustBe(key, "a Boolean"));
  return v as boolean;
}

function integer(key: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) fail(mustBe(key, "an Integer"));
  return v as number;
}

function nonNegative(key: string, v: unknown): number {
  const n = integer(key, v);
  if (n < 0) fail(`${key} must be greater than or equal to 0`);
  return n;
}

function stringList(key: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    fail(mustBe(key, "a List of Strings"));
  }
  return v as string[];
}

/** An RFC 9110 token, or the header could not be sent at all. */
function headerToken(v: unknown): string {
  if (typeof v !== "string") fail(mustBe("webhook_auth_header_name", "a String"));
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v as string)) {
    fail("webhook_auth_header_name must be a valid HTTP header name");
  }
  return v as string;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
