/**
 * Per-key request (RPM) and token (TPM) budgets, and the `x-ratelimit-*` headers that report
 * them. OpenAI's limits replenish continuously rather than per calendar minute (an RPM of 3
 * admits three requests at once, then one every 20 s), which is a leaky bucket: `used` drains at
 * `limit` per minute. The core GCRA limiter counts every request as 1 and does not report the
 * time until it is full again; tokens need weighted costs and the headers need that time, so
 * this bucket is local.
 */
export class Bucket {
  #used = 0;
  #at = 0;
  constructor(readonly limit: number, readonly windowMs = 60_000) {}

  /** How much is in use at `now`. */
  used(now: number): number {
    const drained = Math.max(0, now - this.#at) * (this.limit / this.windowMs);
    return Math.max(0, this.#used - drained);
  }

  /** Milliseconds until `cost` more fits (0: it fits now; Infinity: it never will). */
  waitFor(cost: number, now: number): number {
    if (cost > this.limit) return Infinity;
    const over = this.used(now) + cost - this.limit;
    return over <= 0 ? 0 : Math.ceil(over / (this.limit / this.windowMs));
  }

  /** Adds `cost` (may be negative, to settle an estimate against the real count). */
  take(cost: number, now: number): void {
    this.#used = Math.max(0, this.used(now) + cost);
    this.#at = now;
  }

  remaining(now: number): number {
    return Math.max(0, Math.floor(this.limit - this.used(now)));
  }

  /** Milliseconds until the bucket is empty again: what `x-ratelimit-reset-*` reports. */
  resetMs(now: number): number {
    return Math.ceil(this.used(now) / (this.limit / this.windowMs));
  }
}

export interface KeyBudget {
  requests: Bucket;
  tokens: Bucket;
}

/** The `x-ratelimit-*` headers for a key's budget at `now`. */
export function rateLimitHeaders(b: KeyBudget, now: number): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(b.requests.limit),
    "x-ratelimit-limit-tokens": String(b.tokens.limit),
    "x-ratelimit-remaining-requests": String(b.requests.remaining(now)),
    "x-ratelimit-remaining-tokens": String(b.tokens.remaining(now)),
    "x-ratelimit-reset-requests": goDuration(b.requests.resetMs(now)),
    "x-ratelimit-reset-tokens": goDuration(b.tokens.resetMs(now)),
  };
}

/**
 * A duration as Go's time.Duration prints it, at millisecond precision, which is what the API
 * sends: `0s`, `547ms`, `20s`, `33.023s`, `6m0s`, `2m52.8s`, `1h0m0s`.
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${sec}`;
}
