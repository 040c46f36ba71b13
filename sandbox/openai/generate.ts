/**
 * The fake model's answers. With a JSON schema it walks the schema and fills every value from
 * the text analysis, so the output is schema-valid and reads like an answer to the input: a
 * "summary" holds the best sentences, "action_items" the tasks the conversation asked for or
 * committed to, a "sentiment" enum the lexicon's verdict, an `email` the address the text
 * mentions (or null when it mentions none and null is allowed). Without a schema it writes a
 * short plain-text summary. The same input and schema always give the same output.
 */
import { fnv1a, hexOf } from "./hash.ts";
import { stringMatching } from "./pattern.ts";
import { allowsNull, isSchema, resolveRef, type Schema, typesOf } from "./schema_util.ts";
import { type Kind, kindOf, nameWords } from "./semantics.ts";
import { type Analysis, contentWords, type Sentence, sentimentOf, TIME_PHRASE } from "./text.ts";

/** What an array item is about: one action, one sentence, one speaker … */
interface Focus {
  text: string;
  sentence: Sentence | null;
  /** The kind of list the item came from; a field of the same kind is the item itself. */
  kind?: Kind;
}

interface Ctx {
  path: string[];
  name: string;
  description: unknown;
  focus: Focus | null;
  depth: number;
  /** How many `$ref`s led here: recursion is cut short on this, not on plain nesting. */
  refs: number;
  nullable: boolean;
}

/** Past this many `$ref` hops, recursion adds no optional structure (empty arrays, nulls). */
const SOFT_REFS = 4;
const HARD_DEPTH = 64;
const NOT_MENTIONED = "Not mentioned";

export function generateFromSchema(
  schema: Schema,
  analysis: Analysis,
  seed: string,
  now: number,
): unknown {
  return new Generator(schema, analysis, seed, now).value(schema, {
    path: [],
    name: "",
    description: undefined,
    focus: null,
    depth: 0,
    refs: 0,
    nullable: false,
  });
}

/** A plain-text answer: the gist of the conversation, and its action items when it has some. */
export function plainTextReply(a: Analysis): string {
  if (a.sentences.length === 0) return "Hello! How can I help you today?";
  if (a.sentences.length < 3) return summaryOf(a, 1);
  const actions = a.actions.map((x) => `- ${x.text}.`).join("\n");
  return `${summaryOf(a, 3)}${actions ? `\n\nAction items:\n${actions}` : ""}`;
}

/** JSON mode without a schema: a small object a caller asking for JSON would expect. */
export function jsonObjectReply(a: Analysis): Record<string, unknown> {
  return {
    summary: summaryOf(a, 2),
    action_items: a.actions.map((x) => x.text),
    keywords: a.keywords.slice(0, 5),
    sentiment: sentimentWord(a.sentiment.score, a.sentiment, false),
  };
}

/** The `n` best sentences, in their original order. */
export function summaryOf(a: Analysis, n: number): string {
  return a.ranked.slice(0, n).sort((x, y) => x.index - y.index).map((s) => s.text).join(" ");
}

function sentimentWord(score: number, s: Analysis["sentiment"], mixed: boolean): string {
  if (mixed && s.positive > 0 && s.negative > 0 && Math.abs(score) <= 1) return "mixed";
  return score > 0 ? "positive" : score < 0 ? "negative" : "neutral";
}

const SENTIMENT_SYNONYMS: Record<string, string[]> = {
  positive: ["positive", "good", "happy", "satisfied", "pleased", "satisfied"],
  negative: ["negative", "bad", "unhappy", "frustrated", "angry", "dissatisfied"],
  neutral: ["neutral", "ok", "okay", "calm", "indifferent"],
  mixed: ["mixed"],
};
const PRIORITIES = ["critical", "urgent", "high", "medium", "normal", "moderate", "low"];

class Generator {
  #genericCursor = 0;
  constructor(
    readonly root: Schema,
    readonly a: Analysis,
    readonly seed: string,
    readonly now: number,
  ) {}

