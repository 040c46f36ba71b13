/**
 * Text-message conversations as Notion blocks: pure functions, no I/O.
 *
 * A conversation page holds, in order:
 *   - one header paragraph (who talks to whom), carrying the conversation marker `conv:<id>`;
 *   - per message, one paragraph (more only when its text needs over 100 rich text items):
 *       <date mention> · ← from +1555… (incoming) / → to +1555… (outgoing)
 *       <body, in items of ≤ 2,000 characters>
 *       📎 <media link> …                     (MMS: links only, never the bytes)
 *       msg:<external id>                       (the marker, small gray code)
 *
 * Every block of a message carries the message's marker, so a list of the page's children maps
 * back to messages without any other state: that is how an append whose answer was lost is
 * checked before it is repeated (markersIn).
 */

/** Notion's limits for one request (vendor-apis §2.4). */
export const NOTION_LIMITS = {
  textChars: 2000,
  urlChars: 2000,
  richTextItems: 100,
  childrenPerRequest: 100,
  /** Documented: 500 KB per payload; we stay well under it. */
  payloadBytes: 400_000,
} as const;

export interface ConversationMessage {
  id: number;
  external_id: string;
  direction: "incoming" | "outgoing" | null;
  from_number: string | null;
  to_numbers: string[];
  body: string | null;
  media: unknown;
  /** ISO 8601. */
  sent_at: string;
}

export interface ConversationParties {
  /** Our line's number (E.164), when known. */
  ourNumber: string | null;
  /** The other participants (E.164), sorted; several for a group MMS. */
  others: string[];
}

type Annotations = { code?: boolean; color?: "gray"; bold?: boolean; italic?: boolean };

export type RichTextRequest =
  | {
    type: "text";
    text: { content: string; link?: { url: string } | null };
    annotations?: Annotations;
  }
  | { type: "mention"; mention: { date: { start: string } } };

export interface ParagraphBlock {
  object: "block";
  type: "paragraph";
  paragraph: { rich_text: RichTextRequest[] };
}

const text = (content: string, annotations?: Annotations): RichTextRequest =>
  annotations
    ? { type: "text", text: { content }, annotations }
    : { type: "text", text: { content } };

export const MESSAGE_MARKER_PREFIX = "msg:";
export const HEADER_MARKER_PREFIX = "conv:";

export const messageMarker = (externalId: string): string =>
  `${MESSAGE_MARKER_PREFIX}${externalId}`;
export const headerMarker = (conversationId: number | string): string =>
  `${HEADER_MARKER_PREFIX}${conversationId}`;

const markerItem = (marker: string): RichTextRequest => text(marker, { code: true, color: "gray" });

/**
 * Splits `s` into pieces of at most `max` UTF-16 units (what Notion counts), never between the
 * two halves of a surrogate pair, preferring a break after whitespace in the last tenth.
 */
export function splitText(s: string, max: number = NOTION_LIMITS.textChars): string[] {
  if (max < 2) throw new RangeError("splitText: max must be at least 2");
  const out: string[] = [];
  let rest = s;
  while (rest.length > max) {
    let cut = max;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--; // do not split a surrogate pair
    const ws = rest.slice(0, cut).search(/\s\S*$/);
    if (ws >= Math.floor(cut * 0.9)) cut = ws + 1;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || out.length === 0) out.push(rest);
  return out;
}

export interface MediaLink {
  url: string | null;
  label: string;
}

/** MMS media as links: `[{url, type}]` or bare URL strings; never the media bytes. */
export function mediaLinks(media: unknown): MediaLink[] {
  if (!Array.isArray(media)) return [];
  const out: MediaLink[] = [];
  media.forEach((m, i) => {
    const raw = typeof m === "string" ? { url: m } : m && typeof m === "object" ? m : null;
    if (!raw) return;
    const rec = raw as { url?: unknown; type?: unknown };
    const type = typeof rec.type === "string" && rec.type.trim() ? rec.type.trim() : null;
    const label = `${type ?? "attachment"} ${i + 1}`.slice(0, 100);
    let url: string | null = null;
    if (typeof rec.url === "string") {
      try {
        const u = new URL(rec.url);
        if ((u.protocol === "https:" || u.protocol === "http:") && rec.url.length <= 2000) {
          url = rec.url;
        }
      } catch {
        url = null;
      }
    }
    out.push({ url, label });
  });
  return out;
}

