/**
 * One vendor HTTP request with a timeout, answering parsed JSON validated against a zod schema,
 * or throwing UpstreamError classified once (network, timeout, http status, contract). Used by
 * the adapters that have no official SDK fit for Deno (OpenPhone, Google Drive).
 */
import type { z } from "zod";
import { parseRetryAfter, UpstreamError } from "../platform/errors.ts";

export interface HttpJsonOptions<S extends z.ZodType> {
  vendor: string;
  fetch: typeof fetch;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  timeoutMs: number;
  schema: S;
  now: () => number;
}

export async function httpJson<S extends z.ZodType>(opts: HttpJsonOptions<S>): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await opts.fetch(opts.url, {
      method: opts.method ?? "GET",
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.body === undefined ? {} : { body: opts.body }),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    const timeout = e instanceof DOMException && e.name === "TimeoutError";
    throw new UpstreamError(
      opts.vendor,
      timeout ? "timeout" : "network",
      timeout
        ? `${opts.vendor} did not answer within ${opts.timeoutMs} ms`
        : `${opts.vendor} is unreachable`,
      { cause: e },
    );
  }
  const text = await res.text().catch((e) => {
    throw new UpstreamError(opts.vendor, "network", `${opts.vendor} dropped the connection`, {
      cause: e,
    });
  });
  if (!res.ok) {
    throw new UpstreamError(opts.vendor, "http", `${opts.vendor} answered ${res.status}`, {
      upstreamStatus: res.status,
      retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), opts.now()),
      // The vendor's own message helps operators; it never holds our secrets.
      details: { body: text.slice(0, 500) },
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UpstreamError(opts.vendor, "contract", `${opts.vendor} answered with invalid JSON`, {
      cause: e,
    });
  }
  const parsed = opts.schema.safeParse(data);
  if (!parsed.success) {
    throw new UpstreamError(
      opts.vendor,
      "contract",
      `${opts.vendor} answered an unexpected shape`,
      {
        cause: parsed.error,
        details: {
          issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`),
        },
      },
    );
  }
  return parsed.data;
}
