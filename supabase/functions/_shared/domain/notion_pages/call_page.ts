/**
 * A call's Notion page, as pure data: its properties and its content.
 *
 *   Properties  Name, Call ID (unique: how a lost create is found again), Direction, Started,
 *               Duration, From, To, Contact, Source, Status, Recording, Sentiment, Category,
 *               Topics, Follow-up, Follow-up Needed, Cost, Needs Review, Review Note — names and
 *               types from the property map.
 *   Content     1. the overview: ONE callout whose children hold the summary, key points,
 *                  action items (to-dos), follow-up, sentiment/category/topics, call details,
 *                  conversation metrics, cost, the recording link, why there is no transcript,
 *                  and what needs review. One block, so a re-summary replaces it in place
 *                  (append the new callout after the old one, delete the old one).
 *               2. the transcript units (transcript.ts): a heading, one toggle per turn.
 *
 * The hashes say what changed since the last publish (nothing → no request).
 */
import { type Block, bullet, callout, heading3, paragraph, toDo } from "./blocks.ts";
import { NOTION_LIMITS } from "./limits.ts";
import { type PropertyType, propertyValue, type Value } from "./properties.ts";
import { item, oneLine, richText, type RichTextItem } from "./rich_text.ts";
import { clock, transcriptUnits, type Utterance } from "./transcript.ts";
import { type NotStoredMedia, notStoredNote, notStoredWhy } from "../recordings/not_stored.ts";

export interface CallRow {
  id: number | string;
  source: string;
  external_id: string;
  direction: string | null;
  from_number: string | null;
  to_number: string | null;
  participants?: string[] | null;
  started_at: string | null;
  duration_sec: number | null;
  cost_usd: number | string | null;
  eligibility: { eligible?: boolean; reason?: string } | null;
  dedupe?: { status?: string; candidates?: unknown[]; possible_duplicates?: unknown[] } | null;
  contact_name?: string | null;
}

export interface SummaryContent {
  title: string;
  summary: string;
  key_points: string[];
  action_items: { text: string; owner: string | null; due: string | null }[];
  follow_up_needed: boolean;
  follow_up_by: string | null;
  follow_up_reason: string | null;
  sentiment: string;
  topics: string[];
  category: string;
}

export interface CallPageInput {
  call: CallRow;
  contact: {
    status: "matched" | "ambiguous" | "unknown" | "none";
    page_id: string | null;
    candidates: { page_id: string; name: string | null }[];
    created?: boolean;
    name?: string | null;
  };
  transcript: {
    status: string;
    utterances: Utterance[] | null;
    metrics?: Metrics | null;
    error?: string | null;
  } | null;
  summary: {
    status: "summarized" | "not_possible";
    reason: string | null;
    summary: SummaryContent | null;
  } | null;
  recordingUrl: string | null;
  /**
   * Recordings and voicemails that were not stored, and why (call_media.skipped_reason, e.g.
   * over the Storage file-size limit): said in the overview and the review note.
   */
  notStored?: NotStoredMedia[] | null;
  /** The transcript on the page stops early (the workspace's block allowance ran out). */
  truncated?: { shown: number; total: number } | null;
  timeZone?: string;
}

export interface Metrics {
  total_talk_ms?: number;
  turns?: number;
  questions?: number;
  longest_monologue?: { speaker: string; duration_ms: number } | null;
  speakers?: Record<string, { talk_share?: number }>;
}

/** The property map entries the page uses (adapters/notion/settings.ts PropertyMap["calls"]). */
export type CallPropertyMap = Record<CallProperty, { name: string; type: string }>;
export type CallProperty =
  | "title"
  | "call_id"
  | "direction"
  | "started"
  | "duration"
  | "from"
  | "to"
  | "contact"
  | "source"
  | "status"
  | "recording"
  | "sentiment"
  | "category"
  | "topics"
  | "follow_up"
  | "follow_up_needed"
  | "cost"
  | "needs_review"
  | "review_note";

