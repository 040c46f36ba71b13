/**
 * Blocks as stored and answered: creating validated block requests under a page or block,
 * appending them at a position, and the block object shape (`{object: "block", id, parent,
 * created_time, …, has_children, archived, in_trash, type, <type>: {...}}`).
 */
import { blockType, TEXT_TYPES } from "./block_specs.ts";
import { toMedia } from "./media.ts";
import { type MentionResolver, toRichText } from "./rich_text.ts";
import type { BlockRecord, Store } from "./store.ts";
import { newId } from "./ids.ts";

// deno-lint-ignore no-explicit-any
type Input = any;

function content(type: string, req: Input, resolve: MentionResolver): Record<string, unknown> {
  const rt = (items: Input[] | undefined) => toRichText(items ?? [], resolve);
  if (TEXT_TYPES.includes(type)) {
    const out: Record<string, unknown> = {
      rich_text: rt(req.rich_text),
      color: req.color ?? "default",
    };
    if (type.startsWith("heading_")) out.is_toggleable = req.is_toggleable ?? false;
    if (type === "to_do") out.checked = req.checked ?? false;
    if (type === "paragraph" || type === "callout") out.icon = toMedia(req.icon);
    return out;
  }
  switch (type) {
    case "code":
      return { caption: rt(req.caption), rich_text: rt(req.rich_text), language: req.language };
    case "equation":
      return { expression: req.expression };
    case "embed":
    case "bookmark":
      return { caption: rt(req.caption), url: req.url };
    case "table_of_contents":
      return { color: req.color ?? "default" };
    default:
      return {};
  }
}

/** A validated update's fields replace the block's; the rest stay as they were. */
export function updateContent(block: BlockRecord, req: Input, resolve: MentionResolver): void {
  const next = content(block.type, req, resolve);
  for (const key of Object.keys(next)) {
    if (req[key] !== undefined) block.content[key] = next[key];
  }
}

/** Creates validated block requests (and their children) under `parentId`; returns their ids. */
export function createBlocks(
  store: Store,
  parent: BlockRecord["parent"],
  requests: Input[],
  now: number,
  resolve: MentionResolver,
): string[] {
  return requests.map((req) => {
    const type = blockType(req);
    const body = req[type] ?? {};
    const block: BlockRecord = {
      id: newId(),
      parent,
      type,
      content: content(type, body, resolve),
      childIds: [],
      inTrash: false,
      createdAt: now,
      editedAt: now,
    };
    store.blocks.set(block.id, block);
    if (Array.isArray(body.children)) {
      block.childIds = createBlocks(
        store,
        { type: "block_id", id: block.id },
        body.children,
        now,
        resolve,
      );
    }
    return block.id;
  });
}

/**
 * Inserts ids into a children list: at the end, at the start, or after a sibling (the `after`
 * of 2025-09-03, or `position` of 2026-03-11). Returns false when the sibling is not a child.
 */
export function insertChildren(
  list: string[],
  ids: string[],
  afterId: string | "start" | null,
): boolean {
  if (afterId === null) {
    list.push(...ids);
    return true;
  }
  if (afterId === "start") {
    list.unshift(...ids);
    return true;
  }
  const at = list.indexOf(afterId);
  if (at < 0) return false;
  list.splice(at + 1, 0, ...ids);
  return true;
}

export interface BlockRenderContext {
  iso(ms: number): string;
  botId: string;
  store: Store;
}

/** Live (not trashed) children of a page or block, in order. */
export function liveChildren(store: Store, ids: readonly string[]): string[] {
  return ids.filter((id) => {
    const b = store.blocks.get(id);
    if (b) return !b.inTrash;
    const p = store.pages.get(id) ?? store.databases.get(id);
    return p ? !p.inTrash : false;
  });
}

export function renderBlock(block: BlockRecord, ctx: BlockRenderContext): Record<string, unknown> {
  const user = { object: "user", id: ctx.botId };
  return {
    object: "block",
    id: block.id,
    parent: { type: block.parent.type, [block.parent.type]: block.parent.id },
    created_time: ctx.iso(block.createdAt),
    last_edited_time: ctx.iso(block.editedAt),
    created_by: user,
    last_edited_by: user,
    has_children: liveChildren(ctx.store, block.childIds).length > 0,
    archived: block.inTrash,
    in_trash: block.inTrash,
    type: block.type,
    [block.type]: block.content,
  };
}
