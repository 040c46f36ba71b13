/**
 * Admission against a key's per-minute budgets, with the API's 429 bodies: "Rate limit reached
 * for gpt-4o-mini in organization org-… on requests per min (RPM): Limit 3, Used 3, Requested 1.
 * Please try again in 20s. …" (type `requests` or `tokens`, code `rate_limit_exceeded`), and
 * "Request too large …" when a single request exceeds the whole token budget. Requests are
 * checked before tokens, as the request limit is the cheaper one to hit.
 */
import { OpenAIHttpError } from "./errors.ts";
import type { KeyRecord } from "./keys.ts";
import { goDuration, rateLimitHeaders } from "./limits.ts";

const VISIT = "Visit https://platform.openai.com/account/rate-limits to learn more.";

/** Charges one request and `tokens` (the estimate) or throws the 429. */
export function admit(rec: KeyRecord, model: string, tokens: number, now: number): void {
  const { requests, tokens: tpm } = rec.budget;
  const where = `for ${model} in organization ${rec.organization}`;

  const waitRequest = requests.waitFor(1, now);
  if (waitRequest > 0) {
    throw limited(
      "requests",
      waitRequest,
      rec,
      now,
      `Rate limit reached ${where} on requests per min (RPM): Limit ${requests.limit}, Used ${
        Math.ceil(requests.used(now))
      }, Requested 1. Please try again in ${goDuration(waitRequest)}. ${VISIT}`,
    );
  }
  const waitTokens = tpm.waitFor(tokens, now);
  if (waitTokens === Infinity) {
    throw new OpenAIHttpError(429, {
      message:
        `Request too large ${where} on tokens per min (TPM): Limit ${tpm.limit}, Requested ${tokens}. The input or output tokens must be reduced in order to run successfully. ${VISIT}`,
      type: "tokens",
      param: null,
      code: "rate_limit_exceeded",
    }, rateLimitHeaders(rec.budget, now));
  }
  if (waitTokens > 0) {
    throw limited(
      "tokens",
      waitTokens,
      rec,
      now,
      `Rate limit reached ${where} on tokens per min (TPM): Limit ${tpm.limit}, Used ${
        Math.ceil(tpm.used(now))
      }, Requested ${tokens}. Please try again in ${goDuration(waitTokens)}. ${VISIT}`,
    );
  }
  requests.take(1, now);
  tpm.take(tokens, now);
}

function limited(
  type: "requests" | "tokens",
  waitMs: number,
  rec: KeyRecord,
  now: number,
  message: string,
): OpenAIHttpError {
  return new OpenAIHttpError(429, { message, type, param: null, code: "rate_limit_exceeded" }, {
    ...rateLimitHeaders(rec.budget, now),
    "retry-after": String(Math.ceil(waitMs / 1000)),
  });
}
