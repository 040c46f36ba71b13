/**
 * The Notion fake (API version 2025-09-03, as @notionhq/client v5 sends it): databases holding
 * data sources, pages with schema-checked properties, blocks, search; Notion's validation
 * messages, limits, rate limit and error bodies. See README.md.
 */
import type { SandboxContext, VendorModule } from "../core/vendor.ts";
import { committedError, errorForStatus, errorResponse } from "./errors.ts";
import { createGuard, type GuardOptions } from "./guard.ts";
import { createRouter } from "./routes.ts";
import { seedWorkspace } from "./seed.ts";
import { type NotionState, snapshot } from "./state.ts";
import { viewRoutes } from "./view.ts";
import { Workspace } from "./workspace.ts";

export interface NotionOptions extends GuardOptions {
  /** The integration's bot user, which creates and edits everything. */
  botId?: string;
  /** "internal" (default) integrations cannot create workspace-level pages or databases. */
  integration?: "internal" | "public";
  /**
   * The workspace's lifetime block allowance (1,000 for a Free workspace with more than one
   * member; null, the default, for paid and single-member workspaces). Also `seed.blockLimit`.
   */
  blockLimit?: number | null;
}

export interface NotionModule extends VendorModule {
  state(): NotionState;
  /** The live workspace, for tests that look deeper than `state()`. */
  workspace: Workspace;
}

export type { NotionState };

export function createNotion(opts: NotionOptions = {}): NotionModule {
  const ws = new Workspace({
    botId: opts.botId ?? "9a1c3f4e-0d7b-4e55-8f2a-6b1c2d3e4f50",
    integration: opts.integration ?? "internal",
  });
  ws.blockLimit = opts.blockLimit ?? null;
  const guard = createGuard(opts);
  return {
    name: "notion",
    workspace: ws,
    router: createRouter(ws),
    // The workspace as read-only HTML pages, at /_control/notion/view (view.ts).
    control: viewRoutes(ws),
    guard: (req: Request, _path: string, ctx: SandboxContext) => guard.check(req, ctx),
    errorResponse: (status, message, retryAfterSec) =>
      // Injected faults carry the sandbox's placeholder message; Notion's own reads better.
      errorResponse(
        errorForStatus(status, message === "Injected fault" ? undefined : message, retryAfterSec),
      ),
    // A write applied, then answered 503: additional_data says what was saved. A created page
    // or database: committed_resource_id. Appended blocks: the parent as committed_resource_id
    // and the new top-level blocks as committed_child_ids. An update of an existing object:
    // retry_guidance only (the caller knows the id).
    async committedResponse(status, applied, method, path) {
      const body = await applied.json() as { id?: string; results?: { id: string }[] };
      const append = /^\/v1\/blocks\/([^/]+)\/children$/.exec(path);
      const created = method === "POST" && /^\/v1\/(pages|databases)$/.test(path);
      return errorResponse(committedError(
        status,
        append && method === "PATCH"
          ? {
            committed_resource_id: body.results?.[0]
              ? ws.store.blocks.get(body.results[0].id)?.parent.id ?? append[1]
              : append[1],
            committed_child_ids: (body.results ?? []).map((b) => b.id),
          }
          : created && body.id
          ? { committed_resource_id: body.id }
          : {},
      ));
    },
    reset() {
      ws.store.clear();
      ws.blocksUsed = 0;
      ws.blockLimit = opts.blockLimit ?? null;
      guard.reset();
    },
    seed: (data, ctx) => seedWorkspace(ws, data, ctx.clock.now()),
    state: () => snapshot(ws),
  };
}
