/**
 * What a call has to store, read from its row: each recording and the voicemail, where each
 * comes from (an OpenPhone media URL or a Drive file), and the deterministic Storage path each
 * one gets, so a retry overwrites the same object instead of adding one.
 */

export type MediaKind = "recording" | "voicemail";

export interface MediaRef {
  kind: MediaKind;
  /** The provider's media id (CR…, VM…) or the Drive file id: unique per call and kind. */
  key: string;
  source: "openphone" | "drive";
  /** OpenPhone: the media URL the call row carries (may be null or expired). */
  url: string | null;
  /** Drive: the file id. */
  driveFileId: string | null;
  /** MIME type as the provider reported it. */
  type: string | null;
  /** Bytes, when the provider said (Drive). */
  size: number | null;
  durationSec: number | null;
  status: string | null;
}

/** Statuses of media that will never have audio. */
const GONE = new Set(["absent", "deleted", "failed"]);

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The media of a call row (`item.subject`), recordings first, oldest first. */
export function mediaOf(call: Record<string, unknown>): MediaRef[] {
  const out: MediaRef[] = [];
  const callIsDrive = call.source === "drive";
  const recordings = Array.isArray(call.recordings) ? call.recordings : [];
  recordings.forEach((r, i) => {
    if (!isObject(r)) return;
    const status = str(r.status);
    if (status && GONE.has(status)) return;
    const fromDrive = r.source === "drive" || r.source === "gdrive" || (callIsDrive && !r.url);
    const driveFileId = fromDrive ? str(r.drive_file_id) ?? str(r.id) : null;
    if (fromDrive && !driveFileId) return;
    out.push({
      kind: "recording",
      key: str(r.id) ?? driveFileId ?? `r${i + 1}`,
      source: fromDrive ? "drive" : "openphone",
      url: fromDrive ? null : str(r.url),
      driveFileId,
      type: str(r.type),
      size: num(r.size),
      durationSec: num(r.duration_sec) ?? num(r.duration),
      status,
    });
  });
  const vm = call.voicemail;
  if (isObject(vm) && str(vm.id) && !(str(vm.status) && GONE.has(str(vm.status)!))) {
    out.push({
      kind: "voicemail",
      key: str(vm.id)!,
      source: "openphone",
      url: str(vm.url) ?? str(vm.recordingUrl),
      driveFileId: null,
      type: str(vm.type),
      size: null,
      durationSec: num(vm.duration_sec) ?? num(vm.duration),
      status: str(vm.status),
    });
  }
  return out;
}

const EXTENSIONS: Record<string, string> = {
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/vnd.wave": "wav",
  "audio/mp4": "m4a",
  "audio/x-m4a": "m4a",
  "audio/m4a": "m4a",
  "audio/aac": "aac",
  "audio/ogg": "ogg",
  "audio/opus": "opus",
  "audio/webm": "webm",
  "audio/amr": "amr",
  "audio/3gpp": "3gp",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
};

/** The essence of a media type ("audio/wav; codecs=1" → "audio/wav"), lower case. */
export function essence(type: string | null | undefined): string | null {
  const e = type?.split(";")[0]?.trim().toLowerCase();
  return e && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(e) ? e : null;
}

/** A file extension for a media type, "audio" when unknown. */
export function extensionFor(type: string | null | undefined): string {
  const e = essence(type);
  if (!e) return "audio";
  return EXTENSIONS[e] ?? (/^audio\/(?:x-)?([a-z0-9]{1,8})$/.exec(e)?.[1] ?? "audio");
}

/**
 * `calls/{call id}/{kind}-{media key}.{ext}`: a function of the call and the media alone, so
 * every attempt writes the same object. Keys are reduced to characters every Storage backend
 * accepts; a reduced key gets a short hash so two keys never collide.
 */
export function storagePath(
  callId: number,
  m: Pick<MediaRef, "kind" | "key">,
  ext: string,
): string {
  const safe = m.key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 120);
  const suffix = safe === m.key ? "" : `-${fnv1a(m.key)}`;
  return `calls/${callId}/${m.kind}-${safe}${suffix}.${ext.replace(/[^a-z0-9]/g, "") || "audio"}`;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
