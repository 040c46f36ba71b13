/**
 * Rich text within Notion's limits: text is cleaned (no control characters but newline and tab),
 * cut into items of at most 2,000 characters (UTF-16 code units, as Notion counts them; never
 * inside a surrogate pair, at a space when one is near), and the items carry no links or
 * mentions unless a caller adds a link it made itself (the recording link). Text from a summary
 * or a transcript is untrusted: it is only ever `text.content`.
 */
import { NOTION_LIMITS } from "./limits.ts";

export interface Annotations {
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  color?: string;
}

export interface RichTextItem {
  type: "text";
  text: { content: string; link?: { url: string } | null };
  annotations?: Annotations;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029]/g;

/** Newlines normalised, control characters (but \n and \t) removed, lone surrogates replaced. */
export function cleanText(s: string): string {
  return s.replace(/\r\n?/g, "\n").replace(CONTROL, "").toWellFormed();
}

/**
 * Cuts `s` into pieces of at most `max` UTF-16 units, in order, losing nothing: a piece ends at
 * the last whitespace in its final fifth when there is one, and never between the two halves of
 * a surrogate pair.
 */
export function splitText(s: string, max: number = NOTION_LIMITS.textChars): string[] {
  if (max < 2) throw new Error("splitText needs max ≥ 2");
  const out: string[] = [];
  let i = 0;
  while (s.length - i > max) {
    let end = i + max;
    const code = s.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--; // keep the pair together
    const window = s.slice(end - Math.floor(max / 5), end);
    const ws = Math.max(window.lastIndexOf(" "), window.lastIndexOf("\n"));
    if (ws >= 0) end = end - window.length + ws + 1;
    out.push(s.slice(i, end));
    i = end;
  }
  if (i < s.length || out.length === 0) out.push(s.slice(i));
  return out;
}

export function item(content: string, annotations?: Annotations, link?: string): RichTextItem {
  if (content.length > NOTION_LIMITS.textChars) {
    throw new Error(`rich text item over ${NOTION_LIMITS.textChars} characters`);
  }
  return {
    type: "text",
    text: link ? { content, link: { url: link } } : { content },
    ...(annotations ? { annotations } : {}),
  };
}

/** `s` as rich text items (each ≤ 2,000 characters); at most `maxItems`, the rest cut with "…". */
export function richText(
  s: string,
  annotations?: Annotations,
  maxItems: number = NOTION_LIMITS.richTextItems,
): RichTextItem[] {
  const pieces = splitText(cleanText(s));
  if (pieces.length > maxItems) {
    pieces.length = maxItems;
    const last = pieces[maxItems - 1]!;
    pieces[maxItems - 1] = last.slice(0, NOTION_LIMITS.textChars - 1) + "…";
  }
  return pieces.map((p) => item(p, annotations));
}

/** At most `max` characters (… when cut), cleaned, on one line. */
export function oneLine(s: string, max: number): string {
  const t = cleanText(s).replace(/\s+/g, " ").trim();
  return t.length <= max ? t : t.slice(0, max - 1).toWellFormed().replace(/\uFFFD$/, "") + "…";
}
