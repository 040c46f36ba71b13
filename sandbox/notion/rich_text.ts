/**
 * Rich text: the request shape (with Notion's limits: 2000 characters of text content or link
 * URL, 1000 of an equation, 100 items per array) and the response shape every block, title and
 * text property carries (annotations filled in, plain_text, href).
 */
import { validationError } from "./errors.ts";
import { canonicalId } from "./ids.ts";
import {
  arr,
  bool,
  isoDate,
  literal,
  type Mods,
  obj,
  oneOf,
  type Spec,
  str,
  union,
  unsupportedIfPresent,
  uuid,
} from "./validation.ts";

export const API_COLORS = [
  "default",
  "gray",
  "brown",
  "orange",
  "yellow",
  "green",
  "blue",
  "purple",
  "pink",
  "red",
  "default_background",
  "gray_background",
  "brown_background",
  "orange_background",
  "yellow_background",
  "green_background",
  "blue_background",
  "purple_background",
  "pink_background",
  "red_background",
] as const;

export const MAX_TEXT = 2000;
export const MAX_ITEMS = 100;

const opt = { optional: true };

const annotations = obj({
  bold: bool(opt),
  italic: bool(opt),
  strikethrough: bool(opt),
  underline: bool(opt),
  code: bool(opt),
  color: oneOf(API_COLORS, opt),
}, opt);

/** Keys of a response item that clients echo back; Notion tolerates them on input. */
const echoed = {
  annotations,
  plain_text: str(opt),
  href: str({ optional: true, nullable: true }),
};

export const dateRequest = (mods: Mods = {}): Spec =>
  obj({
    start: isoDate(),
    end: isoDate({ optional: true, nullable: true }),
    time_zone: str({ optional: true, nullable: true }),
  }, mods);

const mention = union([
  obj({ user: obj({ id: uuid(), object: literal("user", opt) }), type: literal("user", opt) }),
  obj({ date: dateRequest(), type: literal("date", opt) }),
  obj({ page: obj({ id: uuid() }), type: literal("page", opt) }),
  obj({ database: obj({ id: uuid() }), type: literal("database", opt) }),
  unsupportedIfPresent("template_mention", "template mentions"),
  unsupportedIfPresent("custom_emoji", "custom emoji mentions"),
]);

export const richTextItem: Spec = union([
  obj({
    text: obj({
      content: str({ max: MAX_TEXT }),
      link: obj({ url: str({ max: MAX_TEXT }) }, { optional: true, nullable: true }),
    }),
    type: literal("text", opt),
    ...echoed,
  }),
  obj({ mention, type: literal("mention", opt), ...echoed }),
  obj({
    equation: obj({ expression: str({ max: 1000 }) }),
    type: literal("equation", opt),
    ...echoed,
  }),
]);

export const richTextArray = (mods: { optional?: boolean } = {}): Spec =>
  arr(richTextItem, { max: MAX_ITEMS, ...mods });

export interface Annotations {
  bold: boolean;
  italic: boolean;
  strikethrough: boolean;
  underline: boolean;
  code: boolean;
  color: string;
}

export type RichText =
  & { plain_text: string; href: string | null; annotations: Annotations }
  & (
    | { type: "text"; text: { content: string; link: { url: string } | null } }
    | { type: "equation"; equation: { expression: string } }
    | { type: "mention"; mention: Record<string, unknown> }
  );

// deno-lint-ignore no-explicit-any
type Input = any;

/** Resolves what a mention shows: a page's or database's title and URL. */
export interface MentionResolver {
  title(kind: "page" | "database", id: string): { title: string; url: string } | null;
}

function isValidLink(url: string): boolean {
  try {
    const u = new URL(url);
    return ["http:", "https:", "mailto:", "tel:"].includes(u.protocol);
  } catch {
    return false;
  }
}

/** Validated request items to response items. */
export function toRichText(items: Input[], resolve: MentionResolver): RichText[] {
  return items.map((item): RichText => {
    const a = item.annotations ?? {};
    const annotations: Annotations = {
      bold: a.bold ?? false,
      italic: a.italic ?? false,
      strikethrough: a.strikethrough ?? false,
      underline: a.underline ?? false,
      code: a.code ?? false,
      color: a.color ?? "default",
    };
    if (item.text) {
      const link = item.text.link?.url ? { url: item.text.link.url as string } : null;
      if (link && !isValidLink(link.url)) {
        throw validationError("Content creation Failed. Fix the following: Invalid URL for link.");
      }
      return {
        type: "text",
        text: { content: item.text.content, link },
        annotations,
        plain_text: item.text.content,
        href: link?.url ?? null,
      };
    }
    if (item.equation) {
      const expression = item.equation.expression as string;
      return {
        type: "equation",
        equation: { expression },
        annotations,
        plain_text: expression,
        href: null,
      };
    }
    return { type: "mention", ...toMention(item.mention, resolve), annotations };
  });
}

function toMention(m: Input, resolve: MentionResolver) {
  if (m.user) {
    return {
      mention: { type: "user", user: { object: "user", id: canonicalId(m.user.id) } },
      plain_text: "@Anonymous",
      href: null,
    };
  }
  if (m.date) {
    const date = {
      start: m.date.start,
      end: m.date.end ?? null,
      time_zone: m.date.time_zone ?? null,
    };
    return { mention: { type: "date", date }, plain_text: date.start, href: null };
  }
  const kind = m.page ? "page" : "database";
  const id = canonicalId((m.page ?? m.database).id as string);
  const found = resolve.title(kind, id);
  return {
    mention: { type: kind, [kind]: { id } },
    plain_text: found?.title || "Untitled",
    href: found?.url ?? null,
  };
}

export const plainText = (items: readonly RichText[]): string =>
  items.map((i) => i.plain_text).join("");

/** Rich text for a plain string (seeding, titles of created objects). */
export const textItems = (content: string): RichText[] =>
  content
    ? [{
      type: "text",
      text: { content, link: null },
      annotations: {
        bold: false,
        italic: false,
        strikethrough: false,
        underline: false,
        code: false,
        color: "default",
      },
      plain_text: content,
      href: null,
    }]
    : [];
