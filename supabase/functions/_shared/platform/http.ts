/** JSON responses and the one place where errors become HTTP responses. */
import { AppError, toError } from "./errors.ts";
import type { Logger } from "./log.ts";

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * AppErrors answer with their status, code and message. Anything else is a bug: it is logged
 * with its stack and answered with a generic 500, never with its message.
 */
export function errorResponse(e: unknown, log: Logger): Response {
  if (e instanceof AppError) {
    if (e.status >= 500) log.error(e.message, { code: e.code, details: e.details });
    return json({ error: { code: e.code, message: e.message } }, e.status);
  }
  const err = toError(e);
  log.error("Unhandled error", { error: err.message, stack: err.stack });
  return json({ error: { code: "internal", message: "Internal error" } }, 500);
}
