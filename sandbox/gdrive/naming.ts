/**
 * How Android call recorders name the files they sync to Drive. Each style is one app's default
 * pattern (as documented by the app or catalogued by recording-browser tools), so the
 * pipeline's filename parser meets the variety it will meet in production:
 *
 *   labelled  Call recording John Smith (+1 555-010-0123) 2026-03-04 14-05-22 incoming.m4a
 *   compact   2026-03-04_14-05-22_+15550100123_out.mp3
 *   samsung   Call recording John Smith_260304_140522.m4a          (Samsung Phone)
 *   bcr       20260304_140522.000+0000_in_sim1_+15550100123_John Smith.oga   (Basic Call Recorder)
 *   huawei    John Smith@+15550100123_20260304140522.amr           (Huawei/EMUI)
 *   lineage   +15550100123_260304_140522.m4a                       (LineageOS Dialer)
 *
 * Times in names are the phone's local time (`utcOffsetMinutes`), as the apps write them.
 * The optional sidecar `<same base name>.json` carries the call's metadata.
 */

export const RECORDER_STYLES = [
  "labelled",
  "compact",
  "samsung",
  "bcr",
  "huawei",
  "lineage",
] as const;
export type RecorderStyle = typeof RECORDER_STYLES[number];

export interface CallRecordingSpec {
  /** E.164, e.g. +15550100123. */
  number: string;
  direction: "incoming" | "outgoing";
  /** When the call started (any ISO 8601 instant). */
  startTime: string;
  durationSec: number;
  contactName?: string | null;
  style?: RecorderStyle;
  /** The phone's UTC offset, for the local time the app writes into the name. */
  utcOffsetMinutes?: number;
}

export interface CallSidecar {
  direction: "incoming" | "outgoing";
  number: string;
  contactName: string | null;
  startTime: string;
  durationSec: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

interface Local {
  y: string;
  yy: string;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
  ms: string;
  offset: string;
}

function local(startTime: string, offsetMin: number): Local {
  const t = new Date(Date.parse(startTime) + offsetMin * 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  return {
    y: String(t.getUTCFullYear()),
    yy: pad(t.getUTCFullYear() % 100),
    mo: pad(t.getUTCMonth() + 1),
    d: pad(t.getUTCDate()),
    h: pad(t.getUTCHours()),
    mi: pad(t.getUTCMinutes()),
    s: pad(t.getUTCSeconds()),
    ms: pad(t.getUTCMilliseconds(), 3),
    offset: `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`,
  };
}

/** +15550100123 → "+1 555-010-0123" (NANP); other numbers stay in E.164. */
export function displayNumber(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+1 ${m[1]}-${m[2]}-${m[3]}` : e164;
}

export function recordingFileName(spec: CallRecordingSpec): string {
  const t = local(spec.startTime, spec.utcOffsetMinutes ?? 0);
  const contact = spec.contactName ?? null;
  const inOut = spec.direction === "incoming" ? "in" : "out";
  switch (spec.style ?? "labelled") {
    case "labelled": {
      const who = contact
        ? `${contact} (${displayNumber(spec.number)})`
        : displayNumber(spec.number);
      return `Call recording ${who} ${t.y}-${t.mo}-${t.d} ${t.h}-${t.mi}-${t.s} ${spec.direction}.m4a`;
    }
    case "compact":
      return `${t.y}-${t.mo}-${t.d}_${t.h}-${t.mi}-${t.s}_${spec.number}_${inOut}.mp3`;
    case "samsung":
      return `Call recording ${
        contact ?? spec.number
      }_${t.yy}${t.mo}${t.d}_${t.h}${t.mi}${t.s}.m4a`;
    case "bcr":
      return `${t.y}${t.mo}${t.d}_${t.h}${t.mi}${t.s}.${t.ms}${t.offset}_${inOut}_sim1_${spec.number}` +
        `${contact ? `_${contact}` : ""}.oga`;
    case "huawei":
      return `${contact ?? spec.number}@${spec.number}_${t.y}${t.mo}${t.d}${t.h}${t.mi}${t.s}.amr`;
    case "lineage":
      return `${spec.number}_${t.yy}${t.mo}${t.d}_${t.h}${t.mi}${t.s}.m4a`;
  }
}

/** `<base name>.json` next to the recording. */
export function sidecarName(recordingName: string): string {
  return `${recordingName.replace(/\.[^.]*$/, "")}.json`;
}

/** ISO 8601 in the phone's local time with its offset, as a phone app writes it. */
function localIso(startTime: string, offsetMin: number): string {
  const t = local(startTime, offsetMin);
  const zone = offsetMin === 0 ? "Z" : `${t.offset.slice(0, 3)}:${t.offset.slice(3)}`;
  return `${t.y}-${t.mo}-${t.d}T${t.h}:${t.mi}:${t.s}${zone}`;
}

export function sidecarFor(spec: CallRecordingSpec): CallSidecar {
  return {
    direction: spec.direction,
    number: spec.number,
    contactName: spec.contactName ?? null,
    startTime: localIso(spec.startTime, spec.utcOffsetMinutes ?? 0),
    durationSec: spec.durationSec,
  };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  m4a: "audio/x-m4a",
  mp3: "audio/mpeg",
  oga: "audio/ogg",
  ogg: "audio/ogg",
  opus: "audio/ogg",
  amr: "audio/amr",
  wav: "audio/wav",
  "3gp": "audio/3gpp",
  aac: "audio/aac",
  flac: "audio/flac",
  json: "application/json",
  txt: "text/plain",
  pdf: "application/pdf",
};

/** The MIME type Drive assigns an upload from its extension. */
export function mimeTypeForName(name: string): string {
  const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  return MIME_BY_EXTENSION[ext] ?? "application/octet-stream";
}
