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

/** Normalises anything thrown into an Error. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === "string" ? e : JSON.stringify(e));
}
