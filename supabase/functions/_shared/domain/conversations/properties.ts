/**
 * The conversation page's properties, under the operator's property mapping
 * (notion_settings.property_map.conversations: logical name → Notion name and type).
 * Pure: values in, Notion property values out.
 */
import { NOTION_LIMITS, splitText } from "./blocks.ts";

export interface MappedName {
  name: string;
  type: string;
}

/** The conversations entries of the property map (adapters/notion/settings.ts PropertyMap). */
export interface ConversationPropertyMap {
  title: MappedName;
  conversation_key: MappedName;
  our_number: MappedName;
  other_party: MappedName;
  contact: MappedName;
  last_message: MappedName;
  message_count: MappedName;
  needs_review: MappedName;
  review_note: MappedName;
}

export interface ContactLink {
  status: "matched" | "ambiguous" | "unknown";
  /** Related contact pages (matched participants). */
  pageIds: string[];
  /** Why the page needs review (ambiguous participants and their candidates), or null. */
  reviewNote: string | null;
}

export interface ConversationPropertyValues {
  title: string;
  conversationKey: string;
  ourNumber: string | null;
  others: string[];
  contact: ContactLink;
  lastMessageAt: string | null;
  messageCount: number;
}

type Value = string | number | boolean | string[] | null;

const richText = (s: string) =>
  s
    ? splitText(s).slice(0, NOTION_LIMITS.richTextItems).map((content) => ({
      type: "text" as const,
      text: { content },
    }))
    : [];

/** One value as the mapped property's type expects it. */
export function propertyValue(type: string, v: Value): Record<string, unknown> {
  const str = Array.isArray(v) ? v.join(", ") : v === null ? "" : String(v);
  switch (type) {
    case "title":
      return { title: richText(str) };
    case "rich_text":
      return { rich_text: richText(str) };
    case "phone_number":
    case "email":
    case "url":
      return { [type]: str ? str.slice(0, type === "url" ? 2000 : 200) : null };
    case "number":
      return { number: typeof v === "number" ? v : v === null ? null : Number(v) || null };
    case "checkbox":
      return { checkbox: Boolean(v) };
    case "date":
      return { date: str ? { start: str } : null };
    case "relation":
      return {
        relation: (Array.isArray(v) ? v : v ? [String(v)] : []).slice(0, 100).map((id) => ({ id })),
      };
    case "select":
      return { select: str ? { name: str.replaceAll(",", " ").slice(0, 100) } : null };
    case "multi_select":
      return {
        multi_select: (Array.isArray(v) ? v : str ? [str] : []).slice(0, 100).map((name) => ({
          name: name.replaceAll(",", " ").slice(0, 100),
        })),
      };
    default:
      throw new RangeError(`unsupported property type ${type}`);
  }
}

const set = (
  out: Record<string, Record<string, unknown>>,
  p: MappedName,
  v: Value,
): void => {
  out[p.name] = propertyValue(p.type, v);
};

/** Every property, for the page's creation. */
export function createProperties(
  map: ConversationPropertyMap,
  v: ConversationPropertyValues,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  set(out, map.title, v.title);
  set(out, map.conversation_key, v.conversationKey);
  set(out, map.our_number, v.ourNumber);
  set(out, map.other_party, v.others);
  Object.assign(out, contactProperties(map, v.contact));
  set(out, map.last_message, v.lastMessageAt);
  set(out, map.message_count, v.messageCount);
  return out;
}

/** The contact relation and the review flag. */
export function contactProperties(
  map: ConversationPropertyMap,
  c: ContactLink,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  set(out, map.contact, c.pageIds);
  set(out, map.needs_review, c.reviewNote !== null);
  set(out, map.review_note, c.reviewNote);
  return out;
}

/** What changes as messages arrive (and the contact, when its match changed). */
export function updateProperties(
  map: ConversationPropertyMap,
  v: {
    lastMessageAt: string | null;
    messageCount: number;
    contact?: ContactLink | null;
    title?: string | null;
  },
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (v.title) set(out, map.title, v.title);
  set(out, map.last_message, v.lastMessageAt);
  set(out, map.message_count, v.messageCount);
  if (v.contact) Object.assign(out, contactProperties(map, v.contact));
  return out;
}

export interface PartyMatch {
  phone: string;
  status: "matched" | "ambiguous" | "unknown";
  pageId: string | null;
  candidates: { page_id: string; name: string | null }[];
}

/**
 * The conversation's contact link from each other party's match: matched ones are related;
 * ambiguous ones are not guessed — the page is flagged with every candidate named.
 */
export function contactLink(matches: PartyMatch[]): ContactLink {
  const pageIds = [
    ...new Set(matches.flatMap((m) => m.status === "matched" && m.pageId ? [m.pageId] : [])),
  ];
  const ambiguous = matches.filter((m) => m.status === "ambiguous");
  const reviewNote = ambiguous.length === 0
    ? null
    : ambiguous.map((m) =>
      `${m.phone} matches several contacts: ${
        m.candidates.map((c) => `${c.name ?? "(no name)"} (${c.page_id})`).join(", ")
      }`
    ).join("; ");
  const status = ambiguous.length > 0 ? "ambiguous" : pageIds.length > 0 ? "matched" : "unknown";
  return { status, pageIds, reviewNote };
}

/** The name for the title: the one matched contact's, for a one-to-one conversation. */
export function contactName(matches: PartyMatch[]): string | null {
  if (matches.length !== 1 || matches[0]!.status !== "matched") return null;
  const m = matches[0]!;
  return m.candidates.find((c) => c.page_id === m.pageId)?.name ?? null;
}

/** Same link (relation, flag and note) as before: no need to write it again. */
export function sameContactLink(a: ContactLink | null, b: ContactLink): boolean {
  if (!a) return false;
  return a.status === b.status && a.reviewNote === b.reviewNote &&
    a.pageIds.length === b.pageIds.length && a.pageIds.every((id, i) => id === b.pageIds[i]);
}
