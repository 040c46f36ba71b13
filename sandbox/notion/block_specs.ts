/**
 * Block requests (`children` of `POST /v1/pages` and `PATCH /v1/blocks/:id/children`): the 34
 * block types in Notion's order, at most 100 children per array, and at most two levels of
 * nesting per request — a third level's `children` "should be not present", as Notion answers:
 *
 *   body.children[0].toggle.children[0].toggle.children[0].toggle.children should be not present
 *
 * Text-like blocks, code, equation, divider, breadcrumb, table of contents, bookmark and embed
 * are modelled; the rest (media, tables, columns, synced blocks, …) are refused by name.
 */
import { iconSpec } from "./media.ts";
import { API_COLORS, richTextArray } from "./rich_text.ts";
import {
  arr,
  bool,
  emptyObject,
  literal,
  obj,
  oneOf,
  type Spec,
  str,
  union,
  unsupportedIfPresent,
} from "./validation.ts";

export const MAX_CHILDREN = 100;
/** Notion: "the maximum payload size is 1000 block elements and 500KB overall". */
export const MAX_BLOCKS_PER_REQUEST = 1000;
export const MAX_PAYLOAD_BYTES = 500_000;

const opt = { optional: true };

// deno-fmt-ignore
export const LANGUAGES = [
  "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c", "c#",
  "c++", "clojure", "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf",
  "elixir", "elm", "erlang", "f#", "flow", "fortran", "gherkin", "glsl", "go", "graphql",
  "groovy", "haskell", "hcl", "html", "idris", "java", "javascript", "json", "julia", "kotlin",
  "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile", "markdown", "markup",
  "matlab", "mathematica", "mermaid", "nix", "notion formula", "objective-c", "ocaml", "pascal",
  "perl", "php", "plain text", "powershell", "prolog", "protobuf", "purescript", "python", "r",
  "racket", "reason", "ruby", "rust", "sass", "scala", "scheme", "scss", "shell", "smalltalk",
  "solidity", "sql", "swift", "toml", "typescript", "vb.net", "verilog", "vhdl", "visual basic",
  "webassembly", "xml", "yaml", "java/c/c++/c#",
];

/** The block types of Notion's request union, in the order its messages list them. */
// deno-fmt-ignore
const ORDER = [
  "embed", "bookmark", "image", "video", "pdf", "file", "audio", "code", "equation", "divider",
  "breadcrumb", "tab", "table_of_contents", "link_to_page", "table_row", "ai_block",
  "meeting_notes", "custom_block", "table", "column_list", "column", "heading_1", "heading_2",
  "heading_3", "heading_4", "paragraph", "bulleted_list_item", "numbered_list_item", "quote",
  "to_do", "toggle", "template", "callout", "synced_block",
];

/** Types that hold rich text and may hold children. */
export const TEXT_TYPES = [
  "heading_1",
  "heading_2",
  "heading_3",
  "heading_4",
  "paragraph",
  "bulleted_list_item",
  "numbered_list_item",
  "quote",
  "to_do",
  "toggle",
  "callout",
];

const color = oneOf(API_COLORS, opt);
const media = () => obj({ url: str({ max: 2000 }), caption: richTextArray(opt) });

function textContent(type: string, children: Spec | null, partial = false): Spec {
  const fields: Record<string, Spec> = { rich_text: richTextArray({ optional: partial }), color };
  if (type.startsWith("heading_")) fields.is_toggleable = bool(opt);
  if (type === "to_do") fields.checked = bool(opt);
  if (type === "paragraph" || type === "callout") fields.icon = iconSpec(opt);
  if (children) fields.children = children;
  return obj(fields);
}

const FLAT: Record<string, Spec> = {
  embed: media(),
  bookmark: media(),
  code: obj({
    rich_text: richTextArray(),
    language: oneOf(LANGUAGES),
    caption: richTextArray(opt),
  }),
  equation: obj({ expression: str({ max: 1000 }) }),
  divider: emptyObject(),
  breadcrumb: emptyObject(),
  table_of_contents: obj({ color }),
};

const specs = new Map<number, Spec>();

/** A block at nesting `level` (0: the request's own `children`). */
export function blockSpec(level: number): Spec {
  const cached = specs.get(level);
  if (cached) return cached;
  const children = level < 2
    ? arr(blockSpec(level + 1), { optional: true, max: MAX_CHILDREN })
    : null;
  const variant = (type: string): Spec => {
    const content = FLAT[type] ?? (TEXT_TYPES.includes(type) ? textContent(type, children) : null);
    if (!content) return unsupportedIfPresent(type, `${type} blocks`);
    return obj({ [type]: content, type: literal(type, opt), object: literal("block", opt) });
  };
  const spec = union(ORDER.map(variant));
  specs.set(level, spec);
  return spec;
}

/**
 * `PATCH /v1/blocks/:id`: the block's own type key with the fields to change (no children, no
 * `type`), and/or `in_trash` / `archived`.
 */
export const blockUpdateSpec: Spec = union([
  ...ORDER.map((type) => {
    const content = FLAT[type] ??
      (TEXT_TYPES.includes(type) ? textContent(type, null, true) : null);
    if (!content) return unsupportedIfPresent(type, `${type} blocks`);
    return obj({ [type]: content, in_trash: bool(opt), archived: bool(opt) });
  }),
  obj({ in_trash: bool(), archived: bool(opt) }),
  obj({ archived: bool() }),
]);

export const childrenSpec = (mods: { optional?: boolean } = {}): Spec =>
  arr(blockSpec(0), { max: MAX_CHILDREN, ...mods });

// deno-lint-ignore no-explicit-any
type Input = any;

/** The block type key of a validated block request. */
export const blockType = (req: Input): string => ORDER.find((t) => req[t] !== undefined) ?? "";

/** Blocks in a request, nested ones included. */
export function countBlocks(blocks: Input[] | undefined): number {
  let n = 0;
  for (const b of blocks ?? []) n += 1 + countBlocks(b[blockType(b)]?.children);
  return n;
}
