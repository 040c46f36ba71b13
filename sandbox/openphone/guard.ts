/**
 * What stands in front of the v1 API: the API key check and the per-key rate limit.
 *
 * - `Authorization: <key>` carries the raw key. OpenPhone does not use `Bearer`, and the
 *   gateway compares the whole header value with the key, so `Bearer <key>` is an unknown key.
 * - The key check runs before the rate limit (Kong runs key-auth first), so rejected keys do
 *   not spend anyone's budget.
 * - Media URLs (`/media/…`) are pre-signed storage links: no key, no rate limit.
 *
 * The rate-limit headers of an admitted request are kept per Request object and added to the
 * route's response by `withGatewayHeaders`.
 */
import type { SandboxContext } from "../core/vendor.ts";
import { familyForPath, gatewayError } from "./errors.ts";
import type { GatewayRateLimiter } from "./rate_limit.ts";
import type { OpenPhoneState } from "./state.ts";

export interface Gateway {
  guard(req: Request, path: string, ctx: SandboxContext): Response | null;
  /** Adds the rate-limit headers recorded for `req` to a route's response. */
  decorate(req: Request, res: Response): Response;
}

export function createGateway(
  state: OpenPhoneState,
  limiter: () => GatewayRateLimiter,
): Gateway {
  const pending = new WeakMap<Request, Record<string, string>>();
  return {
    guard(req, path, ctx) {
      if (path.startsWith("/media/")) return null;
      const style = state.workspace.gateway;
      const family = familyForPath(path);
      const key = req.headers.get("authorization");
      if (!key) return gatewayError(style, family, 401, "missing");
      if (!state.keys.has(key)) return gatewayError(style, family, 401, "invalid");
      const decision = limiter().check(key, ctx.clock.now());
      if (!decision.allowed) return gatewayError(style, family, 429, "rate", decision.headers);
      pending.set(req, decision.headers);
      return null;
    },
    decorate(req, res) {
      const headers = pending.get(req);
      if (!headers) return res;
      pending.delete(req);
      for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
      return res;
    },
  };
}
