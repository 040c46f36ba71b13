/**
 * The optional JSON file a recorder writes next to a recording (same base name, `.json`). Two
 * shapes are understood: BCR's metadata file, and a plain one for other tools and scripts:
 *
 *   BCR:   {timestamp, direction: "in"|"out"|"conference", calls: [{phone_number, contact_name,
 *           caller_name}], output: {recording: {duration_secs_total}}}
 *   plain: {direction: "incoming"|"outgoing", number, contactName, startTime, durationSec}
 */
import { z } from "zod";
import type { Direction } from "./recording_name.ts";

export interface SidecarInfo {
  direction: Direction | null;
  phoneNumber: string | null;
  contactName: string | null;
  startedAt: Date | null;
  durationSec: number | null;
}

const Bcr = z.object({
  timestamp: z.string().optional(),
  timestamp_unix_ms: z.number().optional(),
  direction: z.string().nullish(),
  call_log_name: z.string().nullish(),
  calls: z.array(z.object({
    phone_number: z.string().nullish(),
    caller_name: z.string().nullish(),
    contact_name: z.string().nullish(),
  })).optional(),
  output: z.object({
    recording: z.object({ duration_secs_total: z.number().nullish() }).optional(),
  }).optional(),
});

const Plain = z.object({
  direction: z.string().nullish(),
  number: z.string().nullish(),
  phoneNumber: z.string().nullish(),
  contactName: z.string().nullish(),
  startTime: z.string().nullish(),
  durationSec: z.number().nonnegative().nullish(),
});

function dir(s: string | null | undefined): Direction | null {
  const v = s?.toLowerCase();
  if (v === "in" || v === "incoming" || v === "inbound") return "incoming";
  if (v === "out" || v === "outgoing" || v === "outbound") return "outgoing";
  return null;
}

function date(s: string | null | undefined): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Reads a sidecar; null when the text is not JSON or matches neither shape. */
export function parseSidecar(text: string): SidecarInfo | null {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return null;
  }
  if (value && typeof value === "object" && ("calls" in value || "timestamp_unix_ms" in value)) {
    const b = Bcr.safeParse(value);
    if (!b.success) return null;
    const call = b.data.calls?.[0];
    return {
      direction: dir(b.data.direction),
      phoneNumber: call?.phone_number ?? null,
      contactName: call?.contact_name ?? call?.caller_name ?? b.data.call_log_name ?? null,
      startedAt: b.data.timestamp_unix_ms !== undefined
        ? new Date(b.data.timestamp_unix_ms)
        : date(b.data.timestamp),
      durationSec: b.data.output?.recording?.duration_secs_total ?? null,
    };
  }
  const p = Plain.safeParse(value);
  if (!p.success) return null;
  return {
    direction: dir(p.data.direction),
    phoneNumber: p.data.number ?? p.data.phoneNumber ?? null,
    contactName: p.data.contactName ?? null,
    startedAt: date(p.data.startTime),
    durationSec: p.data.durationSec ?? null,
  };
}
