/**
 * Notion's request limits (developers.notion.com/reference/request-limits, patch-block-children)
 * and the margins the page builder keeps under them. Every request the publisher sends is built
 * within these by construction (blocks.ts, pack.ts), never trimmed after a 400.
 */
export const NOTION_LIMITS = {
  /** `text.content` (and link URLs) per rich text item. */
  textChars: 2000,
  /** Items in any rich text array. */
  richTextItems: 100,
  /** Elements of any `children` array (per request). */
  children: 100,
  /** Levels of `children` per request: a top-level block's children may not have children. */
  nesting: 2,
  /** Block elements per request, nested ones included. */
  blocksPerRequest: 1000,
  /** Bytes per request body. */
  bytesPerRequest: 500_000,
  /** URLs (url properties, links). */
  urlChars: 2000,
  /** Options of a multi-select value. */
  multiSelect: 100,
  /** Phone numbers and emails. */
  phoneChars: 200,
} as const;

/** Our margins: what one request may carry (bytes leave room for headers of the JSON envelope). */
export const PACK_LIMITS = {
  topLevel: NOTION_LIMITS.children,
  blocks: NOTION_LIMITS.blocksPerRequest,
  bytes: 450_000,
  /** One transcript unit (a toggle with its children) stays under this many bytes. */
  unitBytes: 100_000,
} as const;

export type PackLimits = { topLevel: number; blocks: number; bytes: number };
