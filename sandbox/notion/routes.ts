/**
 * The Notion fake's router, relative to `/notion` (the SDK's `baseUrl` + `/v1/…`). Anything
 * else — an unknown path, or a known path with the wrong method (appending children with POST,
 * say) — is 400 `invalid_request_url`, "Invalid request URL.", as Notion answers both.
 */
import { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { invalidRequestUrl } from "./errors.ts";
import { route } from "./http.ts";
import { blockRoutes } from "./routes_blocks.ts";
import { databaseRoutes } from "./routes_databases.ts";
import { pageRoutes } from "./routes_pages.ts";
import { propertyRoutes } from "./routes_properties.ts";
import { searchRoutes } from "./routes_search.ts";
import type { Workspace } from "./workspace.ts";

export function createRouter(ws: Workspace): Router<SandboxContext> {
  const router = new Router<SandboxContext>();
  databaseRoutes(router, ws);
  pageRoutes(router, ws);
  propertyRoutes(router, ws);
  blockRoutes(router, ws);
  searchRoutes(router, ws);
  const invalid = route(() => {
    throw invalidRequestUrl();
  });
  for (const method of ["GET", "POST", "PATCH", "DELETE", "PUT"]) {
    router.on(method, "/*rest", invalid);
  }
  return router;
}
