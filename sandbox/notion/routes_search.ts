/**
 * `POST /v1/search`: pages and data sources (2025-09-03 returns data sources, not databases)
 * whose title contains `query`, case-insensitively; trashed objects excluded; most recently
 * edited first, or by `sort: {timestamp: "last_edited_time", direction}`; paginated.
 */
import type { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { validationError } from "./errors.ts";
import { readBody, route } from "./http.ts";
import { cursorSpec, listBody, pageSize, pageSizeSpec, paginate } from "./pagination.ts";
import { plainText } from "./rich_text.ts";
import { bool, literal, obj, oneOf, str, union, validate } from "./validation.ts";
import type { Workspace } from "./workspace.ts";

const opt = { optional: true };

const searchSpec = obj({
  sort: union([
    obj({ timestamp: str(), direction: oneOf(["ascending", "descending"], opt) }),
    obj({ property: literal("relevance") }),
  ], opt),
  query: str(opt),
  start_cursor: cursorSpec(),
  page_size: pageSizeSpec(),
  filter: union([
    obj({
      property: literal("object"),
      value: oneOf(["page", "data_source"]),
      in_trash: bool(opt),
    }),
    obj({ in_trash: bool() }),
  ], opt),
});

// deno-lint-ignore no-explicit-any
type Input = any;

interface Hit {
  id: string;
  kind: "page" | "data_source";
  title: string;
  editedAt: number;
  seq: number;
}

export function searchRoutes(router: Router<SandboxContext>, ws: Workspace): void {
  const { store } = ws;

  router.post(
    "/v1/search",
    route(async (req) => {
      const body = validate<Input>("body", searchSpec, await readBody(req));
      if (body.sort?.timestamp !== undefined && body.sort.timestamp !== "last_edited_time") {
        // Observed wording, without the usual "body failed validation" prefix.
        throw validationError(
          'body.sort.timestamp should be "last_edited_time" when sorting by timestamp.',
        );
      }
      const trashed: boolean = body.filter?.in_trash ?? false;
      const kind: string | undefined = body.filter?.value;
      const hits: Hit[] = [];
      if (kind !== "data_source") {
        for (const p of store.pages.values()) {
          const title = plainText(ws.render.pageTitle(p));
          hits.push({ id: p.id, kind: "page", title, editedAt: p.editedAt, seq: p.seq });
        }
      }
      if (kind !== "page") {
        let seq = 0;
        for (const ds of store.dataSources.values()) {
          const title = plainText(ds.title);
          hits.push({ id: ds.id, kind: "data_source", title, editedAt: ds.editedAt, seq: --seq });
        }
      }
      const q = (body.query ?? "").toLowerCase();
      const inTrash = (h: Hit) => {
        if (h.kind === "page") return store.isTrashed(h.id);
        const ds = store.dataSources.get(h.id)!;
        return ds.inTrash || store.isTrashed(ds.databaseId);
      };
      const found = hits.filter((h) => inTrash(h) === trashed && h.title.toLowerCase().includes(q));
      const ascending = body.sort?.direction === "ascending";
      found.sort((a, b) =>
        a.editedAt === b.editedAt
          ? (ascending ? a.seq - b.seq : b.seq - a.seq)
          : (ascending ? a.editedAt - b.editedAt : b.editedAt - a.editedAt)
      );
      const page = paginate(found, (h) => h.id, body.start_cursor, pageSize(body.page_size));
      return listBody({
        ...page,
        results: page.results.map((h) =>
          h.kind === "page"
            ? ws.render.page(store.pages.get(h.id)!)
            : ws.render.dataSource(store.dataSources.get(h.id)!)
        ),
      }, "page_or_data_source");
    }),
  );
}