/** "← from +1…" / "→ to +1…, +1…" (numbers are the workspace's own data in Notion). */
export function directionLine(m: ConversationMessage): string {
  if (m.direction === "outgoing") {
    const to = m.to_numbers.filter(Boolean);
    return to.length ? `→ to ${to.join(", ")}` : "→ sent";
  }
  if (m.direction === "incoming") return m.from_number ? `← from ${m.from_number}` : "← received";
  return m.from_number ? `from ${m.from_number}` : "message";
}

/**
 * The blocks of one message: usually one paragraph; a text that needs more than 100 rich text
 * items continues in further paragraphs, each ending with the message's marker.
 */
export function messageBlocks(m: ConversationMessage): ParagraphBlock[] {
  const items: RichTextRequest[] = [
    { type: "mention", mention: { date: { start: m.sent_at } } },
    text(` · ${directionLine(m)}`.slice(0, NOTION_LIMITS.textChars), { bold: true }),
  ];
  const body = (m.body ?? "").replace(/\r\n?/g, "\n");
  if (body.length > 0) {
    const [first, ...more] = splitText(`\n${body}`);
    items.push(text(first!), ...more.map((c) => text(c)));
  }
  for (const link of mediaLinks(m.media)) {
    items.push(text("\n📎 "));
    items.push(
      link.url
        ? { type: "text", text: { content: link.label, link: { url: link.url } } }
        : text(`${link.label} (no link)`, { italic: true }),
    );
  }
  const marker = messageMarker(m.external_id);
  items.push(text("\n"));
  const perBlock = NOTION_LIMITS.richTextItems - 1; // room for the marker
  const blocks: ParagraphBlock[] = [];
  for (let i = 0; i < items.length; i += perBlock) {
    blocks.push(paragraph([...items.slice(i, i + perBlock), markerItem(marker)]));
  }
  return blocks;
}

function paragraph(rich_text: RichTextRequest[]): ParagraphBlock {
  return { object: "block", type: "paragraph", paragraph: { rich_text } };
}

/** The page's first block: who talks to whom; carries the conversation marker. */
export function headerBlock(conversationId: number, parties: ConversationParties): ParagraphBlock {
  const others = parties.others.join(", ");
  const line = parties.ourNumber
    ? `Text messages between ${parties.ourNumber} and ${others}, oldest first.`
    : `Text messages with ${others}, oldest first.`;
  return paragraph([
    text(line.slice(0, NOTION_LIMITS.textChars), { italic: true, color: "gray" }),
    text(" "),
    markerItem(headerMarker(conversationId)),
  ]);
}

/** The conversation page's title: the contact's name, else the other party's number(s). */
export function conversationTitle(
  parties: ConversationParties,
  contactName: string | null,
): string {
  const numbers = parties.others.join(", ");
  const title = contactName ? `${contactName} (${numbers})` : numbers;
  return (parties.others.length > 1 ? `Group: ${title}` : title).slice(0, 200);
}

// ---------------------------------------------------------------------------------------------
// Batching: as many waiting messages as one request may carry, in order.

export interface PackedBatch {
  /** The children to send, in order (the header first when asked for). */
  children: ParagraphBlock[];
  /** Messages included, in order, with how many children each has (after the header). */
  messages: { id: number; blocks: number }[];
  header: boolean;
}

const byteLength = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

/**
 * Packs the messages (already in sent order) into one request's children: the header first when
 * `header` is given, then whole messages while they fit in 100 children and the payload budget.
 * The first message always goes (one message's blocks always fit: SMS/MMS bodies are far below
 * 100 × 99 × 2,000 characters; a longer one is cut to what fits, with a note).
 */
