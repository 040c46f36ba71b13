/**
 * The workspace's operations, shared by the routes and the seed: resolving parents, creating
 * databases with their initial data source, creating pages with properties and content,
 * appending blocks, and moving things in and out of the trash. Requests reach here validated.
 */
import { createBlocks, insertChildren } from "./blocks.ts";
import { archivedError, blockLimitError, notFound, validationError } from "./errors.ts";
import { canonicalId, newId } from "./ids.ts";
import { toMedia } from "./media.ts";
import { Renderer } from "./objects.ts";
import { type RichText, toRichText } from "./rich_text.ts";
import { initialSchema } from "./schema.ts";
import {
  type BlockRecord,
  type DatabaseRecord,
  type DataSourceRecord,
  type PageRecord,
  type Parent,
  Store,
} from "./store.ts";
import { applyValues, initialValues } from "./values.ts";

// deno-lint-ignore no-explicit-any
type Input = any;

export interface WorkspaceOptions {
  botId: string;
  /** Internal integrations (the default) cannot create workspace-level pages or databases. */
  integration: "internal" | "public";
}

export class Workspace {
  readonly store = new Store();
  readonly render: Renderer;
  /** Free multi-member workspaces: 1,000 blocks for the workspace's lifetime; null = unlimited. */
  blockLimit: number | null = null;
  /** Blocks created so far (pages, databases and content blocks); deleting does not give back. */
  blocksUsed = 0;

  constructor(readonly opts: WorkspaceOptions) {
    this.render = new Renderer(this.store, opts.botId);
  }

  rich(items: Input[] | undefined): RichText[] {
    return toRichText(items ?? [], this.render);
  }

