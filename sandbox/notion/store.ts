/**
 * The fake workspace's state: databases (containers), their data sources (schema and rows),
 * pages and blocks. Records keep what Notion keeps; objects.ts renders them into Notion's
 * response shapes. Times are epoch milliseconds from the sandbox clock.
 */
import type { RichText } from "./rich_text.ts";

/** Where a page or database lives. */
export type Parent =
  | { type: "workspace" }
  | { type: "page_id"; id: string }
  | { type: "block_id"; id: string }
  | { type: "data_source_id"; id: string; databaseId: string };

export interface Timestamps {
  createdAt: number;
  editedAt: number;
}

export type Icon = Record<string, unknown> | null;

export interface PropertyConfig {
  id: string;
  name: string;
  type: string;
  description: string | null;
  /** The type's own config as answered, e.g. `{options: [...]}` for a select. */
  config: Record<string, unknown>;
}

export interface DataSourceRecord extends Timestamps {
  id: string;
  databaseId: string;
  title: RichText[];
  description: RichText[];
  icon: Icon;
  /** In schema order. */
  properties: PropertyConfig[];
  inTrash: boolean;
  nextUniqueId: number;
}

export interface DatabaseRecord extends Timestamps {
  id: string;
  parent: Parent;
  title: RichText[];
  description: RichText[];
  isInline: boolean;
  icon: Icon;
  cover: Icon;
  inTrash: boolean;
  isLocked: boolean;
  dataSourceIds: string[];
}

export interface PageRecord extends Timestamps {
  id: string;
  parent: Parent;
  /** Property id → stored value (the part under the type key, e.g. rich text for a title). */
  values: Map<string, unknown>;
  icon: Icon;
  cover: Icon;
  inTrash: boolean;
  isArchived: boolean;
  isLocked: boolean;
  /** Top-level blocks, including child_page / child_database blocks, in order. */
  childIds: string[];
  /** Insertion sequence: the tie-breaker behind stable sort orders and cursors. */
  seq: number;
}

export interface BlockRecord extends Timestamps {
  id: string;
  parent: { type: "page_id" | "block_id"; id: string };
  type: string;
  /** The type's content as answered, without children. */
  content: Record<string, unknown>;
  childIds: string[];
  inTrash: boolean;
}

export class Store {
  databases = new Map<string, DatabaseRecord>();
  dataSources = new Map<string, DataSourceRecord>();
  pages = new Map<string, PageRecord>();
  blocks = new Map<string, BlockRecord>();
  #seq = 0;

  nextSeq(): number {
    return ++this.#seq;
  }

  clear(): void {
    this.databases.clear();
    this.dataSources.clear();
    this.pages.clear();
    this.blocks.clear();
    this.#seq = 0;
  }

  /** The children list of a page or block (blocks can be appended to either). */
  childList(id: string): string[] | null {
    return this.pages.get(id)?.childIds ?? this.blocks.get(id)?.childIds ?? null;
  }

  /** A page, block or database is in the trash itself or through an ancestor. */
  isTrashed(id: string): boolean {
    for (let cur: string | null = id, hops = 0; cur && hops < 1000; hops++) {
      const page = this.pages.get(cur);
      const block = this.blocks.get(cur);
      const db = this.databases.get(cur);
      const rec = page ?? block ?? db;
      if (!rec) return false;
      if (rec.inTrash) return true;
      if (rec.parent.type === "data_source_id" && this.dataSources.get(rec.parent.id)?.inTrash) {
        return true;
      }
      cur = this.parentOf(rec.parent);
    }
    return false;
  }

  parentOf(parent: Parent): string | null {
    if (parent.type === "workspace") return null;
    if (parent.type === "data_source_id") return parent.databaseId;
    return parent.id;
  }

  /** Pages whose parent is a data source, in insertion order. */
  rows(dataSourceId: string): PageRecord[] {
    return [...this.pages.values()].filter((p) =>
      p.parent.type === "data_source_id" && p.parent.id === dataSourceId
    );
  }
}