  value(node: Schema, ctx: Ctx): unknown {
    if (ctx.depth > HARD_DEPTH) return null;
    const nullable = ctx.nullable || allowsNull(node, this.root);
    if (typeof node.$ref === "string") {
      const target = resolveRef(this.root, node.$ref);
      if (!target || (nullable && ctx.refs > SOFT_REFS)) return null;
      return this.value(target, {
        ...ctx,
        description: node.description ?? ctx.description,
        depth: ctx.depth + 1,
        refs: ctx.refs + 1,
        nullable,
      });
    }
    const here = { ...ctx, description: node.description ?? ctx.description, nullable };
    if (Array.isArray(node.anyOf)) {
      const branch = node.anyOf.find((b) =>
        isSchema(b) && !(typesOf(b).length === 1 && typesOf(b)[0] === "null")
      );
      return isSchema(branch) ? this.value(branch, here) : null;
    }
    if ("const" in node) return node.const;
    if (Array.isArray(node.enum)) return this.enumValue(node.enum, here);

    const type = typesOf(node).find((t) => t !== "null");
    switch (type) {
      case "object":
        return this.objectValue(node, here);
      case "array":
        return this.arrayValue(node, here);
      case "number":
        return this.numberValue(node, here, false);
      case "integer":
        return this.numberValue(node, here, true);
      case "boolean":
        return this.booleanValue(here);
      case undefined:
        if (nullable) return null;
        return this.stringValue(node, here);
      default:
        return this.stringValue(node, here);
    }
  }

