/**
 * Blocks: `PATCH /v1/blocks/:id/children` (append at most 100 blocks, two levels of nesting,
 * optionally `after` a child), `GET /v1/blocks/:id/children` (paginated), `GET /v1/blocks/:id`
 * and `DELETE /v1/blocks/:id` (to the trash). A page id is a block id too.
 */
import type { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { blockType, blockUpdateSpec, childrenSpec, TEXT_TYPES } from "./block_specs.ts";
import { liveChildren, updateContent } from "./blocks.ts";
import { archivedError, notFound, validationError } from "./errors.ts";
import { readBody, route } from "./http.ts";
import { canonicalId, pathId } from "./ids.ts";
import { listBody, pageParams, paginate } from "./pagination.ts";
import { checkBlockCount } from "./routes_pages.ts";
import { literal, obj, type Spec, union, uuid, validate } from "./validation.ts";
import type { Workspace } from "./workspace.ts";

const opt = { optional: true };

/** The 2026-03-11 `position`; 2025-09-03 clients send `after`. */
const positionSpec: Spec = union([
  obj({ type: literal("after_block"), after_block: obj({ id: uuid() }) }),
  obj({ type: literal("start") }),
  obj({ type: literal("end") }),
], opt);

const appendSpec = obj({ children: childrenSpec(), after: uuid(opt), position: positionSpec });

// deno-lint-ignore no-explicit-any
type Input = any;

function anchor(body: Input): string | "start" | null {
  if (body.after) return canonicalId(body.after);
  const pos = body.position;
  if (!pos || pos.type === "end") return null;
  return pos.type === "start" ? "start" : canonicalId(pos.after_block.id);
}

export function blockRoutes(router: Router<SandboxContext>, ws: Workspace): void {
  const { store } = ws;

  router.patch(
    "/v1/blocks/:id/children",
    route(async (req, p, ctx) => {
      const id = pathId("block_id", p.id);
      const body = validate<Input>("body", appendSpec, await readBody(req));
      if (body.after !== undefined && body.position !== undefined) {
        throw validationError(
          "body failed validation: body.after should be not present, instead was " +
            `\`${JSON.stringify(body.after)}\`.`,
        );
      }
      checkBlockCount(body.children);
      const block = store.blocks.get(id);
      if (!store.pages.has(id) && !block) throw notFound("block", id);
      if (store.isTrashed(id)) throw archivedError();
      if (block && !TEXT_TYPES.includes(block.type)) {
        throw validationError(`Block type ${block.type} does not support children.`);
      }
      const ids = ws.append(id, body.children, anchor(body), ctx.clock.now());
      return listBody(
        { results: ids.map((c) => ws.render.child(c)!), next_cursor: null, has_more: false },
        "block",
      );
    }),
  );

  router.get(
    "/v1/blocks/:id/children",
    route((req, p) => {
      const id = pathId("block_id", p.id);
      const { cursor, size } = pageParams(new URL(req.url));
      const list = store.childList(id);
      if (!list) throw notFound("block", id);
      const page = paginate(liveChildren(store, list), (c) => c, cursor, size);
      return listBody({ ...page, results: page.results.map((c) => ws.render.child(c)!) }, "block");
    }),
  );

  router.get(
    "/v1/blocks/:id",
    route((_req, p) => {
      const id = pathId("block_id", p.id);
      const found = ws.render.child(id);
      if (!found) throw notFound("block", id);
      return found;
    }),
  );

  router.patch(
    "/v1/blocks/:id",
    route(async (req, p, ctx) => {
      const id = pathId("block_id", p.id);
      const body = validate<Input>("body", blockUpdateSpec, await readBody(req));
      const block = store.blocks.get(id);
      if (!block) throw notFound("block", id);
      const trash: boolean | undefined = body.in_trash ?? body.archived;
      if (store.isTrashed(id) && !(block.inTrash && trash === false)) throw archivedError();
      const type = blockType(body);
      // Observed wording; a block keeps its type.
      if (type && type !== block.type) {
        throw validationError(`Expected block type ${block.type} in request body`);
      }
      if (type) updateContent(block, body[type], ws.render);
      if (trash !== undefined) block.inTrash = trash;
      ws.touch(id, ctx.clock.now());
      return ws.render.child(id);
    }),
  );

  router.delete(
    "/v1/blocks/:id",
    route((_req, p, ctx) => {
      const id = pathId("block_id", p.id);
      const rec = store.blocks.get(id) ?? store.pages.get(id) ?? store.databases.get(id);
      if (!rec) throw notFound("block", id);
      if (store.isTrashed(id)) throw archivedError();
      rec.inTrash = true;
      rec.editedAt = ctx.clock.now();
      if (store.blocks.has(id)) ws.touch(store.blocks.get(id)!.parent.id, ctx.clock.now());
      return ws.render.child(id);
    }),
  );
}
