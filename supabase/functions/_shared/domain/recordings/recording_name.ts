/**
 * What a call-recorder file name says about the call: start time, direction, the other party's
 * number and name. Recorders name files in a handful of well-known ways (the patterns below, as
 * Android recorders write them); anything else is still ingested, with what is known, and
 * flagged by the caller.
 *
 *   BCR             20260304_140522.088-0500_out_sim1_+15550100123_John Smith.m4a
 *   GrapheneOS      CallRecord_20260304-140522_+15550100123.m4a
 *   Huawei          John Smith@+15550100123_20260304140522.m4a
 *   LineageOS       +15550100123_260304_140522.m4a
 *   ColorOS         John Smith-2603041405.m4a
 *   Samsung         Call recording John Smith_260304_140522.m4a
 *   Labelled        Call recording John Smith (+1 555-010-0123) 2026-03-04 14-05-22 incoming.m4a
 *   Generic         2026-03-04_14-05-22_+15550100123_incoming.mp3  (date, time, number, direction)
 */
import { zonedTimeToUtc } from "./zoned_time.ts";

export type Direction = "incoming" | "outgoing";

export interface RecordingName {
  /** Which pattern matched; null when none did. */
  pattern: string | null;
  startedAt: Date | null;
  direction: Direction | null;
  /** The number as written in the name (not normalised). */
  phoneNumber: string | null;
  contactName: string | null;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const NUMBER = String.raw`\+?[0-9][0-9 ()\-.]{2,20}[0-9]`;

function wall(y: string, mo: string, d: string, h: string, mi: string, s = "0"): Wall | null {
  const year = y.length === 2 ? 2000 + Number(y) : Number(y);
  const w = {
    year,
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
  };
  const valid = w.month >= 1 && w.month <= 12 && w.day >= 1 && w.day <= 31 && w.hour <= 23 &&
    w.minute <= 59 &&
    w.second <= 59;
  return valid ? w : null;
}

function direction(word: string | undefined): Direction | null {
  switch (word?.toLowerCase()) {
    case "in":
    case "incoming":
    case "inbound":
      return "incoming";
    case "out":
    case "outgoing":
    case "outbound":
      return "outgoing";
    default:
      return null;
  }
}

const clean = (s: string | undefined) => s?.trim() || null;

interface Pattern {
  name: string;
  regex: RegExp;
  build(m: RegExpExecArray, timeZone: string): Omit<RecordingName, "pattern"> | null;
}

function atZone(w: Wall | null, timeZone: string): Date | null {
  return w ? zonedTimeToUtc(w, timeZone) : null;
}

const PATTERNS: Pattern[] = [
  {
    name: "bcr",
    regex: new RegExp(
      String
        .raw`^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:\.\d{1,3})?([+-]\d{4})?(?:_(in|out|conference))?(?:_sim\d)?_(${NUMBER})(?:_(.+))?$`,
    ),
    build(m) {
      const w = wall(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!);
      if (!w) return null;
      let startedAt: Date;
      if (m[7]) {
        const sign = m[7][0] === "-" ? -1 : 1;
        const offset = sign * (Number(m[7].slice(1, 3)) * 60 + Number(m[7].slice(3, 5)));
        startedAt = new Date(
          Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - offset * 60_000,
        );
      } else {
        startedAt = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
      }
      return {
        startedAt,
        direction: direction(m[8]),
        phoneNumber: clean(m[9]),
        contactName: clean(m[10]),
      };
    },
  },
  {
    name: "grapheneos",
    regex: new RegExp(
      String.raw`^CallRecord_(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})_(${NUMBER})$`,
    ),
    build: (m, tz) => ({
      startedAt: atZone(wall(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!), tz),
      direction: null,
      phoneNumber: clean(m[7]),
      contactName: null,
    }),
  },
  {
    name: "huawei",
    regex: new RegExp(String.raw`^(.+)@(${NUMBER})_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$`),
    build: (m, tz) => ({
      startedAt: atZone(wall(m[3]!, m[4]!, m[5]!, m[6]!, m[7]!, m[8]!), tz),
      direction: null,
      phoneNumber: clean(m[2]),
      contactName: clean(m[1]),
    }),
  },
  {
    name: "lineageos",
    regex: new RegExp(String.raw`^(${NUMBER})_(\d{2})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$`),
    build: (m, tz) => ({
      startedAt: atZone(wall(m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7]!), tz),
      direction: null,
      phoneNumber: clean(m[1]),
      contactName: null,
    }),
  },
  {
    name: "labelled",
    regex: new RegExp(
      String
        .raw`^Call recording (?:(.+?) \((${NUMBER})\)|(${NUMBER})) (\d{4})-(\d{2})-(\d{2}) (\d{2})-(\d{2})-(\d{2})(?: (incoming|outgoing))?$`,
    ),
    build: (m, tz) => ({
      startedAt: atZone(wall(m[4]!, m[5]!, m[6]!, m[7]!, m[8]!, m[9]!), tz),
      direction: direction(m[10]),
      phoneNumber: clean(m[2] ?? m[3]),
      contactName: clean(m[1]),
    }),
  },
  {
    name: "samsung",
    regex: /^Call recording (.+)_(\d{2})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/,
    build(m, tz) {
      const who = m[1]!.trim();
      const isNumber = new RegExp(`^${NUMBER}$`).test(who);
      return {
        startedAt: atZone(wall(m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7]!), tz),
        direction: null,
        phoneNumber: isNumber ? who : null,
        contactName: isNumber ? null : who,
      };
    },
  },
  {
    name: "generic",
    regex: new RegExp(
      String
        .raw`^(\d{4})-(\d{2})-(\d{2})[_ T](\d{2})[-.:](\d{2})[-.:](\d{2})_(${NUMBER})(?:_(incoming|outgoing|in|out|inbound|outbound))?$`,
      "i",
    ),
    build: (m, tz) => ({
      startedAt: atZone(wall(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!), tz),
      direction: direction(m[8]),
      phoneNumber: clean(m[7]),
      contactName: null,
    }),
  },
  {
    name: "coloros",
    regex: /^(.+)-(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    build: (m, tz) => ({
      startedAt: atZone(wall(m[2]!, m[3]!, m[4]!, m[5]!, m[6]!), tz),
      direction: null,
      phoneNumber: null,
      contactName: clean(m[1]),
    }),
  },
];

/** Strips the directory and the extension: "a/b/x.tar.m4a" → "x.tar". */
export function baseName(fileName: string): string {
  const name = fileName.replace(/^.*[\\/]/, "");
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * Parses a recorder file name. `timeZone` (IANA) is where the phone was, for the patterns that
 * write local time without a zone.
 */
export function parseRecordingName(fileName: string, timeZone = "UTC"): RecordingName {
  const base = baseName(fileName).normalize("NFC");
  for (const p of PATTERNS) {
    const m = p.regex.exec(base);
    if (!m) continue;
    const info = p.build(m, timeZone);
    if (info && info.startedAt) return { pattern: p.name, ...info };
  }
  return { pattern: null, startedAt: null, direction: null, phoneNumber: null, contactName: null };
}
