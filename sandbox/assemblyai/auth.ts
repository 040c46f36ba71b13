/**
 * The guard in front of every AssemblyAI route: the raw API key in `Authorization` (no
 * `Bearer`; "Bearer <key>" is just a wrong key), then the account's HTTP rate limit of 20,000
 * requests per five minutes, shared by all of the account's keys.
 */
import { RateLimiter } from "../core/rate_limit.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { aaiError, AUTH_ERROR, RATE_LIMITED } from "./errors.ts";

export class Guard {
  readonly keys: Set<string>;
  #limiter: RateLimiter | null;

  constructor(keys: string[], rateLimit: { requests: number; perSeconds: number } | false) {
    this.keys = new Set(keys);
    this.#limiter = rateLimit
      ? new RateLimiter(rateLimit.requests / rateLimit.perSeconds, rateLimit.requests)
      : null;
  }

  check(req: Request, ctx: SandboxContext): Response | null {
    const key = req.headers.get("authorization");
    if (!key || !this.keys.has(key)) return aaiError(401, AUTH_ERROR);
    const decision = this.#limiter?.check("account", ctx.clock.now());
    if (decision && !decision.allowed) {
      return aaiError(429, RATE_LIMITED, {
        "retry-after": String(Math.ceil(decision.retryAfterMs / 1000)),
      });
    }
    return null;
  }

  reset(keys: string[]): void {
    this.keys.clear();
    for (const k of keys) this.keys.add(k);
    this.#limiter?.reset();
  }
}
