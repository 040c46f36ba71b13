/**
 * The error vocabulary shared by handlers and adapters. Adapters translate vendor failures into
 * these at their boundary; http.ts maps them to responses in one place.
 */
export type ErrorCode =
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "payload_too_large"
  | "config_invalid"
  | "upstream_failed"
  | "unavailable"
  | "internal";

export interface AppErrorOptions {
  status?: number;
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? 500;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(message: string, opts: Omit<AppErrorOptions, "status"> = {}) {
    super("validation_failed", message, { ...opts, status: 400 });
  }
}

export class AuthError extends AppError {
  constructor(message: string, opts: Omit<AppErrorOptions, "status"> = {}) {
    super("unauthorized", message, { ...opts, status: 401 });
  }
}

export class ConfigError extends AppError {
  constructor(message: string, opts: Omit<AppErrorOptions, "status"> = {}) {
    super("config_invalid", message, { ...opts, status: 500 });
  }
}

/**
 * A dependency of ours (the database) cannot serve this request right now: 503 with
 * Retry-After, so the caller tries again later. The message is ours; the cause is never shown.
 */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(
    message: string,
    opts: { retryAfterSeconds?: number; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super("unavailable", message, {
      status: 503,
      retryable: true,
      ...(opts.details ? { details: opts.details } : {}),
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 5;
  }
}

export type UpstreamKind = "network" | "timeout" | "http" | "contract";

/**
 * A vendor call failed. Adapters throw only this for vendor failures, classified here once:
 * network errors, timeouts, 408, 409, 429 and 5xx are retryable; other statuses and responses
 * that break the contract are not. `retryAfterMs` carries the vendor's Retry-After.
 */
export class UpstreamError extends AppError {
  readonly vendor: string;
  readonly kind: UpstreamKind;
  readonly upstreamStatus: number | null;
  readonly retryAfterMs: number | null;

  constructor(
    vendor: string,
    kind: UpstreamKind,
    message: string,
    opts: {
      upstreamStatus?: number;
      retryAfterMs?: number | null;
      cause?: unknown;
      details?: Record<string, unknown>;
    } = {},
  ) {
    const status = opts.upstreamStatus ?? null;
    super("upstream_failed", message, {
      status: 502,
      retryable: kind === "network" || kind === "timeout" ||
        (status !== null && (status === 408 || status === 409 || status === 429 || status >= 500)),
      details: { vendor, kind, upstream_status: status, ...opts.details },
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.vendor = vendor;
    this.kind = kind;
    this.upstreamStatus = status;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Normalises anything thrown into an Error. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === "string" ? e : JSON.stringify(e));
}
