/**
 * Why a recording or voicemail is not in Storage, in words: the stage's log and dead-letter
 * messages and the call's Notion page say it the same way ("75 MB is over the 50 MB file-size
 * limit"). Sizes are megabytes as Supabase counts them (1 MB = 1,048,576 bytes: the Free plan's
 * "50 MB" limit is 52,428,800 bytes).
 */

const MB = 1024 * 1024;

/** Why a media item was not stored (switchboard.call_media.skipped_reason). */
export type NotStoredReason = "too_large";

/** "75 MB", "4.5 MB"; beside a limit it is over, never rounded down to that limit. */
export function megabytes(bytes: number, over?: number): string {
  const mb = bytes / MB;
  let text = String(mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10);
  // Never "50 MB is over the 50 MB limit": more decimals (rounded down) while they hide it.
  if (over !== undefined && bytes > over) {
    const limit = Number(megabytes(over).slice(0, -3));
    for (let d = 1; Number(text) <= limit && d <= 4; d++) {
      text = String(Math.floor(mb * 10 ** d) / 10 ** d);
    }
    if (Number(text) <= limit) return `${bytes} bytes`;
  }
  return `${text} MB`;
}

/**
 * "75 MB is over the 50 MB file-size limit"; without the size (it only showed while streaming)
 * "it is larger than the 50 MB file-size limit"; without the limit (Storage refused it with its
 * own) "… the Storage file-size limit".
 */
export function tooLargeText(bytes: number | null, limitBytes: number | null): string {
  const limit = limitBytes === null
    ? "the Storage file-size limit"
    : `the ${megabytes(limitBytes)} file-size limit`;
  if (bytes === null) return `it is larger than ${limit}`;
  return `${megabytes(bytes, limitBytes ?? undefined)} is over ${limit}`;
}

/** One media item that was not stored, as call_publish_inputs lists them. */
export interface NotStoredMedia {
  kind: string;
  reason: string;
  bytes: number | string | null;
  size_limit_bytes: number | string | null;
}

const num = (v: number | string | null): number | null => {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
};

/** "75 MB is over the 50 MB file-size limit". */
export function notStoredWhy(m: NotStoredMedia): string {
  return m.reason === "too_large"
    ? tooLargeText(num(m.bytes), num(m.size_limit_bytes))
    : `it was not stored (${m.reason})`;
}

/** "Recording not stored: 75 MB is over the 50 MB file-size limit" (no final stop). */
export function notStoredNote(m: NotStoredMedia): string {
  return `${m.kind === "voicemail" ? "Voicemail" : "Recording"} not stored: ${notStoredWhy(m)}`;
}