export interface CallPage {
  /** The Call ID property's value: unique per call, stable. */
  callKey: string;
  properties: Record<string, unknown>;
  overview: Block;
  transcript: Block[];
  reviewNotes: string[];
  propertiesHash: string;
  overviewHash: string;
  transcriptHash: string;
}

/** The Call ID: OpenPhone's call id (AC…), or drive:<file id>. */
export function callKey(call: Pick<CallRow, "source" | "external_id">): string {
  return call.source === "openphone" ? call.external_id : `${call.source}:${call.external_id}`;
}

const REASONS: Record<string, string> = {
  auto_process_disabled: "automatic processing is turned off",
  source_not_enabled: "calls from this source are not processed",
  direction_unknown: "the call's direction is unknown",
  direction_not_enabled: "calls in this direction are not processed",
  call_type_not_enabled: "calls of this kind are not processed",
  too_old: "the call was too old when it arrived",
  too_short: "the call was shorter than the minimum duration",
  no_audio: "the call has no recording",
};

const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function when(iso: string | null, tz: string): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  try {
    return new Intl.DateTimeFormat("en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: tz,
    }).format(d) + (tz === "UTC" ? " UTC" : "");
  } catch {
    return d.toISOString();
  }
}

function duration(sec: number | null): string | null {
  if (sec === null || sec === undefined) return null;
  const m = Math.floor(sec / 60);
  return m > 0 ? `${m}m ${sec % 60}s` : `${sec}s`;
}

/** The number on the other end: the first external participant, else by direction. */
export function otherParty(call: CallRow): string | null {
  return call.participants?.[0] ??
    (call.direction === "outgoing" ? call.to_number : call.from_number) ?? null;
}

/** Why the call has no transcript, in words; null when it has one. */
export function noTranscriptReason(input: CallPageInput): string | null {
  const t = input.transcript;
  if (t && t.status === "completed" && (t.utterances?.length ?? 0) > 0) return null;
  const e = input.call.eligibility;
  if (e && e.eligible === false) {
    return REASONS[e.reason ?? ""] ?? `the call was not processed (${e.reason ?? "unknown"})`;
  }
  // Nothing stored to transcribe, because the audio was not stored (e.g. too large).
  const notStored = input.notStored ?? [];
  if (!input.recordingUrl && notStored.length > 0 && !(t && t.status === "completed")) {
    return `the ${notStored[0]!.kind === "voicemail" ? "voicemail" : "recording"} was not stored`;
  }
  if (input.summary?.status === "not_possible" && input.summary.reason) {
    return `no usable transcript (${oneLine(input.summary.reason, 200)})`;
  }
  if (t && t.status === "error") return "the transcription failed";
  return "no transcript is available";
}

export function reviewNotes(input: CallPageInput): string[] {
  const notes: string[] = [];
  const c = input.contact;
  if (c.status === "ambiguous") {
    const names = c.candidates.map((x) => x.name?.trim() || "unnamed contact");
    notes.push(`Several contacts have this number (${names.join(", ")}): link the right one.`);
  } else if (c.status === "unknown") {
    notes.push("Unknown caller: no contact has this number.");
  }
  const d = input.call.dedupe?.status;
  if (d === "ambiguous" || d === "possible_duplicate") {
    notes.push("This call may duplicate another recording of the same call.");
  }
  for (const m of input.notStored ?? []) notes.push(`${notStoredNote(m)}.`);
  if (input.truncated) {
    notes.push(
      `Transcript truncated after ${input.truncated.shown} of ${input.truncated.total} turns: ` +
        "the Notion workspace's block allowance ran out (republish after upgrading).",
    );
  }
  return notes;
}

function status(input: CallPageInput): string {
  if (input.summary?.status === "summarized" && input.summary.summary) return "Summarized";
  if (noTranscriptReason(input) === null) return "Transcribed";
  if (input.call.eligibility?.eligible === false) return "Not processed";
  return "No transcript";
}

