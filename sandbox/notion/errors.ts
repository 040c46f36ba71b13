/**
 * Notion's error body, `{object: "error", status, code, message, request_id}`, for every error
 * the fake answers. Codes and canonical messages follow developers.notion.com/reference/status-codes;
 * the SDK (@notionhq/client errors.ts) parses `code` and `message` and reads `retry-after`.
 */
import { json } from "../core/json.ts";

export type NotionErrorCode =
  | "invalid_json"
  | "invalid_request_url"
  | "invalid_request"
  | "validation_error"
  | "missing_version"
  | "unauthorized"
  | "restricted_resource"
  | "object_not_found"
  | "conflict_error"
  | "rate_limited"
  | "internal_server_error"
  | "bad_gateway"
  | "service_unavailable"
  | "gateway_timeout"
  | "service_overload";

/** Thrown by handlers and validators; routes.ts turns it into the error body. */
export class NotionError extends Error {
  constructor(
    readonly status: number,
    readonly code: NotionErrorCode,
    message: string,
    readonly retryAfterSec?: number,
    /** Notion's `additional_data` (rate_limit_reason, retry_guidance, committed ids …). */
    readonly additionalData?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The status-codes page's example message for each status, used for injected faults. */
const CANONICAL: Record<number, { code: NotionErrorCode; message: string }> = {
  400: { code: "invalid_request", message: "Unsupported request." },
  401: { code: "unauthorized", message: "API token is invalid." },
  403: {
    code: "restricted_resource",
    message: "API token does not have access to this resource.",
  },
  404: { code: "object_not_found", message: "Could not find object." },
  409: { code: "conflict_error", message: "Conflict occurred while saving. Please try again." },
  429: {
    code: "rate_limited",
    message: "You have been rate limited. Please try again in a few minutes.",
  },
  500: { code: "internal_server_error", message: "Unexpected error occurred." },
  502: { code: "bad_gateway", message: "Bad Gateway" },
  503: { code: "service_unavailable", message: "Notion is unavailable, please try again later." },
  504: { code: "gateway_timeout", message: "Gateway Timeout" },
  529: { code: "service_overload", message: "Notion is overloaded, please try again later." },
};

/** Error for a status (injected faults): the canonical code, and its message unless one is given. */
export function errorForStatus(
  status: number,
  message?: string,
  retryAfterSec?: number,
): NotionError {
  const known = CANONICAL[status] ??
    (status >= 500 ? CANONICAL[500]! : { code: "invalid_request" as const, message: "" });
  return new NotionError(status, known.code, message || known.message, retryAfterSec);
}

export function errorResponse(err: NotionError): Response {
  const requestId = crypto.randomUUID();
  const headers: Record<string, string> = { "x-notion-request-id": requestId };
  if (err.retryAfterSec !== undefined) headers["retry-after"] = String(err.retryAfterSec);
  return json(
    {
      object: "error",
      status: err.status,
      code: err.code,
      message: err.message,
      request_id: requestId,
      ...(err.additionalData ? { additional_data: err.additionalData } : {}),
    },
    err.status,
    headers,
  );
}

/**
 * The free-workspace block allowance is spent (developers.notion.com/reference/workspace-block-limits:
 * after it, requests that create blocks fail; reads, deletes and edits still work). Notion's
 * wording is not published; the code is the one its SDK names for workspace restrictions.
 */
export const blockLimitError = (limit: number): NotionError =>
  new NotionError(
    403,
    "restricted_resource",
    `This workspace has reached its block limit (${limit} blocks on the Free plan). Upgrade the workspace to add more content.`,
  );

/** A write Notion saved before it failed: 503 with what was committed (request-limits page). */
export function committedError(status: number, committed: Record<string, unknown>): NotionError {
  const known = CANONICAL[status] ?? CANONICAL[503]!;
  return new NotionError(status, known.code, known.message, undefined, {
    retry_guidance: RETRY_GUIDANCE_COMMITTED,
    ...committed,
  });
}

/** additional_data.retry_guidance on a committed 503 (value chosen here; see README). */
export const RETRY_GUIDANCE_COMMITTED = "do_not_retry";

export const validationError = (message: string): NotionError =>
  new NotionError(400, "validation_error", message);

export const invalidRequestUrl = (): NotionError =>
  new NotionError(400, "invalid_request_url", "Invalid request URL.");

/** The fake refuses something Notion accepts but the sandbox does not model; it says so. */
export const unsupported = (what: string): NotionError =>
  new NotionError(
    400,
    "invalid_request",
    `Unsupported request: the Notion sandbox does not model ${what}.`,
  );

export type NotFoundKind = "page" | "block" | "database" | "data_source";

export const notFound = (kind: NotFoundKind, id: string): NotionError =>
  new NotionError(
    404,
    "object_not_found",
    `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
  );

/** Editing anything in the trash (observed wording, also for blocks and appends). */
export const archivedError = (): NotionError =>
  validationError(
    "Can't edit block that is archived. You must unarchive the block before editing.",
  );
