/**
 * GET /functions/v1/recording?t=<token> (or /recording/<token>): a recording link from a Notion
 * page → 302 to a Storage signed URL for that one object, valid for seconds (T39).
 *
 * Every refusal — malformed, forged, signed with another key, expired, revoked (per call or
 * globally), naming an object that does not exist or belongs to another call — is the same 403
 * with the same body, so an answer never tells which check failed; the reason goes to the log.
 * Content is never served from here: the bytes come from Storage, through the short-lived URL.
 */
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import type { LinkCheck } from "../_shared/platform/recording_links.ts";

export interface RecordingDeps {
  log: Logger;
  /** checkRecordingLink with the function's key cache and store. */
  check: (token: string) => Promise<LinkCheck>;
  /** A Storage signed URL for the object, valid `ttlSeconds`; null when Storage has no object. */
  signedUrl: (storagePath: string, ttlSeconds: number) => Promise<string | null>;
}

/** Nothing about a link or its answer is cached, indexed or passed on as a referrer. */
const PRIVATE = {
  "cache-control": "no-store, private",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
};

export const REFUSAL_MESSAGE = "This recording link is not valid";

function refused(): Response {
  return json({ error: { code: "forbidden", message: REFUSAL_MESSAGE } }, 403, PRIVATE);
}

/** The token from `?t=` or from the last path segment after /recording/. */
export function tokenOf(url: URL): string | null {
  const query = url.searchParams.get("t");
  if (query !== null) return query;
  const m = /\/recording\/([^/]+)\/?$/.exec(url.pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

export function createHandler(deps: RecordingDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return json(
        { error: { code: "method_not_allowed", message: "Use GET" } },
        405,
        { allow: "GET, HEAD", ...PRIVATE },
      );
    }
    const token = tokenOf(new URL(req.url));
    if (!token) {
      deps.log.warn("Recording link refused", { reason: "missing" });
      return refused();
    }
    try {
      const check = await deps.check(token);
      if (!check.ok) {
        deps.log.warn("Recording link refused", {
          reason: check.reason,
          ...(check.callId ? { call_id: check.callId } : {}),
        });
        return refused();
      }
      const location = await deps.signedUrl(check.storagePath, check.urlTtlSeconds);
      if (location === null) {
        deps.log.warn("Recording link refused", {
          reason: "no_storage_object",
          call_id: check.callId,
          media_id: check.mediaId,
        });
        return refused();
      }
      deps.log.info("Recording link followed", {
        call_id: check.callId,
        media_id: check.mediaId,
        ttl_seconds: check.urlTtlSeconds,
      });
      return new Response(null, { status: 302, headers: { location, ...PRIVATE } });
    } catch (e) {
      // The database or Storage failed: 503 with Retry-After or 502/500, never the content.
      const res = errorResponse(e, deps.log);
      const headers = new Headers(res.headers);
      for (const [k, v] of Object.entries(PRIVATE)) headers.set(k, v);
      return new Response(res.body, { status: res.status, headers });
    }
  };
}
