/**
 * Records rendered into Notion's 2025-09-03 response objects: database (a container listing
 * `data_sources: [{id, name}]`, no properties), data source (schema in `properties`), page,
 * and the child_page / child_database blocks that stand for pages and databases in a parent's
 * children. Timestamps are rounded down to the minute, as Notion rounds created_time and
 * last_edited_time.
 */
import { renderBlock } from "./blocks.ts";
import { notionUrl } from "./ids.ts";
import { type MentionResolver, plainText, type RichText } from "./rich_text.ts";
import { renderSchema } from "./schema.ts";
import type { DatabaseRecord, DataSourceRecord, PageRecord, Parent, Store } from "./store.ts";
import { PAGE_TITLE, renderValue } from "./values.ts";

export const isoMinute = (ms: number): string =>
  new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

export function renderParent(parent: Parent): Record<string, unknown> {
  switch (parent.type) {
    case "workspace":
      return { type: "workspace", workspace: true };
    case "data_source_id":
      return { type: "data_source_id", data_source_id: parent.id, database_id: parent.databaseId };
    default:
      return { type: parent.type, [parent.type]: parent.id };
  }
}

export class Renderer implements MentionResolver {
  constructor(readonly store: Store, readonly botId: string) {}

  get #user() {
    return { object: "user", id: this.botId };
  }

  pageTitle(page: PageRecord): RichText[] {
    const ds = page.parent.type === "data_source_id"
      ? this.store.dataSources.get(page.parent.id)
      : null;
    const titleId = ds ? ds.properties.find((p) => p.type === "title")?.id : "title";
    return (titleId ? page.values.get(titleId) ?? [] : []) as RichText[];
  }

  title(kind: "page" | "database", id: string): { title: string; url: string } | null {
    if (kind === "page") {
      const page = this.store.pages.get(id);
      if (!page) return null;
      const title = plainText(this.pageTitle(page));
      return { title, url: notionUrl(id, title) };
    }
    const db = this.store.databases.get(id);
    return db ? { title: plainText(db.title), url: notionUrl(id) } : null;
  }

  database(db: DatabaseRecord): Record<string, unknown> {
    return {
      object: "database",
      id: db.id,
      title: db.title,
      description: db.description,
      parent: renderParent(db.parent),
      is_inline: db.isInline,
      in_trash: db.inTrash,
      archived: db.inTrash,
      is_locked: db.isLocked,
      created_time: isoMinute(db.createdAt),
      last_edited_time: isoMinute(db.editedAt),
      data_sources: db.dataSourceIds.map((id) => {
        const ds = this.store.dataSources.get(id);
        return { id, name: ds ? plainText(ds.title) : "" };
      }),
      icon: db.icon,
      cover: db.cover,
      url: notionUrl(db.id),
      public_url: null,
    };
  }

  dataSource(ds: DataSourceRecord): Record<string, unknown> {
    const db = this.store.databases.get(ds.databaseId);
    return {
      object: "data_source",
      id: ds.id,
      title: ds.title,
      description: ds.description,
      parent: { type: "database_id", database_id: ds.databaseId },
      database_parent: db ? renderParent(db.parent) : { type: "workspace", workspace: true },
      is_inline: db?.isInline ?? false,
      in_trash: ds.inTrash,
      archived: ds.inTrash,
      created_time: isoMinute(ds.createdAt),
      last_edited_time: isoMinute(ds.editedAt),
      created_by: this.#user,
      last_edited_by: this.#user,
      properties: renderSchema(ds),
      icon: ds.icon,
      cover: db?.cover ?? null,
      url: notionUrl(ds.id),
      public_url: null,
    };
  }

  /** A page; `only` limits properties to those ids (the `filter_properties` parameter). */
  page(page: PageRecord, only?: readonly string[]): Record<string, unknown> {
    const ds = page.parent.type === "data_source_id"
      ? this.store.dataSources.get(page.parent.id)
      : null;
    const ctx = { iso: isoMinute, botId: this.botId };
    const schema = ds ? ds.properties : [PAGE_TITLE];
    const properties = Object.fromEntries(
      schema
        .filter((p) =>
          !only?.length || only.includes(p.id) || only.includes(decodeURIComponent(p.id))
        )
        .map((p) => [p.name, renderValue(p, page, ctx)]),
    );
    return {
      object: "page",
      id: page.id,
      created_time: isoMinute(page.createdAt),
      last_edited_time: isoMinute(page.editedAt),
      created_by: this.#user,
      last_edited_by: this.#user,
      cover: page.cover,
      icon: page.icon,
      parent: renderParent(page.parent),
      in_trash: page.inTrash,
      archived: page.inTrash,
      is_archived: page.isArchived,
      is_locked: page.isLocked,
      properties,
      url: notionUrl(page.id, plainText(this.pageTitle(page))),
      public_url: null,
    };
  }

  /** Any child id of a page or block: a block, or the block standing for a page or database. */
  child(id: string): Record<string, unknown> | null {
    const ctx = { iso: isoMinute, botId: this.botId, store: this.store };
    const block = this.store.blocks.get(id);
    if (block) return renderBlock(block, ctx);
    const page = this.store.pages.get(id);
    const db = this.store.databases.get(id);
    const rec = page ?? db;
    if (!rec) return null;
    const parent = rec.parent.type === "block_id" ? "block_id" : "page_id";
    const type = page ? "child_page" : "child_database";
    const title = page ? plainText(this.pageTitle(page)) : plainText(db!.title);
    return {
      object: "block",
      id,
      parent: { type: parent, [parent]: this.store.parentOf(rec.parent) },
      created_time: isoMinute(rec.createdAt),
      last_edited_time: isoMinute(rec.editedAt),
      created_by: this.#user,
      last_edited_by: this.#user,
      has_children: page ? page.childIds.length > 0 : false,
      archived: rec.inTrash,
      in_trash: rec.inTrash,
      type,
      [type]: { title },
    };
  }
}
