/**
 * The model's output is untrusted text: a transcript can carry instructions aimed at the model,
 * and a model can be talked into echoing links, mentions or markup. Before a summary is stored
 * (and later written to Notion) every string goes through `sanitizeText`: plain single-line
 * text, no links (URLs, markdown links, e-mail addresses, bare domains), no @mentions, no
 * markdown or HTML, no control or invisible characters, cut to its field's bound.
 */
import { type CallSummary, type Categories, LIMITS, SENTIMENTS } from "./schema.ts";

/** Top-level domains that chat and note apps turn into links (plus every two-letter one). */
const TLDS =
  "com|net|org|edu|gov|mil|int|info|biz|name|pro|app|dev|io|ai|co|me|tv|xyz|online|site|" +
  "website|store|shop|tech|cloud|link|click|live|news|blog|page|top|club|icu|vip|win|email|" +
  "today|world|space|fun|agency|company|services|solutions|digital|media|network|systems|" +
  "zone|one|life|help|support|business|center|global|group|team|work|works|tools|social|" +
  "chat|inc|llc|ltd|bank|finance|money|pay|law|health|care|art|design|studio|land|house|" +
  "church|school|academy|zip|mov|onion|local|internal|[a-z]{2}";

const SCHEMES = /\b(?:[a-z][a-z0-9+.-]{1,20}):\/\/\S*/gi;
const OPAQUE_SCHEMES = /\b(?:mailto|tel|sms|javascript|data|file|callto|skype|notion|slack):\S*/gi;
const WWW = /\bwww\d?\.\S*/gi;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const BARE_DOMAIN = new RegExp(
  String
    .raw`(?<![\p{L}\p{N}_-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+(?:${TLDS})` +
    String.raw`(?![\p{L}\p{N}_-])(?::\d{1,5})?(?:[/?#]\S*)?`,
  "giu",
);
const MD_IMAGE = /!\[([^\]]*)\]\([^)]*\)/g;
const MD_LINK = /\[([^\]]*)\]\([^)]*\)/g;
const MD_REF_LINK = /\[([^\]]*)\]\[[^\]]*\]/g;
const HTML_TAG = /<\/?[a-z!?][^>]*>/gi;
const HTML_ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,10});/gi;
const MENTION = /@+([\p{L}\p{N}._-]*)/gu;
/** Markdown and HTML control characters, and brackets a link or tag could be rebuilt from. */
const MARKUP = /[`*_~#>|<[\]\\]/g;
/** Control, format (zero-width, bidi overrides) and private-use characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\u2028\u2029]/gu;

function cut(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  const head = chars.slice(0, max - 1).join("");
  const space = head.lastIndexOf(" ");
  return `${(space > max * 0.6 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** Plain, single-line, link-free and mention-free text of at most `max` characters. */
export function sanitizeText(input: string, max: number): string {
  let s = input.normalize("NFKC");
  s = s.replace(/[\r\n\t\u2028\u2029]+/g, " ").replace(INVISIBLE, "");
  s = s.replace(MD_IMAGE, "$1").replace(MD_LINK, "$1").replace(MD_REF_LINK, "$1");
  s = s.replace(HTML_TAG, " ").replace(HTML_ENTITY, " ");
  // Links before mentions: an address is removed whole, not turned into a name and a domain.
  s = s.replace(SCHEMES, " ").replace(OPAQUE_SCHEMES, " ").replace(WWW, " ");
  s = s.replace(EMAIL, " ");
  s = s.replace(BARE_DOMAIN, " ");
  s = s.replace(MENTION, "$1");
  s = s.replace(MARKUP, " ");
  // Removing markup can join a domain back together ("exa*mple.com" → "exa mple.com" stays
  // apart, but "example.*com" → "example. com"): run the link rules once more on the result.
  s = s.replace(SCHEMES, " ").replace(WWW, " ").replace(EMAIL, " ").replace(BARE_DOMAIN, " ");
  s = s.replace(/\s+/g, " ").replace(/\s+([,.;:!?])/g, "$1").trim();
  // A leading list marker or heading left over ("- ", "1. ", "+ ").
  s = s.replace(/^(?:[-+]\s+|\d{1,3}[.)]\s+)/, "");
  return cut(s, max);
}

function texts(list: readonly string[], max: number, count: number): string[] {
  const out: string[] = [];
  for (const item of list) {
    const clean = sanitizeText(item, max);
    if (clean && !out.includes(clean)) out.push(clean);
    if (out.length === count) break;
  }
  return out;
}

function optional(s: string | null, max: number): string | null {
  if (s === null) return null;
  const clean = sanitizeText(s, max);
  return clean === "" ? null : clean;
}

/**
 * A summary as it may be stored and published: every string sanitised and bounded, empty items
 * dropped, enums checked against the allowed values (an unknown category becomes the last
 * configured one, by convention "other"). Never adds a key the schema does not have.
 */
export function sanitizeSummary(raw: CallSummary, categories: Categories): CallSummary {
  const actions: CallSummary["action_items"] = [];
  for (const a of raw.action_items) {
    const text = sanitizeText(a.text, LIMITS.actionText);
    if (!text) continue;
    actions.push({
      text,
      owner: optional(a.owner, LIMITS.owner),
      due: optional(a.due, LIMITS.due),
    });
    if (actions.length === LIMITS.actionItems) break;
  }
  const sentiment = (SENTIMENTS as readonly string[]).includes(raw.sentiment)
    ? raw.sentiment
    : "neutral";
  const category = categories.includes(raw.category)
    ? raw.category
    : categories[categories.length - 1]!;
  const needed = raw.follow_up_needed === true;
  return {
    title: sanitizeText(raw.title, LIMITS.title) || "Call",
    summary: sanitizeText(raw.summary, LIMITS.summary),
    key_points: texts(raw.key_points, LIMITS.keyPoint, LIMITS.keyPoints),
    action_items: actions,
    follow_up_needed: needed,
    follow_up_by: needed ? optional(raw.follow_up_by, LIMITS.followUpBy) : null,
    follow_up_reason: needed ? optional(raw.follow_up_reason, LIMITS.followUpReason) : null,
    sentiment: sentiment as CallSummary["sentiment"],
    topics: texts(raw.topics, LIMITS.topic, LIMITS.topics),
    category,
  };
}

/** Every string in a value (for tests and checks: nothing in a summary may carry a link). */
export function allStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(allStrings);
  if (v && typeof v === "object") return Object.values(v).flatMap(allStrings);
  return [];
}

/** What counts as a link or a mention in published text (the sanitiser's contract). */
export function carriesLinkOrMention(s: string): boolean {
  return [SCHEMES, OPAQUE_SCHEMES, WWW, EMAIL, BARE_DOMAIN, MD_LINK, HTML_TAG, /@/].some((re) =>
    s.search(re) >= 0
  );
}
