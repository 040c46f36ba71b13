/**
 * The Notion requests a call page needs, over the adapter's budgeted, classified SDK
 * (adapters/notion/client.ts): every failure is a NotionError (outcome not_applied, unknown or
 * committed). Bodies are built by the page builder within Notion's limits.
 */
import type { Client } from "@notionhq/client";
import { isNotionError } from "../../_shared/adapters/notion/errors.ts";
import type { Block } from "../../_shared/domain/notion_pages/blocks.ts";

export interface ChildRef {
  id: string;
  type: string;
}

export interface CallPagesNotion {
  createPage(
    dataSourceId: string,
    properties: Record<string, unknown>,
    children: Block[],
  ): Promise<string>;
  /** Live pages whose `property` (of `type`) equals `value`, oldest first. */
  findPages(dataSourceId: string, property: string, type: string, value: string): Promise<string[]>;
  /** Appends in order (after `after` when given, else at the end); the new top-level ids. */
  append(blockId: string, children: Block[], after?: string): Promise<string[]>;
  /** One page of a block's children from `startCursor` (a block id: Notion's cursors are). */
  children(
    blockId: string,
    startCursor: string | null,
    pageSize: number,
  ): Promise<{ results: ChildRef[]; next: string | null }>;
  deleteBlock(id: string): Promise<void>;
  updatePage(pageId: string, properties: Record<string, unknown>): Promise<void>;
  trashPage(pageId: string): Promise<void>;
}

type Loose = Record<string, unknown>;

export function callPagesNotion(sdk: Client): CallPagesNotion {
  return {
    async createPage(dataSourceId, properties, children) {
      const page = await sdk.pages.create(
        {
          parent: { type: "data_source_id", data_source_id: dataSourceId },
          properties,
          children,
        } as unknown as Parameters<Client["pages"]["create"]>[0],
      );
      return page.id;
    },
    async findPages(dataSourceId, property, type, value) {
      const filterType = type === "title" ? "title" : "rich_text";
      const res = await sdk.dataSources.query(
        {
          data_source_id: dataSourceId,
          page_size: 10,
          filter: { property, [filterType]: { equals: value } },
          sorts: [{ timestamp: "created_time", direction: "ascending" }],
        } as unknown as Parameters<Client["dataSources"]["query"]>[0],
      );
      return (res.results as Loose[])
        .filter((r) => r.object === "page" && r.in_trash !== true && r.archived !== true)
        .map((r) => String(r.id));
    },
    async append(blockId, children, after) {
      const res = await sdk.blocks.children.append(
        {
          block_id: blockId,
          children,
          ...(after ? { after } : {}),
        } as unknown as Parameters<Client["blocks"]["children"]["append"]>[0],
      );
      return (res.results as Loose[]).map((r) => String(r.id));
    },
    async children(blockId, startCursor, pageSize) {
      const res = await sdk.blocks.children.list({
        block_id: blockId,
        page_size: pageSize,
        ...(startCursor ? { start_cursor: startCursor } : {}),
      });
      return {
        results: (res.results as Loose[]).map((r) => ({ id: String(r.id), type: String(r.type) })),
        next: res.has_more ? res.next_cursor : null,
      };
    },
    async deleteBlock(id) {
      try {
        await sdk.blocks.delete({ block_id: id });
      } catch (e) {
        // Already gone (deleted by an earlier attempt whose answer was lost, or by a person).
        if (isNotionError(e) && (e.upstreamStatus === 404 || archived(e))) return;
        throw e;
      }
    },
    async updatePage(pageId, properties) {
      await sdk.pages.update(
        { page_id: pageId, properties } as unknown as Parameters<
          Client["pages"]["update"]
        >[0],
      );
    },
    async trashPage(pageId) {
      try {
        await sdk.pages.update(
          { page_id: pageId, in_trash: true } as unknown as Parameters<
            Client["pages"]["update"]
          >[0],
        );
      } catch (e) {
        if (isNotionError(e) && (e.upstreamStatus === 404 || archived(e))) return;
        throw e;
      }
    },
  };
}

/** "Can't edit block that is archived" (400): the block is in the trash already. */
function archived(e: { upstreamStatus?: number | null; message: string }): boolean {
  return e.upstreamStatus === 400 && /archived|in trash/i.test(e.message);
}
