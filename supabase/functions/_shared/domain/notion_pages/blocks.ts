/**
 * Block requests as Notion's API takes them (`children` of POST /v1/pages and PATCH
 * /v1/blocks/:id/children), and the three measures every request is held to: top-level count,
 * blocks including nested ones, and bytes of the JSON body.
 */
import { NOTION_LIMITS } from "./limits.ts";
import type { RichTextItem } from "./rich_text.ts";

export interface Block {
  object: "block";
  type: string;
  [type: string]: unknown;
}

type TextBlockType =
  | "paragraph"
  | "heading_2"
  | "heading_3"
  | "bulleted_list_item"
  | "to_do"
  | "toggle"
  | "callout"
  | "quote";

function textBlock(
  type: TextBlockType,
  rich_text: RichTextItem[],
  extra: Record<string, unknown> = {},
  children?: Block[],
): Block {
  if (rich_text.length > NOTION_LIMITS.richTextItems) {
    throw new Error(`${type}: over ${NOTION_LIMITS.richTextItems} rich text items`);
  }
  if (children && children.length > NOTION_LIMITS.children) {
    throw new Error(`${type}: over ${NOTION_LIMITS.children} children`);
  }
  return {
    object: "block",
    type,
    [type]: { rich_text, ...extra, ...(children && children.length > 0 ? { children } : {}) },
  };
}

export const paragraph = (rt: RichTextItem[]): Block => textBlock("paragraph", rt);
export const heading2 = (rt: RichTextItem[]): Block => textBlock("heading_2", rt);
export const heading3 = (rt: RichTextItem[]): Block => textBlock("heading_3", rt);
export const bullet = (rt: RichTextItem[]): Block => textBlock("bulleted_list_item", rt);
export const toDo = (rt: RichTextItem[], checked = false): Block =>
  textBlock("to_do", rt, { checked });
export const toggle = (rt: RichTextItem[], children: Block[]): Block =>
  textBlock("toggle", rt, {}, children);
export const callout = (rt: RichTextItem[], emoji: string, children: Block[]): Block =>
  textBlock("callout", rt, { icon: { type: "emoji", emoji } }, children);

/** The block's own children (none for blocks without). */
export function childrenOf(b: Block): Block[] {
  const body = b[b.type] as { children?: Block[] } | undefined;
  return body?.children ?? [];
}

/** Blocks in `blocks`, nested ones included (Notion's 1,000-per-request count). */
export function countBlocks(blocks: readonly Block[]): number {
  let n = 0;
  for (const b of blocks) n += 1 + countBlocks(childrenOf(b));
  return n;
}

/** Levels of blocks: 1 for blocks without children, 2 when some have children, … */
export function depth(blocks: readonly Block[]): number {
  let d = 0;
  for (const b of blocks) d = Math.max(d, 1 + depth(childrenOf(b)));
  return d;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of the value as JSON (what the request body weighs). */
export function jsonBytes(v: unknown): number {
  return encoder.encode(JSON.stringify(v)).length;
}