const labelled = (label: string, text: string): RichTextItem[] => [
  item(`${label}: `, { bold: true }),
  ...richText(text, undefined, NOTION_LIMITS.richTextItems - 1),
];

function metricsLine(m: Metrics | null | undefined, names: Map<string, string>): string | null {
  if (!m) return null;
  const parts: string[] = [];
  const shares = Object.entries(m.speakers ?? {})
    .filter(([, s]) => typeof s.talk_share === "number")
    .map(([k, s]) => `${names.get(k) ?? `Speaker ${k}`} ${Math.round(s.talk_share! * 100)}%`);
  if (shares.length) parts.push(`talk time ${shares.join(" · ")}`);
  if (m.longest_monologue) {
    const who = names.get(m.longest_monologue.speaker) ?? `Speaker ${m.longest_monologue.speaker}`;
    parts.push(`longest monologue ${who} ${clock(m.longest_monologue.duration_ms)}`);
  }
  if (typeof m.turns === "number") parts.push(`${m.turns} speaker changes`);
  if (typeof m.questions === "number") parts.push(`${m.questions} questions`);
  return parts.length ? oneLine(parts.join("; "), 1000) : null;
}

export function overviewBlock(input: CallPageInput, notes: string[]): Block {
  const s = input.summary?.status === "summarized" ? input.summary.summary : null;
  const tz = input.timeZone ?? "UTC";
  const children: Block[] = [];
  if (s) {
    children.push(paragraph(richText(s.summary)));
    if (s.key_points.length) {
      children.push(heading3([item("Key points")]));
      for (const k of s.key_points.slice(0, 20)) children.push(bullet(richText(k)));
    }
    if (s.action_items.length) {
      children.push(heading3([item("Action items")]));
      for (const a of s.action_items.slice(0, 20)) {
        const extra = [
          a.owner ? ` — ${oneLine(a.owner, 60)}` : "",
          a.due ? ` (due ${oneLine(a.due, 60)})` : "",
        ]
          .join("");
        children.push(
          toDo([
            ...richText(a.text, undefined, 90),
            ...(extra ? [item(extra, { color: "gray" })] : []),
          ]),
        );
      }
    }
    children.push(paragraph(
      s.follow_up_needed
        ? labelled(
          "Follow-up",
          [s.follow_up_by ? `by ${s.follow_up_by}` : "needed", s.follow_up_reason ?? ""]
            .filter(Boolean).join(": "),
        )
        : labelled("Follow-up", "none needed"),
    ));
    const tags = [
      `sentiment ${s.sentiment}`,
      `category ${s.category}`,
      s.topics.length ? `topics ${s.topics.join(", ")}` : "",
    ].filter(Boolean).join(" · ");
    children.push(paragraph(labelled("Tone", tags)));
  }
  const call = input.call;
  const details = [
    call.direction ? `${titleCase(call.direction)} call` : "Call",
    when(call.started_at, tz),
    duration(call.duration_sec),
    call.source === "drive" ? "from the Drive recordings folder" : null,
  ].filter(Boolean).join(" · ");
  children.push(heading3([item("Call")]));
  children.push(paragraph(richText(details)));
  const names = new Map(
    (input.transcript?.utterances ?? []).map((
      u,
    ) => [u.speaker, u.speaker_name || `Speaker ${u.speaker}`]),
  );
  const m = metricsLine(input.transcript?.metrics, names);
  if (m) children.push(paragraph(labelled("Conversation", m)));
  const cost = Number(call.cost_usd ?? 0);
  children.push(paragraph(labelled("Cost", `$${cost.toFixed(4)} (transcription and summary)`)));
  const notStored = input.notStored ?? [];
  children.push(paragraph(
    input.recordingUrl && input.recordingUrl.length <= NOTION_LIMITS.urlChars
      ? [item("Recording: ", { bold: true }), item("listen", undefined, input.recordingUrl)]
      : labelled(
        "Recording",
        notStored.length ? `not stored (${notStoredWhy(notStored[0]!)})` : "none stored",
      ),
  ));
  const why = noTranscriptReason(input);
  if (why) children.push(paragraph(labelled("No transcript", why)));
  if (notes.length) children.push(paragraph(labelled("Needs review", notes.join(" "))));
  return callout(
    [item(s ? "Call summary" : "Call details", { bold: true })],
    s ? "📞" : "☎️",
    children,
  );
}

