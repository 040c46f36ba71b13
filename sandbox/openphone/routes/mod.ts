/**
 * The OpenPhone router: v1 REST under `/v1/…` (each answer carrying the gateway's rate-limit
 * headers), media under `/media/…`, and Kong's own 404 for anything no route matches.
 */
import { json } from "../../core/json.ts";
import { Router } from "../../core/router.ts";
import type { SandboxContext } from "../../core/vendor.ts";
import type { Gateway } from "../guard.ts";
import { callRoutes } from "./calls.ts";
import type { Registrar, RouteDeps } from "./common.ts";
import { mediaRoutes } from "./media.ts";
import { messageRoutes } from "./messages.ts";
import { workspaceRoutes } from "./workspace.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export function createRouter(deps: RouteDeps, gateway: Gateway): Router<SandboxContext> {
  const router = new Router<SandboxContext>();
  const api: Registrar = {
    get: (pattern, handler) =>
      router.get(
        pattern,
        async (req, params, ctx) => gateway.decorate(req, await handler(req, params, ctx)),
      ),
  };
  callRoutes(api, deps);
  messageRoutes(api, deps);
  workspaceRoutes(api, deps);
  mediaRoutes(router, deps);
  // Only the read endpoints are faked; anything else is a path the gateway does not route.
  for (const method of METHODS) {
    router.on(method, "/*rest", () => json({ message: "no Route matched with those values" }, 404));
  }
  return router;
}
