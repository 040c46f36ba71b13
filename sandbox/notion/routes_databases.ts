/**
 * Databases and data sources (API 2025-09-03): `POST /v1/databases` with
 * `initial_data_source.properties`, `GET/PATCH /v1/databases/:id` (a container: `data_sources`,
 * no properties), `GET/PATCH /v1/data_sources/:id` (the schema) and
 * `POST /v1/data_sources/:id/query`.
 */
import type { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { archivedError, notFound } from "./errors.ts";
import { filterSpec, sortsSpec } from "./filter_specs.ts";
import { filterProperties, readBody, route } from "./http.ts";
import { pathId } from "./ids.ts";
import { coverSpec, iconSpec, toMedia } from "./media.ts";
import { cursorSpec, listBody, pageSize, pageSizeSpec, paginate } from "./pagination.ts";
import { checkFilter, checkSorts, matches, sortRows } from "./query.ts";
import { richTextArray } from "./rich_text.ts";
import { schemaSpec, schemaUpdateSpec, updateSchema } from "./schema.ts";
import {
  bool,
  literal,
  obj,
  oneOf,
  union,
  unsupportedField,
  uuid,
  validate,
} from "./validation.ts";
import type { Workspace } from "./workspace.ts";

const opt = { optional: true };
const optNull = { optional: true, nullable: true };

const createSpec = obj({
  // The SDK types `type` as required here, unlike a page's parent.
  parent: union([
    obj({ type: literal("page_id"), page_id: uuid() }),
    obj({ type: literal("workspace"), workspace: literal(true) }),
  ]),
  title: richTextArray(opt),
  description: richTextArray(opt),
  is_inline: bool(opt),
  initial_data_source: obj({ properties: schemaSpec(true) }, opt),
  icon: iconSpec(optNull),
  cover: coverSpec(optNull),
});

const updateDatabaseSpec = obj({
  parent: unsupportedField("moving databases"),
  title: richTextArray(opt),
  description: richTextArray(opt),
  is_inline: bool(opt),
  icon: iconSpec(optNull),
  cover: coverSpec(optNull),
  in_trash: bool(opt),
  is_locked: bool(opt),
});

const updateDataSourceSpec = obj({
  title: richTextArray(opt),
  icon: iconSpec(optNull),
  properties: schemaUpdateSpec,
  in_trash: bool(opt),
  archived: bool(opt),
  parent: unsupportedField("moving data sources"),
});

const querySpec = obj({
  sorts: sortsSpec,
  filter: filterSpec,
  start_cursor: cursorSpec(),
  page_size: pageSizeSpec(),
  in_trash: bool(opt),
  archived: bool(opt),
  result_type: oneOf(["page", "data_source"], opt),
});

// deno-lint-ignore no-explicit-any
type Input = any;

export function databaseRoutes(router: Router<SandboxContext>, ws: Workspace): void {
  const { store } = ws;
  const database = (raw: string | undefined) => {
    const id = pathId("database_id", raw);
    const db = store.databases.get(id);
    if (!db) throw notFound("database", id);
    return db;
  };
  const dataSource = (raw: string | undefined) => {
    const id = pathId("data_source_id", raw);
    const ds = store.dataSources.get(id);
    if (!ds) throw notFound("data_source", id);
    return ds;
  };

  router.post(
    "/v1/databases",
    route(async (req, _p, ctx) => {
      const body = validate<Input>("body", createSpec, await readBody(req));
      return ws.render.database(ws.createDatabase(body, ctx.clock.now()).db);
    }),
  );

  router.get("/v1/databases/:id", route((_req, p) => ws.render.database(database(p.id))));

  router.patch(
    "/v1/databases/:id",
    route(async (req, p, ctx) => {
      const db = database(p.id);
      const body = validate<Input>("body", updateDatabaseSpec, await readBody(req));
      if (store.isTrashed(db.id) && body.in_trash !== false) throw archivedError();
      if (body.title) db.title = ws.rich(body.title);
      if (body.description) db.description = ws.rich(body.description);
      if (body.is_inline !== undefined) db.isInline = body.is_inline;
      if (body.icon !== undefined) db.icon = toMedia(body.icon);
      if (body.cover !== undefined) db.cover = toMedia(body.cover);
      if (body.in_trash !== undefined) db.inTrash = body.in_trash;
      if (body.is_locked !== undefined) db.isLocked = body.is_locked;
      db.editedAt = ctx.clock.now();
      return ws.render.database(db);
    }),
  );

  router.get("/v1/data_sources/:id", route((_req, p) => ws.render.dataSource(dataSource(p.id))));

  router.patch(
    "/v1/data_sources/:id",
    route(async (req, p, ctx) => {
      const ds = dataSource(p.id);
      const body = validate<Input>("body", updateDataSourceSpec, await readBody(req));
      const trash: boolean | undefined = body.in_trash ?? body.archived;
      if ((ds.inTrash || store.isTrashed(ds.databaseId)) && trash !== false) throw archivedError();
      if (body.properties) updateSchema(store, ds, body.properties);
      if (body.title) ds.title = ws.rich(body.title);
      if (body.icon !== undefined) ds.icon = toMedia(body.icon);
      if (trash !== undefined) ds.inTrash = trash;
      ds.editedAt = ctx.clock.now();
      return ws.render.dataSource(ds);
    }),
  );

  router.post(
    "/v1/data_sources/:id/query",
    route(async (req, p, ctx) => {
      const ds = dataSource(p.id);
      const body = validate<Input>("body", querySpec, await readBody(req));
      checkFilter(ds, body.filter);
      checkSorts(ds, body.sorts);
      const trashed: boolean = body.in_trash ?? body.archived ?? false;
      const env = { now: ctx.clock.now(), botId: ws.opts.botId };
      const rows = body.result_type === "data_source"
        ? []
        : store.rows(ds.id).filter((page) =>
          store.isTrashed(page.id) === trashed && matches(ds, page, body.filter, env)
        );
      const sorted = sortRows(ds, rows, body.sorts);
      const page = paginate(sorted, (r) => r.id, body.start_cursor, pageSize(body.page_size));
      const only = filterProperties(req);
      return listBody(
        { ...page, results: page.results.map((r) => ws.render.page(r, only)) },
        "page_or_data_source",
      );
    }),
  );
}
