/**
 * The Drive routes (relative to /gdrive), the guard in front of them, and the boundary that
 * turns a thrown DriveError into Drive's error body.
 *
 *   POST /token                              OAuth token endpoint (JWT bearer grant)
 *   GET  /drive/v3/files                     files.list
 *   GET  /drive/v3/files/:fileId             files.get (alt=media downloads)
 *   GET  /drive/v3/changes/startPageToken    changes.getStartPageToken
 *   GET  /drive/v3/changes                   changes.list
 *
 * Drive requests need `Authorization: Bearer <access token>` (or `access_token=` in the query,
 * which Google also accepts) and are rate-limited per principal.
 */
import type { RateLimiter } from "../core/rate_limit.ts";
import { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { CHANGES_LIST, CHANGES_START, getStartPageToken, listChanges } from "./changes.ts";
import {
  credentialsMissing,
  DriveError,
  insufficientScopes,
  invalidCredentials,
  userRateLimitExceeded,
} from "./errors.ts";
import { FILES_GET, FILES_LIST, getFile, listFiles } from "./files.ts";
import { GOOGLE_TOKEN_URL, type OAuthServer, type Principal } from "./oauth.ts";
import { driveAccess } from "./scopes.ts";
import type { DriveStore } from "./state.ts";

export interface DriveDeps {
  store: DriveStore;
  oauth: OAuthServer;
  limiter: RateLimiter;
}

/** The principal each admitted Drive request was made by, set by the guard. */
const principals = new WeakMap<Request, Principal>();

function principalOf(req: Request): Principal {
  const p = principals.get(req);
  if (!p) throw new Error("Drive route reached without passing the guard");
  return p;
}

/** The RPC method name Google puts in ErrorInfo, for the request's path. */
function methodFor(path: string): string | undefined {
  if (/^\/drive\/v3\/files\/?$/.test(path)) return FILES_LIST;
  if (/^\/drive\/v3\/files\/[^/]+\/?$/.test(path)) return FILES_GET;
  if (/^\/drive\/v3\/changes\/startPageToken\/?$/.test(path)) return CHANGES_START;
  if (/^\/drive\/v3\/changes\/?$/.test(path)) return CHANGES_LIST;
  return undefined;
}

export function createGuard(
  deps: DriveDeps,
): (req: Request, path: string, ctx: SandboxContext) => Response | null {
  return (req, path, ctx) => {
    if (!path.startsWith("/drive/")) return null;
    const method = methodFor(path);
    const header = req.headers.get("authorization");
    const token = header !== null
      ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? ""
      : new URL(req.url).searchParams.get("access_token");
    if (token === null) return credentialsMissing(method).toResponse();
    const auth = deps.oauth.authenticate(token, ctx.clock.now());
    if (!auth.ok) return invalidCredentials(auth.expired, method).toResponse();
    if (driveAccess(auth.principal.scopes) === "none") {
      return insufficientScopes(method).toResponse();
    }
    if (!deps.limiter.check(auth.principal.email, ctx.clock.now()).allowed) {
      return userRateLimitExceeded().toResponse();
    }
    principals.set(req, auth.principal);
    return null;
  };
}

type Handler = (
  req: Request,
  params: Record<string, string>,
  ctx: SandboxContext,
) => Promise<Response> | Response;

function boundary(handler: Handler): Handler {
  return async (req, params, ctx) => {
    try {
      return await handler(req, params, ctx);
    } catch (e) {
      if (e instanceof DriveError) return e.toResponse();
      throw e;
    }
  };
}

/**
 * The `aud` values a JWT may carry: the URL it was posted to (named in the audience error),
 * the sandbox's public token URL, and Google's, so an adapter configured for production works
 * unchanged.
 */
function audiences(req: Request, ctx: SandboxContext): string[] {
  const url = new URL(req.url);
  return [
    ...new Set([`${url.origin}${url.pathname}`, `${ctx.baseUrl()}/gdrive/token`, GOOGLE_TOKEN_URL]),
  ];
}

export function createRouter(deps: DriveDeps): Router<SandboxContext> {
  const { store, oauth } = deps;
  return new Router<SandboxContext>()
    .post("/token", (req, _p, ctx) => oauth.exchange(req, audiences(req, ctx), ctx.clock.now()))
    .get("/drive/v3/files", boundary((req) => listFiles(req, store, principalOf(req))))
    .get(
      "/drive/v3/changes/startPageToken",
      boundary((req) => getStartPageToken(req, store)),
    )
    .get("/drive/v3/changes", boundary((req) => listChanges(req, store, principalOf(req))))
    .get(
      "/drive/v3/files/:fileId",
      boundary((req, p) => getFile(req, store, principalOf(req), p.fileId!)),
    );
}
