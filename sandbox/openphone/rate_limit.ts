/**
 * OpenPhone's limit is 10 requests per second per API key. The v1 OpenAPI document shows how it
 * is enforced: Kong's `rate-limiting` plugin with `second: 10`, `policy: local`,
 * `limit_by: consumer`, i.e. a fixed one-second window per key.
 *
 * The fake admits a request only if both hold:
 * - Kong's fixed window: fewer than `perSecond` requests in the current wall-clock second, so
 *   the fake never accepts a burst the real gateway would reject;
 * - GCRA (core/rate_limit.ts) at `perSecond` with a small `burst`, so requests must also be
 *   paced, as the project asks of its clients, instead of arriving ten at a time.
 *
 * Headers mirror Kong's: `X-RateLimit-Limit-Second`, `X-RateLimit-Remaining-Second`,
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, and `Retry-After` (whole
 * seconds, at least 1) on a 429.
 */
import { RateLimiter } from "../core/rate_limit.ts";

export interface GatewayDecision {
  allowed: boolean;
  retryAfterMs: number;
  headers: Record<string, string>;
}

export class GatewayRateLimiter {
  readonly perSecond: number;
  readonly burst: number;
  #gcra: RateLimiter;
  #windows = new Map<string, { second: number; count: number }>();

  constructor(perSecond: number, burst: number) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.#gcra = new RateLimiter(perSecond, burst);
  }

  check(key: string, now: number): GatewayDecision {
    const second = Math.floor(now / 1000);
    let w = this.#windows.get(key);
    if (!w || w.second !== second) {
      w = { second, count: 0 };
      this.#windows.set(key, w);
    }
    const resetSec = Math.max(1, Math.ceil(((second + 1) * 1000 - now) / 1000));
    const headers = (remaining: number): Record<string, string> => ({
      "x-ratelimit-limit-second": String(this.perSecond),
      "x-ratelimit-remaining-second": String(Math.max(0, remaining)),
      "ratelimit-limit": String(this.perSecond),
      "ratelimit-remaining": String(Math.max(0, remaining)),
      "ratelimit-reset": String(resetSec),
    });

    if (w.count >= this.perSecond) {
      const retryAfterMs = (second + 1) * 1000 - now;
      return {
        allowed: false,
        retryAfterMs,
        headers: {
          ...headers(0),
          "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
        },
      };
    }
    const d = this.#gcra.check(key, now);
    if (!d.allowed) {
      return {
        allowed: false,
        retryAfterMs: d.retryAfterMs,
        headers: {
          ...headers(0),
          "retry-after": String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))),
        },
      };
    }
    w.count++;
    return { allowed: true, retryAfterMs: 0, headers: headers(this.perSecond - w.count) };
  }
}
