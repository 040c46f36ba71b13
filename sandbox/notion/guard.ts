/**
 * What Notion checks before routing: the bearer token (401 `unauthorized`, "API token is
 * invalid."), the `Notion-Version` header (400 `missing_version`), and the rate limit — an
 * average of 3 requests per second per integration token, with short bursts allowed; over it,
 * 429 `rate_limited` with an integer-seconds `Retry-After`.
 *
 * Notion does not publish its burst size. The default here lets 10 requests through at once
 * (about three seconds of budget): parallel fan-outs of a few requests pass, as they do against
 * the real API, while anything sustained above 3/s is refused within a few seconds. A larger
 * burst would let a client that ignores the limit pass every test.
 */
import { RateLimiter } from "../core/rate_limit.ts";
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
  /** `false` turns the rate limit off (benchmarks of other components). */
  rateLimit?: { ratePerSec: number; burst: number } | false;
}

export interface Guard {
  reset(): void;
  check(req: Request, ctx: SandboxContext): Response | null;
}

export function createGuard(opts: GuardOptions): Guard {
  const limit = opts.rateLimit ?? { ratePerSec: 3, burst: 10 };
  const limiter = limit ? new RateLimiter(limit.ratePerSec, limit.burst) : null;
  const accepted = (token: string) =>
    opts.tokens ? opts.tokens.includes(token) : /^(secret_|ntn_)\S+$/.test(token);

  return {
    reset: () => limiter?.reset(),
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
      if (limiter) {
        const decision = limiter.check(token, ctx.clock.now());
        if (!decision.allowed) {
          return errorResponse(
            new NotionError(
              429,
              "rate_limited",
              "You have been rate limited. Please try again in a few minutes.",
              Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
            ),
          );
        }
      }
      return null;
    },
  };
}
