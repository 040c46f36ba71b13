/**
 * The transcript section of a call page: a "Transcript" heading, then one toggle per speaker
 * turn ("**Dana** · 1:05", its words inside). Each is a *unit*: one top-level block whose
 * children have no children (two levels, as one request allows), under PACK_LIMITS.unitBytes
 * and 100 children. A turn too long for one unit (hundreds of thousands of characters)
 * continues in further toggles marked "(continued)", so the units are a deterministic,
 * ordered list the publisher appends in batches and counts as it goes.
 */
import { type Block, heading2, jsonBytes, paragraph, toggle } from "./blocks.ts";
import { NOTION_LIMITS, PACK_LIMITS } from "./limits.ts";
import { cleanText, item, oneLine, type RichTextItem, splitText } from "./rich_text.ts";

export interface Utterance {
  speaker: string;
  speaker_name?: string | null;
  start_ms: number;
  end_ms?: number | null;
  text: string;
}

/** 65 s → "1:05"; 3,725 s → "1:02:05". */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function title(u: Utterance, continued: boolean): RichTextItem[] {
  const name = oneLine(u.speaker_name || `Speaker ${u.speaker}`, 100) || "Speaker";
  return [
    item(name, { bold: true }),
    item(` · ${clock(u.start_ms)}${continued ? " (continued)" : ""}`, { color: "gray" }),
  ];
}

/** A rich text item's weight in a request (its JSON plus a comma), for packing pieces. */
const pieceBytes = (p: string) => jsonBytes(item(p)) + 1;

/** One turn as one or more units (toggles), each within the unit limits. */
export function turnUnits(u: Utterance, unitBytes: number = PACK_LIMITS.unitBytes): Block[] {
  const pieces = splitText(cleanText(u.text).trim());
  const units: Block[] = [];
  let paragraphs: RichTextItem[][] = [];
  let current: RichTextItem[] = [];
  let bytes = 0;
  const flushUnit = () => {
    if (current.length > 0) paragraphs.push(current);
    current = [];
    units.push(toggle(title(u, units.length > 0), paragraphs.map(paragraph)));
    paragraphs = [];
    bytes = 0;
  };
  // Room for the toggle's own title and JSON around the paragraphs.
  const budget = unitBytes - 2_000;
  for (const p of pieces) {
    if (p.length === 0) continue;
    const w = pieceBytes(p);
    if (bytes + w > budget && (current.length > 0 || paragraphs.length > 0)) flushUnit();
    if (current.length === NOTION_LIMITS.richTextItems) {
      paragraphs.push(current);
      current = [];
      if (paragraphs.length === NOTION_LIMITS.children) flushUnit();
    }
    current.push(item(p));
    bytes += w + (current.length === 1 ? 80 : 0);
  }
  if (current.length > 0 || paragraphs.length > 0 || units.length === 0) flushUnit();
  return units;
}

/** The transcript's units in order: the heading, then every turn's toggles. */
export function transcriptUnits(utterances: readonly Utterance[]): Block[] {
  const turns = utterances.filter((u) => typeof u.text === "string" && u.text.trim() !== "");
  if (turns.length === 0) return [];
  const units: Block[] = [
    heading2([item(`Transcript · ${turns.length} turn${turns.length === 1 ? "" : "s"}`)]),
  ];
  for (const u of turns) units.push(...turnUnits(u));
  return units;
}
