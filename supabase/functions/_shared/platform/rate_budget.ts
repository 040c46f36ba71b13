/**
 * A vendor's shared request budget, kept in Postgres (switchboard.reserve_rate_limit), so every
 * function invocation using one credential stays under the vendor's limit together.
 */
import type { Sql } from "./db.ts";

export interface RateBudget {
  /** Reserves the next slot; resolves to the milliseconds to wait before sending. */
  reserve(): Promise<number>;
  /** After a 429: nobody sends with this credential before `untilMs`. */
  block(untilMs: number): Promise<void>;
}

/** The budget key for a credential: a hash, never the credential itself. */
export async function budgetKey(vendor: string, credential: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(credential)),
  );
  return `${vendor}:${
    Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

export function postgresBudget(sql: Sql, key: string, ratePerSec: number, burst = 1): RateBudget {
  return {
    async reserve() {
      const [row] = await sql<{ wait: number }[]>`
        select switchboard.reserve_rate_limit(${key}, ${ratePerSec}, ${burst}) as wait`;
      return row!.wait;
    },
    async block(untilMs) {
      await sql`select switchboard.block_rate_limit(${key}, ${
        new Date(untilMs).toISOString()
      }::timestamptz)`;
    },
  };
}

/** One key of a per-window budget: `limit` requests per window, at most `burst` back to back. */
export interface WindowLimit {
  key: string;
  /** null: no pacing, only honour this key's blocks (a limit whose size is unknown). */
  limit: number | null;
  burst: number | null;
}

/**
 * A per-window budget over several keys at once (switchboard.reserve_rate_window): a request
 * counts against every key (e.g. a Notion connection and its workspace) and goes at the earliest
 * time all of them allow. `block(untilMs, key)` pushes one key back after a 429.
 */
export interface WindowBudget {
  reserve(): Promise<number>;
  block(untilMs: number, key: string): Promise<void>;
}

export function postgresWindowBudget(
  sql: Sql,
  limits: WindowLimit[],
  windowSeconds = 60,
): WindowBudget {
  const keys = limits.map((l) => l.key);
  const caps = limits.map((l) => l.limit);
  const bursts = limits.map((l) => l.burst);
  return {
    async reserve() {
      const [row] = await sql<{ wait: number }[]>`
        select switchboard.reserve_rate_window(${keys}::text[], ${caps}::integer[],
          ${bursts}::integer[], ${windowSeconds}) as wait`;
      return row!.wait;
    },
    async block(untilMs, key) {
      await sql`select switchboard.block_rate_limit(${key}, ${
        new Date(untilMs).toISOString()
      }::timestamptz)`;
    },
  };
}
