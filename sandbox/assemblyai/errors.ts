/**
 * AssemblyAI's error bodies and the wording of the messages the fake returns.
 *
 * Every REST error is `application/json` `{"error": "<message>"}` (openapi.yml `Error`); the SDK
 * throws `new Error(json.error)`, so the message text is what callers see and match on. Messages
 * marked VERIFIED were seen in AssemblyAI's own spec/docs or in live captures of the API; the
 * others follow the same style and are listed as unverified in README.md.
 */
import { json } from "../core/json.ts";

export function aaiError(status: number, message: string, headers: HeadersInit = {}): Response {
  return json({ error: message }, status, headers);
}

/** VERIFIED (live capture 2026-09-18): identical for a missing and a wrong key. */
export const AUTH_ERROR = "Authentication error, API token missing/invalid";

/** VERIFIED: the answer to `{}` and to a body that does not fit the create schema. */
export const AUDIO_URL_MISSING = "Transcript creation error, audio_url not found";
/** VERIFIED (node-sdk issue #66): a local path passed as audio_url. */
export const AUDIO_URL_NOT_HTTP = "Transcript creation error, audio_url should start with http";
/** VERIFIED (seen for a wrongly shaped `speech_understanding`). */
export const INVALID_SCHEMA =
  "Invalid endpoint schema, please refer to documentation for examples.";
/** VERIFIED (live capture 2026-09-18) for any non-null `speech_model`. */
export const SPEECH_MODEL_DEPRECATED = 'speech_model is deprecated. Use "speech_models" instead. ' +
  "See documentation: https://www.assemblyai.com/docs/pre-recorded-audio/select-the-speech-model";
/** VERIFIED (several 2026 client reports). */
export const SPEECH_MODELS_EMPTY = "speech_models must be a non-empty list";
/** VERIFIED format ("speech_models must be one of: universal-3-pro, universal-2"). */
export const speechModelsOneOf = (ids: readonly string[]): string =>
  `speech_models must be one of: ${ids.join(", ")}`;

/** VERIFIED wording from a third-party client that mapped it; status 400 as observed there. */
export const TRANSCRIPT_NOT_FOUND = "Transcript lookup error, transcript id not found";

/** VERIFIED (openapi.yml example "format_text must be a Boolean"); the other types copy it. */
export const mustBe = (key: string, what: string): string => `${key} must be ${what}`;

/** VERIFIED (openapi.yml TranscriptList example). */
export const downloadError = (url: string): string =>
  `Download error, unable to download ${url}. ` +
  "Please make sure the file exists and is accessible from the internet.";

/** VERIFIED format: "… File type is text/html (HTML document, ASCII text)." */
export const notAudioError = (fileType: string): string =>
  `Transcoding failed. File does not appear to contain audio. File type is ${fileType}.`;

/** VERIFIED wording (a client's classifier of AssemblyAI failures). */
export const NO_SPOKEN_AUDIO =
  "language_detection cannot be performed on files with no spoken audio.";

// Unverified below: same style, wording chosen here (see README.md).
export const DELETE_IN_PROGRESS =
  "Transcript deletion error, the transcript is still queued or processing";
export const RATE_LIMITED = "Too Many Requests";
export const UPLOAD_TOO_LARGE = "Upload error, file size exceeds the 2.2GB limit";
export const FILE_TOO_LARGE = "Transcoding failed. File size exceeds the 5GB limit.";
export const AUDIO_TOO_LONG = "Transcoding failed. Audio duration exceeds the 10 hour limit.";
export const sandboxUnsupported = (key: string): string =>
  `sandbox: ${key} is an AssemblyAI parameter the sandbox fake does not simulate`;
export const sandboxUndecodable = (fileType: string): string =>
  `sandbox: only the sandbox's own WAV audio (sandbox/core/audio.ts) can be transcribed; ` +
  `got ${fileType}`;
