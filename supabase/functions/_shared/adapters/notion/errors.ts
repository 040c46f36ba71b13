/**
 * Notion failures, classified once at the adapter's boundary (see client.ts). Every failure of a
 * Notion request leaves the adapter as a `NotionError` (an UpstreamError, so the stage engine's
 * classifyFailure reads `retryable` and `retryAfterMs` as for any vendor), and a write that Notion
 * says it saved before failing leaves as its subclass `NotionCommittedError`.
 *
 *   status / failure                         retryable   outcome of a write
 *   429 rate_limited                         yes (Retry-After)   not_applied
 *   429 … rate_limit_reason = public_api_request_blocked   NO   not_applied
 *   529 service_overload                     yes (Retry-After)   not_applied
 *   409 conflict_error                       yes         not_applied
 *   503 + additional_data.retry_guidance / committed_resource_id / committed_child_ids
 *                                            NotionCommittedError  committed
 *   other 5xx (500, 502, 503, 504 …)          yes         unknown
 *   400 / 401 / 403 / 404 (validation_error, unauthorized, restricted_resource, object_not_found …)
 *                                            no (Notion's code kept)   not_applied
 *   network error, dropped connection        yes         unknown
 *   timeout (our AbortSignal)                yes         unknown
 *   2xx that is not JSON                     no (contract)   unknown
 *
 * "outcome" matters to exactly-once writers: `not_applied` may be repeated as is; `unknown` must be
 * checked first (look the page up by its Call ID, list the parent's children) before it is
 * repeated; `committed` must not be repeated at all — the ids say what was saved. For reads it is
 * always `not_applied` (nothing to apply).
 */
import { UpstreamError, type UpstreamKind } from "../../platform/errors.ts";

export const VENDOR = "notion";

export type WriteOutcome = "not_applied" | "unknown" | "committed";

/** Which shared limit a 429 came from (additional_data.rate_limit_reason). */
export type LimitScope = "connection" | "workspace";

export interface NotionErrorInit {
  kind: UpstreamKind;
  status?: number;
  /** Notion's `code` (validation_error, rate_limited …), or ours for client-side failures. */
  notionCode: string;
  message: string;
  method: string;
  /** The API path without the host, e.g. "/v1/pages"; ids are kept, no query values. */
  path: string;
  write: boolean;
  outcome: WriteOutcome;
  retryAfterMs?: number | null;
  rateLimitReason?: string | null;
  requestId?: string | null;
  retryable?: boolean;
  cause?: unknown;
}

export class NotionError extends UpstreamError {
  readonly notionCode: string;
  readonly method: string;
  readonly path: string;
  /** True for requests that change something (POST/PATCH/DELETE except query and search). */
  readonly write: boolean;
  readonly outcome: WriteOutcome;
  readonly rateLimitReason: string | null;
  readonly requestId: string | null;

  constructor(init: NotionErrorInit) {
    super(VENDOR, init.kind, init.message, {
      ...(init.status === undefined ? {} : { upstreamStatus: init.status }),
      retryAfterMs: init.retryAfterMs ?? null,
      ...(init.cause === undefined ? {} : { cause: init.cause }),
      details: {
        notion_code: init.notionCode,
        method: init.method,
        path: init.path,
        outcome: init.outcome,
        ...(init.rateLimitReason ? { rate_limit_reason: init.rateLimitReason } : {}),
        ...(init.requestId ? { request_id: init.requestId } : {}),
      },
    });
    this.notionCode = init.notionCode;
    this.method = init.method;
    this.path = init.path;
    this.write = init.write;
    this.outcome = init.outcome;
    this.rateLimitReason = init.rateLimitReason ?? null;
    this.requestId = init.requestId ?? null;
    if (init.retryable !== undefined) {
      // UpstreamError derives retryability from the status; Notion's blocked 429 is the exception.
      (this as { retryable: boolean }).retryable = init.retryable;
    }
  }

  /** The 429 or 529 asked everyone to wait: which shared budget to push back. */
  get limitScope(): LimitScope | null {
    if (this.upstreamStatus !== 429 && this.upstreamStatus !== 529) return null;
    return this.rateLimitReason === "public_api_space_request_rate_limit"
      ? "workspace"
      : "connection";
  }
}

/**
 * Notion answered 503 but says the write was saved (additional_data.retry_guidance,
 * committed_resource_id for a created page or database, committed_child_ids for appended
 * blocks; an update of an existing object carries no id). Do not repeat the write: record the
 * ids as if the request had succeeded, read the object if more is needed.
 *
 * `retryable` stays true (a stage retry is harmless when the handler honours this error or
 * looks up before writing); callers that catch it should treat it as success.
 */
export class NotionCommittedError extends NotionError {
  readonly committedResourceId: string | null;
  readonly committedChildIds: string[];
  readonly retryGuidance: string | null;

