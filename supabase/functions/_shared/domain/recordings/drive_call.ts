/**
 * A call-recording file from Drive, as a call record for `switchboard.merge_call('drive', …)`.
 * What the file name says is combined with the optional sidecar (the sidecar wins: it was
 * written by the recorder with more care than a file name). A file whose name matches no known
 * pattern is still a call, with what is known, and flagged `unparsed_name` for review.
 */
import type { CountryCode } from "libphonenumber-js";
import { toE164 } from "../phones/e164.ts";
import { parseRecordingName } from "./recording_name.ts";
import type { SidecarInfo } from "./sidecar.ts";

export interface DriveFileInfo {
  id: string;
  name: string;
  mimeType: string;
  createdTime?: string | undefined;
  modifiedTime?: string | undefined;
  size?: string | undefined;
  md5Checksum?: string | undefined;
}

export interface DriveCallOptions {
  folderId: string;
  /** Where the phones are, for names written in local time. */
  timeZone: string;
  defaultCountry: CountryCode;
  sidecar: { fileId: string; info: SidecarInfo } | null;
}

/** Audio files are calls; everything else in the folder (sidecars, notes) is not. */
export function isRecordingFile(file: { mimeType: string; name: string }): boolean {
  return file.mimeType.startsWith("audio/") ||
    /\.(m4a|mp3|amr|aac|oga|ogg|opus|wav|3gp|flac)$/i.test(file.name);
}

export function driveFileToCall(
  file: DriveFileInfo,
  opts: DriveCallOptions,
): Record<string, unknown> {
  const name = parseRecordingName(file.name, opts.timeZone);
  const side = opts.sidecar?.info ?? null;
  const rawNumber = side?.phoneNumber ?? name.phoneNumber;
  const number = toE164(rawNumber, opts.defaultCountry);
  const direction = side?.direction ?? name.direction;
  const startedAt = side?.startedAt ?? name.startedAt;
  const flags: Record<string, unknown> = {};
  if (name.pattern === null) flags.unparsed_name = true;
  if (rawNumber && !number) flags.unparsed_number = rawNumber;
  if (!startedAt) flags.start_time_from_file = true;

  return {
    external_id: file.id,
    direction,
    participants: number ? [number] : [],
    from_number: direction === "incoming" ? number : null,
    to_number: direction === "outgoing" ? number : null,
    started_at:
      (startedAt ?? (file.createdTime ? new Date(file.createdTime) : null))?.toISOString() ?? null,
    duration_sec: side?.durationSec === null || side?.durationSec === undefined
      ? null
      : Math.round(side.durationSec),
    contact_name: side?.contactName ?? name.contactName,
    provider_status: "completed",
    recordings: [{
      id: file.id,
      source: "gdrive",
      type: file.mimeType,
      size: file.size === undefined ? null : Number(file.size),
      status: "completed",
    }],
    source_metadata: {
      folder_id: opts.folderId,
      file_name: file.name,
      name_pattern: name.pattern,
      md5: file.md5Checksum ?? null,
      sidecar_file_id: opts.sidecar?.fileId ?? null,
      ...flags,
    },
  };
}