  /** Seeded objects are made by a person, who may put them at the workspace's top level. */
  #workspaceParent(byUser: boolean): Parent {
    if (this.opts.integration === "internal" && !byUser) {
      throw validationError(
        "Internal integrations aren't owned by a single user, so creating workspace-level private pages is not supported.",
      );
    }
    return { type: "workspace" };
  }

  /** A live page to hold something new, or Notion's refusal. */
  livePage(id: string): PageRecord {
    const page = this.store.pages.get(id);
    if (!page) throw notFound("page", id);
    if (this.store.isTrashed(id)) throw archivedError();
    return page;
  }

  /** The data source a new page goes into: named directly or through its database. */
  targetDataSource(parent: Input): DataSourceRecord {
    if (parent.data_source_id) {
      const id = canonicalId(parent.data_source_id);
      const ds = this.store.dataSources.get(id);
      if (!ds) throw notFound("data_source", id);
      if (ds.inTrash || this.store.isTrashed(ds.databaseId)) throw archivedError();
      return ds;
    }
    const id = canonicalId(parent.database_id);
    const db = this.store.databases.get(id);
    if (!db) throw notFound("database", id);
    if (db.dataSourceIds.length !== 1) {
      throw validationError(
        `Database ${id} has ${db.dataSourceIds.length} data sources; use a data_source_id parent instead.`,
      );
    }
    return this.targetDataSource({ data_source_id: db.dataSourceIds[0] });
  }

  createDatabase(
    req: Input,
    now: number,
    seed: { id?: string | undefined; dataSourceId?: string | undefined; byUser?: boolean } = {},
  ): { db: DatabaseRecord; ds: DataSourceRecord } {
    this.checkBlockAllowance(seed.byUser ?? false);
    const parent: Parent = req.parent?.page_id
      ? { type: "page_id", id: this.livePage(canonicalId(req.parent.page_id)).id }
      : this.#workspaceParent(seed.byUser ?? false);
    const title = this.rich(req.title);
    const db: DatabaseRecord = {
      id: seed.id ?? newId(),
      parent,
      title,
      description: this.rich(req.description),
      isInline: req.is_inline ?? false,
      icon: toMedia(req.icon),
      cover: toMedia(req.cover),
      inTrash: false,
      isLocked: false,
      dataSourceIds: [],
      createdAt: now,
      editedAt: now,
    };
    const ds: DataSourceRecord = {
      id: seed.dataSourceId ?? newId(),
      databaseId: db.id,
      title,
      description: [],
      icon: db.icon,
      properties: [],
      inTrash: false,
      nextUniqueId: 1,
      createdAt: now,
      editedAt: now,
    };
    // Schema first: a refused schema leaves nothing behind.
    initialSchema(this.store, ds, req.initial_data_source?.properties ?? {});
    db.dataSourceIds.push(ds.id);
    this.store.databases.set(db.id, db);
    this.blocksUsed++;
    this.store.dataSources.set(ds.id, ds);
    if (parent.type === "page_id") this.#adopt(parent.id, db.id, now);
    return { db, ds };
  }

  createPage(
    req: Input,
    now: number,
    seed: { id?: string | undefined; byUser?: boolean } = {},
  ): PageRecord {
    this.checkBlockAllowance(seed.byUser ?? false);
    const p = req.parent ?? { workspace: true };
    let parent: Parent;
    let ds: DataSourceRecord | null = null;
    if (p.data_source_id || p.database_id) {
      ds = this.targetDataSource(p);
      parent = { type: "data_source_id", id: ds.id, databaseId: ds.databaseId };
    } else if (p.page_id) {
      parent = { type: "page_id", id: this.livePage(canonicalId(p.page_id)).id };
    } else {
      parent = this.#workspaceParent(seed.byUser ?? false);
    }
    const page: PageRecord = {
      id: seed.id ?? newId(),
      parent,
      values: new Map(),
      icon: toMedia(req.icon),
      cover: toMedia(req.cover),
      inTrash: false,
      isArchived: false,
      isLocked: false,
      childIds: [],
      seq: 0,
      createdAt: now,
      editedAt: now,
    };
    applyValues(page, ds, req.properties ?? {}, { store: this.store, resolve: this.render });
    if (ds) initialValues(page, ds);
    const content = req.children ?? req.content;
    if (content) {
      page.childIds = this.#blocks({ type: "page_id", id: page.id }, content, now);
    }
    page.seq = this.store.nextSeq();
    this.store.pages.set(page.id, page);
    this.blocksUsed++;
    if (parent.type === "page_id") this.#adopt(parent.id, page.id, now);
    return page;
  }

  /**
   * The block allowance: once it is spent, a write that creates blocks is refused (the write
   * that first reaches it succeeds; Notion's three-day grace period is not modelled — stricter).
   * A person's edits (seeds) are never refused.
   */
  checkBlockAllowance(byUser = false): void {
    if (!byUser && this.blockLimit !== null && this.blocksUsed >= this.blockLimit) {
      throw blockLimitError(this.blockLimit);
    }
  }

  /** Creates blocks, or none: a block refused midway (a bad link URL) takes its siblings back. */
  #blocks(parent: BlockRecord["parent"], requests: Input[], now: number): string[] {
    const before = new Set(this.store.blocks.keys());
    try {
      const ids = createBlocks(this.store, parent, requests, now, this.render);
      this.blocksUsed += this.store.blocks.size - before.size;
      return ids;
    } catch (e) {
      for (const id of [...this.store.blocks.keys()]) {
        if (!before.has(id)) this.store.blocks.delete(id);
      }
      throw e;
    }
  }

  /** A child page or database appears in its parent page's content. */
  #adopt(parentId: string, childId: string, now: number) {
    const parent = this.store.pages.get(parentId);
    if (!parent) return;
    parent.childIds.push(childId);
    parent.editedAt = now;
  }

  /** Appends validated blocks to a page or block; returns the new top-level block ids. */
  append(
    parentId: string,
    children: Input[],
    after: string | "start" | null,
    now: number,
  ): string[] {
    this.checkBlockAllowance();
    const list = this.store.childList(parentId)!;
    if (after !== null && after !== "start" && !list.includes(after)) {
      throw validationError(
        `Could not find block with ID: ${after}. It is not a child of ${parentId}.`,
      );
    }
    const parent = this.store.pages.has(parentId) ? "page_id" : "block_id";
    const ids = this.#blocks({ type: parent, id: parentId }, children, now);
    insertChildren(list, ids, after);
    this.touch(parentId, now);
    return ids;
  }

  /** An edit shows in last_edited_time of the block and the page holding it. */
  touch(id: string, now: number): void {
    for (let cur: string | null = id, hops = 0; cur && hops < 1000; hops++) {
      const block = this.store.blocks.get(cur);
      const page = this.store.pages.get(cur);
      if (block) {
        block.editedAt = now;
        cur = block.parent.id;
      } else {
        if (page) page.editedAt = now;
        return;
      }
    }
  }
}
