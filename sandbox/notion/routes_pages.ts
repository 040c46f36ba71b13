/**
 * Pages: `POST /v1/pages` (parent `data_source_id`, `database_id` resolved to its single data
 * source, `page_id`, or `workspace`; properties checked against the schema; `children` with the
 * block limits), `GET /v1/pages/:id`, and `PATCH /v1/pages/:id` (properties, icon, cover, and
 * `in_trash` / `archived` to move a page to or from the trash).
 */
import type { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { childrenSpec, countBlocks, MAX_BLOCKS_PER_REQUEST } from "./block_specs.ts";
import { archivedError, notFound, validationError } from "./errors.ts";
import { filterProperties, readBody, route } from "./http.ts";
import { pathId } from "./ids.ts";
import { coverSpec, iconSpec, toMedia } from "./media.ts";
import {
  bool,
  literal,
  obj,
  shown,
  union,
  unsupportedField,
  uuid,
  validate,
} from "./validation.ts";
import { applyValues, propertiesSpec } from "./values.ts";
import type { Workspace } from "./workspace.ts";

const opt = { optional: true };
const optNull = { optional: true, nullable: true };

const parentSpec = union([
  obj({ page_id: uuid(), type: literal("page_id", opt) }),
  obj({ database_id: uuid(), type: literal("database_id", opt) }),
  obj({ data_source_id: uuid(), type: literal("data_source_id", opt) }),
  obj({ workspace: literal(true), type: literal("workspace", opt) }),
], opt);

const createSpec = obj({
  parent: parentSpec,
  properties: propertiesSpec(true),
  icon: iconSpec(optNull),
  cover: coverSpec(optNull),
  content: childrenSpec(opt),
  children: childrenSpec(opt),
  markdown: unsupportedField("markdown page content"),
  allow_async: bool(opt),
  template: unsupportedField("page templates"),
  position: unsupportedField("page positions"),
});

const updateSpec = obj({
  properties: propertiesSpec(true),
  icon: iconSpec(optNull),
  cover: coverSpec(optNull),
  is_locked: bool(opt),
  template: unsupportedField("page templates"),
  erase_content: bool(opt),
  in_trash: bool(opt),
  archived: bool(opt),
  is_archived: bool(opt),
});

// deno-lint-ignore no-explicit-any
type Input = any;

/** Notion's per-request block limit counts nested blocks too. */
export function checkBlockCount(children: Input[] | undefined, key = "children"): void {
  const n = countBlocks(children);
  if (n > MAX_BLOCKS_PER_REQUEST) {
    throw validationError(
      `body failed validation: body.${key} should contain at most \`${MAX_BLOCKS_PER_REQUEST}\` block elements including nested children, instead was \`${n}\`.`,
    );
  }
}

export function pageRoutes(router: Router<SandboxContext>, ws: Workspace): void {
  router.post(
    "/v1/pages",
    route(async (req, _p, ctx) => {
      const body = validate<Input>("body", createSpec, await readBody(req));
      const given = ["children", "content"].filter((k) => body[k] !== undefined);
      if (given.length > 1) {
        throw validationError(
          `body failed validation: body.content should be not present, instead was ${
            shown(body.content)
          }.`,
        );
      }
      checkBlockCount(body.children ?? body.content, given[0] ?? "children");
      const page = ws.createPage(body, ctx.clock.now());
      return ws.render.page(page, filterProperties(req));
    }),
  );

  router.get(
    "/v1/pages/:id",
    route((req, p) => {
      const id = pathId("page_id", p.id);
      const page = ws.store.pages.get(id);
      if (!page) throw notFound("page", id);
      return ws.render.page(page, filterProperties(req));
    }),
  );

  router.patch(
    "/v1/pages/:id",
    route(async (req, p, ctx) => {
      const id = pathId("page_id", p.id);
      const body = validate<Input>("body", updateSpec, await readBody(req));
      const page = ws.store.pages.get(id);
      if (!page) throw notFound("page", id);
      const trash: boolean | undefined = body.in_trash ?? body.archived;
      // In the trash, only taking it out is allowed (even trashing again is refused).
      if (ws.store.isTrashed(id) && !(page.inTrash && trash === false)) throw archivedError();
      const now = ctx.clock.now();
      const ds = page.parent.type === "data_source_id"
        ? ws.store.dataSources.get(page.parent.id) ?? null
        : null;
      applyValues(page, ds, body.properties ?? {}, { store: ws.store, resolve: ws.render });
      if (trash !== undefined) page.inTrash = trash;
      if (body.icon !== undefined) page.icon = toMedia(body.icon);
      if (body.cover !== undefined) page.cover = toMedia(body.cover);
      if (body.is_locked !== undefined) page.isLocked = body.is_locked;
      if (body.is_archived !== undefined) page.isArchived = body.is_archived;
      if (body.erase_content) {
        for (const child of page.childIds) {
          const block = ws.store.blocks.get(child);
          if (block) block.inTrash = true;
        }
      }
      page.editedAt = now;
      return ws.render.page(page, filterProperties(req));
    }),
  );
}
