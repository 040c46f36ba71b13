/** JSON responses and the one place where errors become HTTP responses. */
import { classifyDbError, dbErrorLogFields, isDbError } from "./db_errors.ts";
import { AppError, ServiceUnavailableError, toError } from "./errors.ts";
import type { Logger } from "./log.ts";

/** Retry-After for a database that cannot be reached: a restart or failover takes seconds. */
export const DB_RETRY_AFTER_SECONDS = 5;

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The stack's frames without the message line(s) above them, which may quote input. */
function frames(err: Error): string | undefined {
  return err.stack?.split("\n").filter((l) => /^\s+at /.test(l)).join("\n");
}

/**
 * AppErrors answer with their status, code and message (503s with Retry-After). A database
 * error answers 503 with Retry-After when it is transient (the caller should retry) and a
 * generic 500 otherwise. Anything else is a bug: a generic 500.
 *
 * Logs carry codes and names only, never an error's message: a database message quotes the
 * values it refused (phone numbers, message text) and a parser's quotes its input.
 */
export function errorResponse(e: unknown, log: Logger): Response {
  if (e instanceof AppError) {
    if (e.status >= 500) {
      log.error(e.message, {
        code: e.code,
        details: e.details,
        ...(isDbError(e.cause) ? dbErrorLogFields(e.cause) : {}),
      });
    }
    const headers: Record<string, string> = e instanceof ServiceUnavailableError
      ? { "retry-after": String(e.retryAfterSeconds) }
      : {};
    return json({ error: { code: e.code, message: e.message } }, e.status, headers);
  }
  if (isDbError(e)) {
    const fields = dbErrorLogFields(e);
    if (classifyDbError(e).kind === "transient") {
      log.warn("Database unavailable", fields);
      return json(
        { error: { code: "unavailable", message: "Database unavailable, retry later" } },
        503,
        { "retry-after": String(DB_RETRY_AFTER_SECONDS) },
      );
    }
    log.error("Database error", fields);
    return json({ error: { code: "internal", message: "Internal error" } }, 500);
  }
  const err = toError(e);
  log.error("Unhandled error", { error: err.name, stack: frames(err) });
  return json({ error: { code: "internal", message: "Internal error" } }, 500);
}