export function packBatch(
  messages: ConversationMessage[],
  opts: { header?: ParagraphBlock | null; maxMessages?: number } = {},
): PackedBatch {
  const children: ParagraphBlock[] = opts.header ? [opts.header] : [];
  const packed: PackedBatch["messages"] = [];
  let bytes = byteLength(children) + 200;
  for (const m of messages.slice(0, opts.maxMessages ?? messages.length)) {
    let blocks = messageBlocks(m);
    const size = byteLength(blocks);
    const fits = children.length + blocks.length <= NOTION_LIMITS.childrenPerRequest &&
      bytes + size <= NOTION_LIMITS.payloadBytes;
    if (!fits) {
      if (packed.length > 0) break;
      blocks = truncateToFit(blocks, NOTION_LIMITS.childrenPerRequest - children.length);
    }
    children.push(...blocks);
    packed.push({ id: m.id, blocks: blocks.length });
    bytes += byteLength(blocks);
  }
  return { children, messages: packed, header: Boolean(opts.header) };
}

function truncateToFit(blocks: ParagraphBlock[], maxBlocks: number): ParagraphBlock[] {
  const keep = blocks.slice(0, Math.max(1, Math.min(maxBlocks, 40)));
  const last = keep[keep.length - 1]!;
  const rt = last.paragraph.rich_text;
  rt.splice(
    rt.length - 1,
    0,
    text("\n[message truncated: too long for one Notion request]", {
      italic: true,
    }),
  );
  if (rt.length > NOTION_LIMITS.richTextItems) rt.splice(rt.length - 3, 1);
  return keep;
}

// ---------------------------------------------------------------------------------------------
// Reading blocks back: which of our markers a listing shows.

interface ListedBlock {
  id: string;
  type?: string;
  [key: string]: unknown;
}

/** The marker a listed block carries (a code item starting msg: or conv:), if any. */
export function markerOf(block: ListedBlock): string | null {
  const type = block.type;
  if (!type) return null;
  const content = block[type] as { rich_text?: unknown } | undefined;
  const items = Array.isArray(content?.rich_text) ? content!.rich_text as unknown[] : [];
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i] as {
      plain_text?: unknown;
      text?: { content?: unknown };
      annotations?: { code?: unknown };
    };
    if (!it?.annotations?.code) continue;
    const t = typeof it.plain_text === "string"
      ? it.plain_text
      : typeof it.text?.content === "string"
      ? it.text.content
      : "";
    if (t.startsWith(MESSAGE_MARKER_PREFIX) || t.startsWith(HEADER_MARKER_PREFIX)) return t;
  }
  return null;
}

export interface MarkerScan {
  /** marker → the ids of the blocks carrying it, in page order. */
  blocks: Map<string, string[]>;
  /** The id of the last block listed (the page's end when the listing reached it). */
  lastBlockId: string | null;
  /** The id of the last block listed that carries one of our markers. */
  lastMarkedBlockId: string | null;
}

export function scanMarkers(listed: ListedBlock[]): MarkerScan {
  const blocks = new Map<string, string[]>();
  let lastMarkedBlockId: string | null = null;
  for (const b of listed) {
    const marker = markerOf(b);
    if (!marker) continue;
    const ids = blocks.get(marker) ?? [];
    ids.push(b.id);
    blocks.set(marker, ids);
    lastMarkedBlockId = b.id;
  }
  return { blocks, lastBlockId: listed.at(-1)?.id ?? null, lastMarkedBlockId };
}

/**
 * Splits an ordered list of ids a write returned (the append's results, or a 503's
 * committed_child_ids) back into the header's id and each message's block ids. Null when the
 * count does not match what was sent (then the page is read instead).
 */
export function assignIds(
  packed: PackedBatch,
  ids: string[],
): { headerBlockId: string | null; messages: { id: number; blockIds: string[] }[] } | null {
  if (ids.length !== packed.children.length) return null;
  let i = 0;
  const headerBlockId = packed.header ? ids[i++]! : null;
  const messages = packed.messages.map((m) => {
    const blockIds = ids.slice(i, i + m.blocks);
    i += m.blocks;
    return { id: m.id, blockIds };
  });
  return { headerBlockId, messages };
}