  constructor(
    init: Omit<NotionErrorInit, "outcome" | "kind">,
    committed: {
      committedResourceId: string | null;
      committedChildIds: string[];
      retryGuidance: string | null;
    },
  ) {
    super({ ...init, kind: "http", outcome: "committed" });
    this.committedResourceId = committed.committedResourceId;
    this.committedChildIds = committed.committedChildIds;
    this.retryGuidance = committed.retryGuidance;
    Object.assign(this.details, {
      committed_resource_id: committed.committedResourceId,
      committed_child_ids: committed.committedChildIds,
      ...(committed.retryGuidance ? { retry_guidance: committed.retryGuidance } : {}),
    });
  }
}

export function isNotionError(e: unknown): e is NotionError {
  return e instanceof NotionError;
}

export function isCommitted(e: unknown): e is NotionCommittedError {
  return e instanceof NotionCommittedError;
}

/** A write whose outcome is unknown: check (look up) before repeating it. */
export function isOutcomeUnknown(e: unknown): boolean {
  return e instanceof NotionError && e.write && e.outcome === "unknown";
}

const PERMANENT_HINT: Record<number, string> = {
  401: " (check NOTION_TOKEN: the integration's secret)",
  403: " (the integration lacks a capability, or the workspace refused the request)",
  404: " (not found, or not shared with the integration: share the parent page with it)",
};

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  request_id?: unknown;
  additional_data?: unknown;
}

/** Notion's validation messages quote the offending value; values never reach our logs. */
export function scrubMessage(message: string): string {
  return message
    .replace(/instead was `[^`]*`/g, "instead was `…`")
    .replace(/\s+/g, " ")
    .slice(0, 300);
}

const strings = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.filter((x): x is string => typeof x === "string")
    : typeof v === "string" && v
    ? [v]
    : [];

/**
 * Classifies an HTTP error response (status, body text, Retry-After) of `method path`.
 * `nowMs` turns an HTTP-date Retry-After into milliseconds.
 */
export function classifyResponse(args: {
  status: number;
  bodyText: string;
  retryAfter: string | null;
  method: string;
  path: string;
  write: boolean;
  nowMs: number;
}): NotionError {
  const { status, method, path, write } = args;
  let body: ErrorBody = {};
  try {
    const parsed = JSON.parse(args.bodyText);
    if (parsed && typeof parsed === "object") body = parsed as ErrorBody;
  } catch {
    // An HTML page from a proxy, an empty body: classified by status alone.
  }
  const ad = body.additional_data && typeof body.additional_data === "object"
    ? body.additional_data as Record<string, unknown>
    : {};
  const notionCode = typeof body.code === "string" ? body.code : `http_${status}`;
  const requestId = typeof body.request_id === "string" ? body.request_id : null;
  const rateLimitReason = typeof ad.rate_limit_reason === "string" ? ad.rate_limit_reason : null;
  // Retry-After (integer seconds); additional_data.retry_after duplicates it.
  let retryAfterMs = parseRetryAfterValue(args.retryAfter, args.nowMs);
  if (retryAfterMs === null) {
    const dup = typeof ad.retry_after === "string" || typeof ad.retry_after === "number"
      ? String(ad.retry_after)
      : null;
    retryAfterMs = parseRetryAfterValue(dup, args.nowMs);
  }
  const vendorMessage = typeof body.message === "string" ? scrubMessage(body.message) : "";
  const base = {
    status,
    notionCode,
    method,
    path,
    write,
    retryAfterMs,
    rateLimitReason,
    requestId,
  };
  const text = (hint = "") =>
    `Notion answered ${status} ${notionCode} to ${method} ${path}${hint}${
      vendorMessage ? `: ${vendorMessage}` : ""
    }`;

  if (status === 503 || status >= 500) {
    const committedResourceId = typeof ad.committed_resource_id === "string"
      ? ad.committed_resource_id
      : null;
    const committedChildIds = strings(ad.committed_child_ids);
    const retryGuidance = typeof ad.retry_guidance === "string" ? ad.retry_guidance : null;
    if (
      status === 503 &&
      (committedResourceId !== null || committedChildIds.length > 0 || retryGuidance !== null)
    ) {
      return new NotionCommittedError(
        { ...base, message: text(" (the write was saved; do not repeat it)") },
        { committedResourceId, committedChildIds, retryGuidance },
      );
    }
  }
  if (status === 429 && rateLimitReason === "public_api_request_blocked") {
    return new NotionError({
      ...base,
      kind: "http",
      outcome: "not_applied",
      retryable: false,
      message: text(" (this connection's requests are blocked; do not retry)"),
    });
  }
  const refused = status < 500 || status === 529;
  return new NotionError({
    ...base,
    kind: "http",
    // A 5xx other than 529 may come after the write was applied.
    outcome: write && !refused ? "unknown" : "not_applied",
    message: text(PERMANENT_HINT[status] ?? ""),
  });
}

function parseRetryAfterValue(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
