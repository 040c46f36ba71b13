/**
 * What Notion checks before routing: the bearer token (401 `unauthorized`, "API token is
 * invalid."), the `Notion-Version` header (400 `missing_version`), and the rate limits
 * (developers.notion.com/reference/request-limits):
 *
 * - per connection (token): a fixed budget of requests per 60-second window — 180 on a standard
 *   workspace, 600 on Business/Enterprise — spendable at any pace, in one burst if you like;
 *   over it, 429 `rate_limited` with `Retry-After` = the seconds until the window resets (≤ 60)
 *   and `additional_data.rate_limit_reason: "public_api_request_rate_limit"`;
 * - per workspace, shared by every connection: its size is not published (`workspacePerMinute`,
 *   default 1,800, so one connection never meets it unless a test lowers it); over it,
 *   `"public_api_space_request_rate_limit"`, and `workspaceRetryAfterSec` (default 90: Notion
 *   says this one can exceed a minute);
 * - a blocked connection (`blockedTokens`): 429 with `"public_api_request_blocked"` and no
 *   Retry-After — do not retry.
 *
 * A window opens with the first request after the previous one ended. `additional_data.retry_after`
 * repeats Retry-After in whole seconds. Refused requests do not count.
 */
import type { SandboxContext } from "../core/vendor.ts";
import { errorResponse, NotionError } from "./errors.ts";

/** Versions Notion accepts (its own error lists them); the fake serves 2025-09-03. */
export const KNOWN_VERSIONS = [
  "2021-05-11",
  "2021-05-13",
  "2021-08-16",
  "2022-02-22",
  "2022-06-28",
  "2025-09-03",
  "2026-03-11",
];
export const SERVED_VERSION = "2025-09-03";

export interface GuardOptions {
  /** Accepted tokens; by default any token starting with `secret_` or `ntn_`. */
  tokens?: string[];
  /**
   * Requests per 60-second window per connection (default 180) and per workspace (default
   * 1,800); `false` turns both off (benchmarks of other components).
   */
  rateLimit?: RateLimitOptions | false;
  /** Tokens whose requests Notion blocks (429 public_api_request_blocked). */
  blockedTokens?: string[];
}

export interface RateLimitOptions {
  perMinute?: number;
  workspacePerMinute?: number;
  /** Retry-After of a workspace refusal, seconds (default 90). */
  workspaceRetryAfterSec?: number;
  /** Window length in ms (default 60,000). */
  windowMs?: number;
}

/** A fixed window per key: `limit` requests, then refusals until the window ends. */
class WindowCounter {
  #windows = new Map<string, { start: number; count: number }>();
  constructor(readonly limit: number, readonly windowMs: number) {}
  /** Milliseconds until the window resets when full, else 0 (and nothing is counted). */
  full(key: string, now: number): number {
    const w = this.#windows.get(key);
    if (!w || now >= w.start + this.windowMs) return 0;
    return w.count >= this.limit ? w.start + this.windowMs - now : 0;
  }
  take(key: string, now: number): void {
    const w = this.#windows.get(key);
    if (!w || now >= w.start + this.windowMs) this.#windows.set(key, { start: now, count: 1 });
    else w.count++;
  }
  reset(): void {
    this.#windows.clear();
  }
}

const RATE_LIMITED = "You have been rate limited. Please try again in a few minutes.";

function rateLimited(reason: string, retryAfterSec: number | undefined): Response {
  return errorResponse(
    new NotionError(429, "rate_limited", RATE_LIMITED, retryAfterSec, {
      rate_limit_reason: reason,
      ...(retryAfterSec === undefined ? {} : { retry_after: String(retryAfterSec) }),
    }),
  );
}

export interface Guard {
  reset(): void;
  check(req: Request, ctx: SandboxContext): Response | null;
}

export function createGuard(opts: GuardOptions): Guard {
  const limit = opts.rateLimit === false ? null : opts.rateLimit ?? {};
  const windowMs = limit?.windowMs ?? 60_000;
  const connection = limit ? new WindowCounter(limit.perMinute ?? 180, windowMs) : null;
  const workspace = limit ? new WindowCounter(limit.workspacePerMinute ?? 1_800, windowMs) : null;
  const workspaceRetryAfterSec = limit?.workspaceRetryAfterSec ?? 90;
  const blocked = new Set(opts.blockedTokens ?? []);
  const accepted = (token: string) =>
    opts.tokens ? opts.tokens.includes(token) : /^(secret_|ntn_)\S+$/.test(token);

  return {
    reset() {
      connection?.reset();
      workspace?.reset();
    },
    check(req: Request, ctx: SandboxContext): Response | null {
      const auth = req.headers.get("authorization") ?? "";
      const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? "";
      if (!accepted(token)) {
        return errorResponse(new NotionError(401, "unauthorized", "API token is invalid."));
      }
      const version = req.headers.get("notion-version");
      if (version === null) {
        return errorResponse(
          new NotionError(
            400,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
          ),
        );
      }
      if (!KNOWN_VERSIONS.includes(version)) {
        const list = KNOWN_VERSIONS.map((v) => `"${v}"`);
        return errorResponse(
          new NotionError(
            400,
            "validation_error",
            `Notion-Version header failed validation: Notion-Version header should be ${
              list.slice(0, -1).join(", ")
            }, or ${list[list.length - 1]}, instead was \`"${version}"\`.`,
          ),
        );
      }
      if (version !== SERVED_VERSION) {
        return errorResponse(
          new NotionError(
            400,
            "invalid_request",
            `Unsupported request: the Notion sandbox answers Notion-Version ${SERVED_VERSION} only, not ${version}.`,
          ),
        );
      }
      if (blocked.has(token)) return rateLimited("public_api_request_blocked", undefined);
      if (connection && workspace) {
        const now = ctx.clock.now();
        const connWait = connection.full(token, now);
        if (connWait > 0) {
          return rateLimited(
            "public_api_request_rate_limit",
            Math.max(1, Math.ceil(connWait / 1000)),
          );
        }
        if (workspace.full("workspace", now) > 0) {
          return rateLimited("public_api_space_request_rate_limit", workspaceRetryAfterSec);
        }
        connection.take(token, now);
        workspace.take("workspace", now);
      }
      return null;
    },
  };
}
