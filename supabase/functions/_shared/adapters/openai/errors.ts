/**
 * OpenAI failures, classified once at the adapter's boundary into the platform's UpstreamError:
 *
 *   retryable  connection errors and timeouts, 408, 409, 429, 5xx (Retry-After from
 *              `retry-after-ms` or `retry-after`; a server's `x-should-retry` is honoured)
 *   permanent  400, 401, 403, 404, 422 and any other 4xx; an answer cut off at the output cap
 *
 * Messages are ours and readable in a dead letter; OpenAI's own text is kept only for request
 * errors (it names the parameter), bounded, with anything that looks like a key masked.
 */
import OpenAI from "openai";
import { AppError, parseRetryAfter, UpstreamError } from "../../platform/errors.ts";

export const VENDOR = "openai";

/** Token usage of a request that was billed even though it failed (an incomplete answer). */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

function masked(text: string): string {
  return text.replace(/\b(sk|rk|sess)-[A-Za-z0-9_*.-]{4,}/g, "$1-…").slice(0, 300);
}

/** Milliseconds the server asks us to wait: `retry-after-ms`, then `retry-after`. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | null {
  if (!headers) return null;
  const ms = headers.get("retry-after-ms");
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  return parseRetryAfter(headers.get("retry-after"), now);
}

function describe(status: number, e: InstanceType<typeof OpenAI.APIError>): string {
  const code = e.code ?? e.type ?? "error";
  switch (status) {
    case 401:
      return `OpenAI rejected the API key (401 ${code}): check OPENAI_API_KEY`;
    case 403:
      return `OpenAI refused access (403 ${code}): the key's project may not allow this model or region`;
    case 404:
      return `OpenAI does not know the model or route (404 ${code}): check call_policy.summary_model`;
    case 429:
      return `OpenAI rate limit or quota (429 ${code})`;
    default: {
      const text = typeof e.error === "object" && e.error && "message" in e.error
        ? String((e.error as { message: unknown }).message)
        : "";
      return status >= 500
        ? `OpenAI server error (${status} ${code})`
        : `OpenAI refused the request (${status} ${code})${text ? `: ${masked(text)}` : ""}`;
    }
  }
}

/** Anything the SDK (or fetch under it) threw, as an UpstreamError; other errors pass through. */
export function classifyOpenAIError(e: unknown, now: number): unknown {
  if (e instanceof UpstreamError) return e;
  if (e instanceof OpenAI.APIConnectionTimeoutError) {
    return new UpstreamError(VENDOR, "timeout", "OpenAI did not answer in time", { cause: e });
  }
  if (e instanceof OpenAI.APIUserAbortError) {
    return new UpstreamError(VENDOR, "network", "The OpenAI request was aborted (shutting down)", {
      cause: e,
    });
  }
  if (e instanceof OpenAI.APIConnectionError) {
    return new UpstreamError(VENDOR, "network", "Could not reach OpenAI", { cause: e });
  }
  if (e instanceof OpenAI.APIError && typeof e.status === "number") {
    const status = e.status;
    const headers = e.headers instanceof Headers ? e.headers : undefined;
    const shouldRetry = headers?.get("x-should-retry");
    const err = new UpstreamError(VENDOR, "http", describe(status, e), {
      upstreamStatus: status,
      retryAfterMs: retryAfterMs(headers, now),
      cause: e,
      details: { request_id: e.requestID ?? null, code: e.code ?? null },
    });
    // The server may override the status rule either way (as the SDK's own retry logic does).
    if (shouldRetry === "true" || shouldRetry === "false") {
      Object.defineProperty(err, "retryable", { value: shouldRetry === "true" });
    }
    return err;
  }
  return e;
}

/** The answer was cut off at max_output_tokens: permanent (the same request would be cut again). */
export function incompleteAnswer(reason: string, usage: Usage): UpstreamError {
  return new UpstreamError(
    VENDOR,
    "contract",
    `OpenAI's answer was incomplete (${reason}): raise call_policy.summary_max_output_tokens`,
    { details: { usage } },
  );
}

/**
 * The answer is not valid JSON for the schema. Structured outputs make this rare; another sample
 * may conform, so it is retried (within the stage's attempts and horizon).
 */
export function invalidAnswer(usage: Usage): AppError {
  return new AppError("upstream_failed", "OpenAI's answer did not match the summary schema", {
    status: 502,
    retryable: true,
    details: { vendor: VENDOR, usage },
  });
}

/** The usage a failed request was billed for, when the error carries it. */
export function billedUsage(e: unknown): Usage | null {
  if (!(e instanceof AppError)) return null;
  const u = e.details.usage as Usage | undefined;
  return u && typeof u.input_tokens === "number" ? u : null;
}