  objectValue(node: Schema, ctx: Ctx): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const props = isSchema(node.properties) ? node.properties : {};
    for (const [key, prop] of Object.entries(props)) {
      if (!isSchema(prop)) continue;
      out[key] = this.value(prop, {
        path: [...ctx.path, key],
        name: key,
        description: undefined,
        focus: ctx.focus,
        depth: ctx.depth + 1,
        refs: ctx.refs,
        nullable: false,
      });
    }
    return out;
  }

  arrayValue(node: Schema, ctx: Ctx): unknown[] {
    const items = isSchema(node.items) ? node.items : {};
    const resolved = typeof items.$ref === "string"
      ? resolveRef(this.root, items.$ref) ?? items
      : items;
    const min = typeof node.minItems === "number" ? node.minItems : 0;
    const max = typeof node.maxItems === "number" ? node.maxItems : Infinity;

    if (Array.isArray(resolved.enum)) return this.enumArray(resolved.enum, ctx, min, max);

    const kind = kindOf(ctx.name, ctx.description);
    const { list, cap } = this.listFor(kind, ctx.focus);
    for (const f of list) f.kind ??= kind;
    const wanted = ctx.refs > SOFT_REFS ? 0 : Math.min(list.length, cap);
    const n = Math.max(min, Math.min(max, wanted));
    const extra = this.a.ranked.map((s) => ({ text: s.text, sentence: s }));
    return Array.from({ length: n }, (_, i) =>
      this.value(items, {
        path: [...ctx.path, String(i)],
        name: ctx.name,
        description: ctx.description,
        focus: list[i] ?? extra[(i - list.length) % Math.max(1, extra.length)] ?? null,
        depth: ctx.depth + 1,
        refs: ctx.refs,
        nullable: false,
      }));
  }

  /** The material an array of this kind is made of, and how many items it takes by default. */
  listFor(kind: Kind, focus: Focus | null): { list: Focus[]; cap: number } {
    const a = this.a;
    const plain = (xs: string[]) => xs.map((text) => ({ text, sentence: null }));
    switch (kind) {
      case "actions":
        return { list: a.actions.map((x) => ({ ...x })), cap: 10 };
      case "questions":
        return { list: a.questions.map((s) => ({ text: s.text, sentence: s })), cap: 10 };
      case "keywords":
        return { list: plain(a.keywords), cap: 5 };
      case "person":
        return { list: plain(a.speakers), cap: 10 };
      case "email":
        return { list: plain(a.emails), cap: 10 };
      case "phone":
        return { list: plain(a.phones), cap: 10 };
      case "url":
        return { list: plain(a.urls), cap: 10 };
      default: {
        const pool = focus ? [focus] : a.ranked.map((s) => ({ text: s.text, sentence: s }));
        return { list: pool, cap: 3 };
      }
    }
  }

  enumArray(values: unknown[], ctx: Ctx, min: number, max: number): unknown[] {
    const text = (ctx.focus?.text ?? this.a.text).toLowerCase();
    const mentioned = values.filter((v) => typeof v === "string" && mentions(text, v));
    const n = Math.max(min, Math.min(max, mentioned.length));
    const rest = values.filter((v) => !mentioned.includes(v));
    const pool = [...mentioned, ...rest];
    return Array.from({ length: n }, (_, i) => pool[i % Math.max(1, pool.length)]);
  }

  enumValue(values: unknown[], ctx: Ctx): unknown {
    const strings = values.filter((v): v is string => typeof v === "string");
    if (strings.length === 0) return values.find((v) => v !== null) ?? values[0];
    const kind = kindOf(ctx.name, ctx.description);
    const lower = strings.map((v) => v.toLowerCase());

    const sentimentFamily = lower.filter((v) => v in SENTIMENT_SYNONYMS).length >= 2;
    if (kind === "sentiment" || sentimentFamily) {
      const s = ctx.focus ? sentimentOf(ctx.focus.text) : this.a.sentiment;
      const word = sentimentWord(s.score, s, lower.includes("mixed"));
      for (const syn of SENTIMENT_SYNONYMS[word]!) {
        const i = lower.indexOf(syn);
        if (i >= 0) return strings[i];
      }
    }

    if (lower.filter((v) => PRIORITIES.includes(v)).length >= 2) {
      const urgent = ctx.focus ? /urgent|asap|immediately|right away/i.test(ctx.focus.text) : false;
      const want = urgent || this.a.urgent
        ? ["critical", "urgent", "high"]
        : this.a.actions.length >= 2
        ? ["medium", "normal", "moderate"]
        : ["low", "normal", "medium"];
      for (const w of want) {
        const i = lower.indexOf(w);
        if (i >= 0) return strings[i];
      }
    }

    for (const text of [ctx.focus?.text, this.a.text]) {
      if (!text) continue;
      const counts = strings.map((v) => countMentions(text.toLowerCase(), v));
      const best = Math.max(...counts);
      if (best > 0) return strings[counts.indexOf(best)];
    }
    return strings[fnv1a(`${this.seed}|${ctx.path.join(".")}`) % strings.length];
  }

  stringValue(node: Schema, ctx: Ctx): string | null {
    const format = typeof node.format === "string" ? node.format : null;
    let s = format
      ? this.formatted(format, ctx)
      : this.semantic(kindOf(ctx.name, ctx.description), ctx);
    if (s === null && ctx.nullable) return null;
    s ??= format ? this.formatFallback(format, ctx) : NOT_MENTIONED;
    if (typeof node.pattern === "string") {
      let re: RegExp | null = null;
      try {
        re = new RegExp(node.pattern, "u");
      } catch {
        re = null;
      }
      if (re && !re.test(s)) s = stringMatching(node.pattern) ?? s;
      return s;
    }
    return this.fitLength(s, node);
  }

  /** The field's value from the analysis; null when the text does not say. */
  semantic(kind: Kind, ctx: Ctx): string | null {
    const a = this.a;
    const f = ctx.focus;
    if (f?.kind === kind && f.sentence === null) return f.text;
    const within = f?.text ?? a.text;
    switch (kind) {
      case "actions":
        return f?.text ?? (a.actions.length ? a.actions.map((x) => x.text).join("; ") : null);
      case "questions":
        return f?.text ?? (a.questions.length ? a.questions.map((q) => q.text).join(" ") : null);
      case "keywords":
        return f?.text ?? (a.keywords.length ? a.keywords.slice(0, 5).join(", ") : null);
      case "sentiment": {
        const s = f ? sentimentOf(f.text) : a.sentiment;
        return sentimentWord(s.score, s, false);
      }
      case "summary":
        return f?.text ?? (a.sentences.length ? summaryOf(a, 3) : null);
      case "title":
        return f ? shortTitle(f.text) : titleOf(a);
      case "email":
        return firstMatch(within, /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/) ??
          (f ? null : a.emails[0] ?? null);
      case "phone":
        return firstMatch(within, /\+?\d[\d ().-]{7,}\d/) ?? null;
      case "url":
        return firstMatch(within, /https?:\/\/[^\s)"'>]+/) ?? null;
      case "date":
        return firstMatch(within, /\b\d{4}-\d{2}-\d{2}\b/) ?? firstMatch(within, TIME_PHRASE);
      case "person":
        return f ? f.sentence?.speaker ?? null : a.speakers[0] ?? null;
      case "reason": {
        const s = a.sentences.find((x) =>
          /\b(calling|wanted|need|looking|because|about|regarding|follow up)\b/i.test(x.text)
        );
        return f?.text ?? s?.text ?? a.ranked[0]?.text ?? null;
      }
      case "language":
        return /\b(code|locale|lang|iso)\b/.test(nameWords(ctx.name)) ? "en" : "English";
      case "count":
      case "score":
      case "duration":
        return String(this.numberBase(kind, ctx, { lo: 0, hi: Infinity }));
      case "points":
        return f?.text ?? a.ranked[0]?.text ?? null;
      case "generic": {
        if (f) return f.text;
        const s = a.ranked[this.#genericCursor++ % Math.max(1, a.ranked.length)];
        return s?.text ?? null;
      }
    }
  }

  /** A string in one of the formats strict mode allows, read from the text when it has one. */
  formatted(format: string, ctx: Ctx): string | null {
    const within = ctx.focus?.text ?? this.a.text;
    const iso = firstMatch(within, /\b\d{4}-\d{2}-\d{2}\b/);
    switch (format) {
      case "date-time":
        return iso ? `${iso}T00:00:00Z` : null;
      case "date":
        return iso;
      case "time": {
        const m = /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/i.exec(within);
        if (!m) return null;
        const h = (Number(m[1]) % 12) + (m[3]!.toLowerCase() === "pm" ? 12 : 0);
        return `${String(h).padStart(2, "0")}:${m[2] ?? "00"}:00`;
      }
      case "email":
        return firstMatch(within, /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/);
      case "hostname": {
        const url = firstMatch(within, /https?:\/\/[^\s/)"'>]+/);
        return url ? url.replace(/^https?:\/\//, "") : null;
      }
      default:
        return this.formatFallback(format, ctx);
    }
  }

  formatFallback(format: string, ctx: Ctx): string {
    const h = hexOf(`${this.seed}|${ctx.path.join(".")}`, 32);
    const day = new Date(this.now).toISOString();
    switch (format) {
      case "date-time":
        return `${day.slice(0, 19)}Z`;
      case "date":
        return day.slice(0, 10);
      case "time":
        return day.slice(11, 19);
      case "duration":
        return `PT${Math.max(1, this.a.sentences.length)}M`;
      case "email":
        return "unknown@example.com";
      case "hostname":
        return "example.com";
      case "ipv4":
        return `192.0.2.${(parseInt(h.slice(0, 2), 16) % 254) + 1}`;
      case "ipv6":
        return `2001:db8::${h.slice(0, 4)}`;
      case "uuid":
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${
          "89ab"[parseInt(h[16]!, 16) % 4]
        }${h.slice(17, 20)}-${h.slice(20, 32)}`;
      default:
        return NOT_MENTIONED;
    }
  }

  /** Fits minLength/maxLength: cut at a word boundary, or extend with further sentences. */
  fitLength(s: string, node: Schema): string {
    const min = typeof node.minLength === "number" ? node.minLength : 0;
    const max = typeof node.maxLength === "number" ? node.maxLength : Infinity;
    let out = s;
    for (const extra of this.a.ranked) {
      if ([...out].length >= min) break;
      if (!out.includes(extra.text)) out = `${out} ${extra.text}`.trim();
    }
    while ([...out].length < min) out = `${out} ${this.a.keywords[0] ?? "n/a"}`.trim();
    if ([...out].length > max) {
      const chars = [...out].slice(0, max).join("");
      const cut = chars.replace(/\s+\S*$/, "").replace(/[\s,;:.-]+$/, "");
      out = [...cut].length >= Math.max(min, 1) ? cut : chars;
    }
    return out;
  }

  numberValue(node: Schema, ctx: Ctx, integer: boolean): number {
    const bounds = numberBounds(node, integer);
    const kind = kindOf(ctx.name, ctx.description);
    return fitNumber(this.numberBase(kind, ctx, bounds), node, integer, bounds);
  }

  numberBase(kind: Kind, ctx: Ctx, bounds: { lo: number; hi: number }): number {
    const a = this.a;
    const words = nameWords(ctx.name);
    const span = (lo: number, hi: number, t: number) => lo + (hi - lo) * t;
    const lo = Number.isFinite(bounds.lo) ? bounds.lo : null;
    const hi = Number.isFinite(bounds.hi) ? bounds.hi : null;
    switch (kind) {
      case "actions":
        return a.actions.length;
      case "questions":
        return a.questions.length;
      case "keywords":
        return Math.min(5, a.keywords.length);
      case "person":
        return a.speakers.length;
      case "count":
        if (/action|task|todo|step/.test(words)) return a.actions.length;
        if (/question/.test(words)) return a.questions.length;
        if (/speaker|participant|people|person/.test(words)) return a.speakers.length;
        if (/keyword|topic|tag/.test(words)) return Math.min(5, a.keywords.length);
        if (/word/.test(words)) return contentWords(a.text).length;
        return a.sentences.length;
      case "sentiment":
      case "score": {
        const s = ctx.focus ? sentimentOf(ctx.focus.text) : a.sentiment;
        const t = Math.max(-1, Math.min(1, s.score / 3));
        if (/confidence|probability|likelihood/.test(words)) {
          return lo !== null && hi !== null ? span(lo, hi, 0.9) : 0.9;
        }
        if (lo !== null && hi !== null) return span(lo, hi, (t + 1) / 2);
        return kind === "sentiment" ? t : (t + 1) / 2;
      }
      case "duration": {
        const seconds = Math.round(a.text.split(/\s+/).filter(Boolean).length / 2.5);
        return /minute/.test(words) ? Math.max(1, Math.round(seconds / 60)) : seconds;
      }
      default: {
        const within = ctx.focus?.text ?? a.text;
        const n = firstMatch(within, /(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)/);
        return n !== null ? Number(n) : a.sentences.length;
      }
    }
  }

  booleanValue(ctx: Ctx): boolean {
    const a = this.a;
    const words = nameWords(ctx.name);
    const text = (ctx.focus?.text ?? a.text).toLowerCase();
    if (/follow|callback|call back|action|next step|todo/.test(words)) return a.actions.length > 0;
    if (/question/.test(words)) return a.questions.length > 0;
    if (/urgent|escalat|emergency|priority/.test(words)) return a.urgent;
    if (/positive|satisf|resolved|happy|success/.test(words)) return a.sentiment.score > 0;
    if (/negative|complain|angry|upset|unhappy/.test(words)) return a.sentiment.score < 0;
    if (/voicemail/.test(words)) return /voicemail|left a message|leave a message/.test(text);
    if (/spam|robo/.test(words)) return false;
    const significant = contentWords(words).filter((w) => !["has", "is", "was"].includes(w));
    return significant.length > 0 && significant.some((w) => text.includes(w));
  }
}

function mentions(text: string, value: string): boolean {
  return countMentions(text, value) > 0;
}

function countMentions(text: string, value: string): number {
  const phrase = value.toLowerCase().replace(/[_-]+/g, " ").trim();
  if (!phrase) return 0;
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return (text.replace(/[_-]+/g, " ").match(new RegExp(`\\b${escaped}\\b`, "g")) ?? []).length;
}

function firstMatch(text: string, re: RegExp): string | null {
  return re.exec(text)?.[0]?.trim() ?? null;
}

/** A title: the strongest sentence, cut short. */
function titleOf(a: Analysis): string | null {
  const best = a.ranked[0];
  return best ? shortTitle(best.text) : null;
}

/** A sentence cut to at most eight words, without trailing punctuation. */
function shortTitle(text: string): string {
  const w = text.split(/\s+/).slice(0, 8).join(" ").replace(/[\s,;:.!?-]+$/, "");
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function numberBounds(node: Schema, integer: boolean): { lo: number; hi: number } {
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  let lo = num(node.minimum) ?? -Infinity;
  let hi = num(node.maximum) ?? Infinity;
  const exLo = num(node.exclusiveMinimum);
  const exHi = num(node.exclusiveMaximum);
  const step = integer ? 1 : 1e-6;
  if (exLo !== null) lo = Math.max(lo, integer ? Math.floor(exLo) + 1 : exLo + step);
  if (exHi !== null) hi = Math.min(hi, integer ? Math.ceil(exHi) - 1 : exHi - step);
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
  }
  return { lo, hi };
}

/** Clamps into the bounds, rounds integers and snaps to `multipleOf` inside the bounds. */
function fitNumber(
  v: number,
  node: Schema,
  integer: boolean,
  { lo, hi }: { lo: number; hi: number },
): number {
  let x = Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : 0));
  if (integer) x = Math.round(x);
  const m = typeof node.multipleOf === "number" && node.multipleOf > 0 ? node.multipleOf : null;
  if (m !== null) {
    x = Math.round(x / m) * m;
    if (x < lo) x += m * Math.ceil((lo - x) / m);
    if (x > hi) x -= m * Math.ceil((x - hi) / m);
    x = Number(x.toPrecision(12));
  }
  if (!integer) x = Number(x.toFixed(6));
  return Object.is(x, -0) ? 0 : x;
}