function titleOf(input: CallPageInput): string {
  const s = input.summary?.status === "summarized" ? input.summary.summary : null;
  if (s?.title.trim()) return oneLine(s.title, 200);
  const who = input.contact.name || input.call.contact_name || otherParty(input.call) ||
    "unknown number";
  const dir = input.call.direction === "outgoing" ? "Call to" : "Call from";
  return oneLine(`${dir} ${who}`, 200);
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function callProperties(
  input: CallPageInput,
  map: CallPropertyMap,
  notes: string[],
): Record<string, unknown> {
  const s = input.summary?.status === "summarized" ? input.summary.summary : null;
  const call = input.call;
  const values: Record<CallProperty, Value> = {
    title: { kind: "text", value: titleOf(input) },
    call_id: { kind: "text", value: callKey(call) },
    direction: { kind: "text", value: call.direction ? titleCase(call.direction) : null },
    started: {
      kind: "date",
      value: call.started_at ? new Date(call.started_at).toISOString() : null,
    },
    duration: { kind: "number", value: call.duration_sec ?? null },
    from: { kind: "text", value: call.from_number },
    to: { kind: "text", value: call.to_number },
    contact: {
      kind: "relation",
      value: input.contact.status === "matched" && input.contact.page_id
        ? [input.contact.page_id]
        : [],
    },
    source: { kind: "text", value: call.source === "drive" ? "Drive" : "OpenPhone" },
    status: { kind: "text", value: status(input) },
    recording: { kind: "url", value: input.recordingUrl },
    sentiment: { kind: "text", value: s ? titleCase(s.sentiment) : null },
    category: { kind: "text", value: s ? s.category : null },
    topics: { kind: "list", value: s ? s.topics : [] },
    follow_up: {
      kind: "date",
      value: s?.follow_up_by && ISO_DAY.test(s.follow_up_by) ? s.follow_up_by : null,
    },
    follow_up_needed: { kind: "bool", value: s?.follow_up_needed ?? false },
    cost: { kind: "number", value: Math.round(Number(call.cost_usd ?? 0) * 10_000) / 10_000 },
    needs_review: { kind: "bool", value: notes.length > 0 },
    review_note: { kind: "text", value: notes.length ? notes.join(" ") : null },
  };
  const out: Record<string, unknown> = {};
  for (const [logical, v] of Object.entries(values) as [CallProperty, Value][]) {
    const p = map[logical];
    if (!p) continue;
    const value = propertyValue(p.type as PropertyType, v);
    if (value !== undefined) out[p.name] = value;
  }
  return out;
}

/** A 64-bit FNV-1a digest of the JSON (change detection, not security). */
export function digest(v: unknown): string {
  const s = JSON.stringify(v);
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

export function buildCallPage(input: CallPageInput, map: CallPropertyMap): CallPage {
  const notes = reviewNotes(input);
  const properties = callProperties(input, map, notes);
  // The truncation note lives in the properties only: when the block allowance has run out, a
  // new overview (a block) could not be written either.
  const overview = overviewBlock(input, reviewNotes({ ...input, truncated: null }));
  const t = input.transcript;
  const transcript = t && t.status === "completed" && t.utterances
    ? transcriptUnits(t.utterances)
    : [];
  return {
    callKey: callKey(input.call),
    properties,
    overview,
    transcript,
    reviewNotes: notes,
    propertiesHash: digest(properties),
    overviewHash: digest(overview),
    transcriptHash: digest(transcript),
  };
}
