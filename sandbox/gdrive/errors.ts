/**
 * Google's error bodies, in the two shapes the fake speaks.
 *
 * Drive (like every Google API on the JSON/REST frontend) answers
 * `{error: {code, message, errors: [{message, domain, reason, location?, locationType?}], status}}`,
 * sometimes with `details` (a google.rpc.ErrorInfo naming the machine-readable reason). The
 * OAuth token endpoint answers RFC 6749 style: `{error: "invalid_grant", error_description}`.
 * Wordings follow what Google sends (see README.md for the sources).
 */
import { json } from "../core/json.ts";

export interface ErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: "parameter" | "header";
  extendedHelp?: string;
}

export interface ErrorInfo {
  reason: string;
  method?: string;
}

/** HTTP status → google.rpc canonical code name. */
const CANONICAL: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  416: "OUT_OF_RANGE",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** A Drive error, thrown by parameter parsing and handlers and rendered at the route boundary. */
export class DriveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly items: ErrorItem[],
    readonly info?: ErrorInfo,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): Response {
    const error: Record<string, unknown> = {
      code: this.status,
      message: this.message,
      errors: this.items,
      status: CANONICAL[this.status] ?? "UNKNOWN",
    };
    if (this.info) {
      error.details = [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: this.info.reason,
        domain: "googleapis.com",
        metadata: {
          service: "drive.googleapis.com",
          ...(this.info.method ? { method: this.info.method } : {}),
        },
      }];
    }
    return json({ error }, this.status, this.headers);
  }
}

const GENERIC_REASONS: Record<number, string> = {
  400: "badRequest",
  401: "authError",
  403: "forbidden",
  404: "notFound",
  405: "httpMethodNotAllowed",
};

/** The generic body for a status (404/405 from the router, injected faults). */
export function genericError(status: number, message: string, retryAfterSec?: number): Response {
  const retry: Record<string, string> = retryAfterSec !== undefined
    ? { "retry-after": String(retryAfterSec) }
    : {};
  const domain = status === 429 ? "usageLimits" : "global";
  const reason = status === 429
    ? "rateLimitExceeded"
    : status >= 500
    ? "backendError"
    : GENERIC_REASONS[status] ?? "badRequest";
  return new DriveError(status, message, [{ message, domain, reason }], undefined, retry)
    .toResponse();
}

/** 400 "Invalid Value" for one query parameter (a malformed `q`, `orderBy`, `pageToken` …). */
export function invalidValue(location: string, message = "Invalid Value"): DriveError {
  return new DriveError(400, message, [{
    message,
    domain: "global",
    reason: "invalid",
    location,
    locationType: "parameter",
  }]);
}

export function requiredParameter(location: string): DriveError {
  const message = `Required parameter: ${location}`;
  return new DriveError(400, message, [{
    message,
    domain: "global",
    reason: "required",
    location,
    locationType: "parameter",
  }]);
}

export function invalidFieldSelection(name: string): DriveError {
  const message = `Invalid field selection ${name}`;
  return new DriveError(400, message, [{
    message,
    domain: "global",
    reason: "invalidParameter",
    location: "fields",
    locationType: "parameter",
  }]);
}

export function badRequest(location: string, message: string): DriveError {
  return new DriveError(400, message, [{
    message,
    domain: "global",
    reason: "badRequest",
    location,
    locationType: "parameter",
  }]);
}

export function fileNotFound(fileId: string): DriveError {
  const message = `File not found: ${fileId}.`;
  return new DriveError(404, message, [{
    message,
    domain: "global",
    reason: "notFound",
    location: "fileId",
    locationType: "parameter",
  }]);
}

export function sharedDriveNotFound(driveId: string): DriveError {
  const message = `Shared drive not found: ${driveId}`;
  return new DriveError(404, message, [{
    message,
    domain: "global",
    reason: "notFound",
    location: "driveId",
    locationType: "parameter",
  }]);
}

export function notDownloadable(): DriveError {
  const message =
    "Only files with binary content can be downloaded. Use Export with Docs Editors files.";
  return new DriveError(403, message, [{
    message,
    domain: "global",
    reason: "fileNotDownloadable",
    location: "alt",
    locationType: "parameter",
  }]);
}

const SEE = "See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const BEARER_CHALLENGE = { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' };

export function credentialsMissing(method?: string): DriveError {
  return new DriveError(
    401,
    "Request is missing required authentication credential. Expected OAuth 2 access token, " +
      `login cookie or other valid authentication credential. ${SEE}`,
    [{
      message: "Login Required.",
      domain: "global",
      reason: "required",
      location: "Authorization",
      locationType: "header",
    }],
    { reason: "CREDENTIALS_MISSING", ...(method ? { method } : {}) },
    BEARER_CHALLENGE,
  );
}

/** An unknown or expired access token. Google names expiry in the ErrorInfo only. */
export function invalidCredentials(expired: boolean, method?: string): DriveError {
  return new DriveError(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, " +
      `login cookie or other valid authentication credential. ${SEE}`,
    [{
      message: "Invalid Credentials",
      domain: "global",
      reason: "authError",
      location: "Authorization",
      locationType: "header",
    }],
    expired ? { reason: "ACCESS_TOKEN_EXPIRED", ...(method ? { method } : {}) } : undefined,
    { "www-authenticate": `${BEARER_CHALLENGE["www-authenticate"]}, error="invalid_token"` },
  );
}

export function insufficientScopes(method?: string): DriveError {
  return new DriveError(
    403,
    "Request had insufficient authentication scopes.",
    [{ message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" }],
    { reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT", ...(method ? { method } : {}) },
    {
      "www-authenticate": `${BEARER_CHALLENGE["www-authenticate"]}, error="insufficient_scope", ` +
        `scope="https://www.googleapis.com/auth/drive.readonly"`,
    },
  );
}

/** Drive's per-user quota answer: 403, not 429 (Drive "Usage limits" guide). No Retry-After. */
export function userRateLimitExceeded(): DriveError {
  const message = "User Rate Limit Exceeded. Rate of requests for user exceed configured " +
    "project quota. You may consider re-evaluating expected per-user traffic to the API and " +
    "adjust project quota limits accordingly. You may monitor aggregate quota usage and adjust " +
    "limits in the API Console: https://console.developers.google.com/apis/api/drive.googleapis.com/quotas";
  return new DriveError(403, message, [{
    message,
    domain: "usageLimits",
    reason: "userRateLimitExceeded",
    extendedHelp: "https://console.developers.google.com/apis/api/drive.googleapis.com/quotas",
  }]);
}

/** The token endpoint's error body. */
export function oauthError(error: string, description: string, status = 400): Response {
  return json({ error, error_description: description }, status, {
    "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
    pragma: "no-cache",
  });
}
