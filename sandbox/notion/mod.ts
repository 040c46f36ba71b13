/**
 * The Notion fake (API version 2025-09-03, as @notionhq/client v5 sends it): databases holding
 * data sources, pages with schema-checked properties, blocks, search; Notion's validation
 * messages, limits, rate limit and error bodies. See README.md.
 */
import type { SandboxContext, VendorModule } from "../core/vendor.ts";
import { errorForStatus, errorResponse } from "./errors.ts";
import { createGuard, type GuardOptions } from "./guard.ts";
import { createRouter } from "./routes.ts";
import { seedWorkspace } from "./seed.ts";
import { type NotionState, snapshot } from "./state.ts";
import { Workspace } from "./workspace.ts";

export interface NotionOptions extends GuardOptions {
  /** The integration's bot user, which creates and edits everything. */
  botId?: string;
  /** "internal" (default) integrations cannot create workspace-level pages or databases. */
  integration?: "internal" | "public";
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
  const guard = createGuard(opts);
  return {
    name: "notion",
    workspace: ws,
    router: createRouter(ws),
    guard: (req: Request, _path: string, ctx: SandboxContext) => guard.check(req, ctx),
    errorResponse: (status, message, retryAfterSec) =>
      // Injected faults carry the sandbox's placeholder message; Notion's own reads better.
      errorResponse(
        errorForStatus(status, message === "Injected fault" ? undefined : message, retryAfterSec),
      ),
    reset() {
      ws.store.clear();
      guard.reset();
    },
    seed: (data, ctx) => seedWorkspace(ws, data, ctx.clock.now()),
    state: () => snapshot(ws),
  };
}
