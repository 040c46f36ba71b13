/**
 * A GCRA rate limiter (the token bucket as "theoretical arrival time"), per key. `ratePerSec`
 * is the sustained rate; `burst` how many requests may arrive at once above it. `check`
 * answers whether a request at `now` is allowed and, if not, when it would be.
 */
export interface RateDecision {
  allowed: boolean;
  /** Milliseconds until a request would be allowed (0 when allowed). */
  retryAfterMs: number;
  /** Requests that could still be made right now. */
  remaining: number;
  limit: number;
}

export class RateLimiter {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #burst: number;
  #tat = new Map<string, number>();

  constructor(ratePerSec: number, burst = 1) {
    this.#interval = 1000 / ratePerSec;
    this.#burst = Math.max(1, burst);
    this.#tolerance = this.#interval * (this.#burst - 1);
  }

  check(key: string, now: number): RateDecision {
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    const allowAt = tat - this.#tolerance;
    if (now < allowAt) {
      return {
        allowed: false,
        retryAfterMs: Math.ceil(allowAt - now),
        remaining: 0,
        limit: this.#burst,
      };
    }
    const next = tat + this.#interval;
    this.#tat.set(key, next);
    const remaining = Math.max(
      0,
      Math.floor((now - (next - this.#tolerance)) / this.#interval) + 1,
    );
    return {
      allowed: true,
      retryAfterMs: 0,
      remaining: Math.min(remaining, this.#burst),
      limit: this.#burst,
    };
  }

  reset(): void {
    this.#tat.clear();
  }
}
