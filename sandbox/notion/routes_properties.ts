/**
 * `GET /v1/pages/:id/properties/:property_id`: one property of a page, in full. Title, rich
 * text, relation and people come as a paginated list of `property_item` objects (the way past
 * the 25 references a page object shows); other types as a single `property_item`.
 */
import type { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { notFound, validationError } from "./errors.ts";
import { route } from "./http.ts";
import { pathId } from "./ids.ts";
import { isoMinute } from "./objects.ts";
import { pageSize } from "./pagination.ts";
import { findProperty } from "./schema.ts";
import { num, obj, str, validate } from "./validation.ts";
import { PAGE_TITLE, renderValue } from "./values.ts";
import type { Workspace } from "./workspace.ts";

const PAGINATED = ["title", "rich_text", "relation", "people"];

export function propertyRoutes(router: Router<SandboxContext>, ws: Workspace): void {
  router.get(
    "/v1/pages/:id/properties/:property_id",
    route((req, p, ctx) => {
      const id = pathId("page_id", p.id);
      const url = new URL(req.url);
      const raw: Record<string, unknown> = {};
      const size = url.searchParams.get("page_size");
      const cursor = url.searchParams.get("start_cursor");
      if (size !== null) raw.page_size = /^\d+$/.test(size) ? Number(size) : size;
      if (cursor !== null) raw.start_cursor = cursor;
      const q = validate<{ page_size?: number; start_cursor?: string }>(
        "query",
        obj({
          page_size: num({ optional: true, max: 100, min: 0 }),
          start_cursor: str({ optional: true }),
        }),
        raw,
      );
      const page = ws.store.pages.get(id);
      if (!page) throw notFound("page", id);
      const ds = page.parent.type === "data_source_id"
        ? ws.store.dataSources.get(page.parent.id)
        : undefined;
      const key = decodeURIComponent(p.property_id ?? "");
      const prop = ds ? findProperty(ds, key) : (key === "title" ? PAGE_TITLE : undefined);
      if (!prop) throw validationError(`Could not find property with name or id: ${key}`);
      const value = renderValue(prop, page, { iso: isoMinute, botId: ws.opts.botId });
      if (!PAGINATED.includes(prop.type)) {
        return {
          object: "property_item",
          id: prop.id,
          type: prop.type,
          [prop.type]: value[prop.type],
        };
      }
      // The full list, not the page object's first 25.
      const all = (page.values.get(prop.id) ?? []) as unknown[];
      const start = q.start_cursor === undefined ? 0 : Number(q.start_cursor);
      if (!Number.isInteger(start) || start < 0 || start > all.length) {
        throw validationError(`The start_cursor provided is invalid: ${q.start_cursor}`);
      }
      const end = start + pageSize(q.page_size);
      const next = end < all.length ? String(end) : null;
      const self = `${ctx.baseUrl()}/notion/v1/pages/${id}/properties/${prop.id}`;
      return {
        object: "list",
        results: all.slice(start, end).map((item) => ({
          object: "property_item",
          id: prop.id,
          type: prop.type,
          [prop.type]: item,
        })),
        next_cursor: next,
        has_more: next !== null,
        type: "property_item",
        property_item: {
          id: prop.id,
          next_url: next ? `${self}?start_cursor=${next}` : null,
          type: prop.type,
          [prop.type]: {},
        },
      };
    }),
  );
}
