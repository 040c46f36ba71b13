/**
 * `state()` for tests and `GET /_control/state/notion`: every database, data source and page
 * as the API would answer it, trashed ones included, each page with its content as a tree.
 */
import type { Workspace } from "./workspace.ts";

export type BlockTree = Record<string, unknown> & { children: BlockTree[] };

export interface NotionState {
  databases: Record<string, unknown>[];
  dataSources: Record<string, unknown>[];
  pages: (Record<string, unknown> & { content: BlockTree[] })[];
}

export function snapshot(ws: Workspace): NotionState {
  const { store, render } = ws;
  const tree = (ids: readonly string[]): BlockTree[] =>
    ids.flatMap((id) => {
      const shown = render.child(id);
      if (!shown) return [];
      const block = store.blocks.get(id);
      return [{ ...shown, children: block ? tree(block.childIds) : [] }];
    });
  return {
    databases: [...store.databases.values()].map((db) => render.database(db)),
    dataSources: [...store.dataSources.values()].map((ds) => render.dataSource(ds)),
    pages: [...store.pages.values()].map((p) => ({ ...render.page(p), content: tree(p.childIds) })),
  };
}
