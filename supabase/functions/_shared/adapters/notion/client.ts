/**
 * The Notion adapter: the official `@notionhq/client` (v5.26, Notion-Version 2025-09-03, where
 * databases hold data sources), with the transport governed by us. The same code talks to
 * api.notion.com and to the sandbox: base URL, token, fetch, clock, sleep, logger and the shared
 * rate budget are arguments.
 *
 * Every request the SDK makes goes through `governedFetch`:
 *   1. waits for a slot from the shared budget (Postgres, one per connection and one per
 *      workspace: every worker together stays under Notion's per-minute limits);
 *   2. sends with our own timeout (an AbortSignal, so a timed-out request is really cancelled);
 *   3. reads the whole body, and turns any failure into a NotionError / NotionCommittedError
 *      (errors.ts) — the SDK rethrows errors that are not its own unchanged, so callers of any
 *      `notion.sdk.*` method only ever see our classification;
 *   4. on 429 / 529 pushes the whole budget back by Retry-After (the workspace budget when
 *      `rate_limit_reason` names the workspace limit), so every worker pauses.
 * The SDK's own retries are off (`retry: false`): the stage engine's retry policy decides, and
 * every attempt pays into the budget.
 *
 *   const notion = createNotionAdapter({ baseUrl, token, fetch, now, sleep, log, budget });
 *   const page = await notion.sdk.pages.create({ parent: { type: "data_source_id", data_source_id }, properties });
 *   try { … } catch (e) { if (isCommitted(e)) pageId = e.committedResourceId; else if (isOutcomeUnknown(e)) lookUp(); }
 */
import { Client, LogLevel } from "@notionhq/client";
import type { Logger } from "../../platform/log.ts";
import { classifyResponse, type LimitScope, NotionError, scrubMessage } from "./errors.ts";

export * from "./errors.ts";

export const NOTION_VERSION = "2025-09-03";
export const DEFAULT_NOTION_BASE_URL = "https://api.notion.com";

/** The shared request budget (platform/rate_budget.ts notionBudget, or a test double). */
export interface NotionBudget {
  /** Reserves a slot in every budget that applies; resolves to the milliseconds to wait. */
  reserve(): Promise<number>;
  /** After a 429/529: nobody sends with this scope's key before `untilMs`. */
  block(untilMs: number, scope: LimitScope): Promise<void>;
}

export interface NotionAdapterOptions {
  /** https://api.notion.com, or the sandbox's http://127.0.0.1:54330/notion (no /v1). */
  baseUrl: string;
  /** The integration's secret (ntn_… / secret_…). */
  token: string;
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  budget: NotionBudget;
  /** Per request, from sending to the last body byte (default 30 s). */
  timeoutMs?: number;
  /**
   * A budget wait longer than this is not slept through: the request fails retryable with the
   * wait as Retry-After, so a stage hands its claim back instead of idling (default 20 s).
   */
  maxBudgetWaitMs?: number;
  /** When a 429/529 carries no Retry-After (default 1 s). */
  defaultRetryAfterMs?: number;
}

export interface NotionAdapter {
  /** The official client; every call is budgeted and classified (errors are NotionError). */
  readonly sdk: Client;
  /** Requests sent so far by this adapter (benchmarks: requests per published call). */
  readonly requestCount: () => number;
}

const READ_POSTS = [
  /\/v1\/data_sources\/[^/]+\/query$/,
  /\/v1\/databases\/[^/]+\/query$/,
  /\/v1\/search$/,
];

/** True when the request can change something in Notion (so a lost answer is "outcome unknown"). */
export function isWriteRequest(method: string, path: string): boolean {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return false;
  if (m === "POST" && READ_POSTS.some((re) => re.test(path))) return false;
  return true;
}

export function createNotionAdapter(opts: NotionAdapterOptions): NotionAdapter {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBudgetWaitMs = opts.maxBudgetWaitMs ?? 20_000;
  const defaultRetryAfterMs = opts.defaultRetryAfterMs ?? 1_000;
  const log = opts.log.child({ vendor: "notion" });
  let sent = 0;

  const governedFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET"))
      .toUpperCase();
    const path = url.pathname.replace(/^.*?(\/v1\/)/, "$1");
    const write = isWriteRequest(method, path);
    const fail = (
      kind: "network" | "timeout" | "contract",
      notionCode: string,
      message: string,
      cause: unknown,
      extra: { retryAfterMs?: number; outcome?: "not_applied" } = {},
    ) =>
      new NotionError({
        kind,
        notionCode,
        message,
        method,
        path,
        write,
        outcome: extra.outcome ?? (write ? "unknown" : "not_applied"),
        ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
        cause,
      });

    const wait = await opts.budget.reserve();
    if (wait > maxBudgetWaitMs) {
      // The slot stays reserved (reservations are never handed back): the budget is paced anyway.
      throw new NotionError({
        kind: "http",
        status: 429,
        notionCode: "budget_exhausted",
        message: `Notion budget: next slot in ${wait} ms, over the ${maxBudgetWaitMs} ms wait`,
        method,
        path,
        write,
        outcome: "not_applied",
        retryAfterMs: wait,
      });
    }
    if (wait > 0) await opts.sleep(wait);

    sent++;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await opts.fetch(url, { ...init, method, signal });
      text = await res.text();
    } catch (e) {
      const timeout = signal.aborted ||
        (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError"));
      log.warn("Notion request failed without an answer", {
        method,
        path,
        timeout,
        write,
      });
      throw timeout
        ? fail(
          "timeout",
          "timeout",
          `Notion did not answer ${method} ${path} within ${timeoutMs} ms`,
          e,
        )
        : fail("network", "network_error", `Notion connection failed during ${method} ${path}`, e);
    }
    if (!res.ok) {
      const err = classifyResponse({
        status: res.status,
        bodyText: text,
        retryAfter: res.headers.get("retry-after"),
        method,
        path,
        write,
        nowMs: opts.now(),
      });
      log.warn("Notion request refused", {
        method,
        path,
        status: res.status,
        code: err.notionCode,
        outcome: err.outcome,
        ...(err.rateLimitReason ? { rate_limit_reason: err.rateLimitReason } : {}),
        ...(err.requestId ? { request_id: err.requestId } : {}),
      });
      const scope = err.limitScope;
      if (scope !== null && err.retryable) {
        const ms = err.retryAfterMs ?? defaultRetryAfterMs;
        try {
          await opts.budget.block(opts.now() + ms, scope);
        } catch (e) {
          log.error("Notion budget could not be pushed back", { scope, error: String(e) });
        }
      }
      throw err;
    }
    try {
      JSON.parse(text);
    } catch (e) {
      throw fail(
        "contract",
        "invalid_response",
        `Notion answered ${method} ${path} with a body that is not JSON`,
        e,
      );
    }
    return new Response(text, { status: res.status, headers: res.headers });
  };

  const sdk = new Client({
    auth: opts.token,
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    notionVersion: NOTION_VERSION,
    fetch: governedFetch as unknown as typeof fetch,
    retry: false,
    // Ours fires first; the SDK's would leave the request running.
    timeoutMs: timeoutMs + 5_000,
    // The SDK logs failed bodies (which may quote values); ours are scrubbed above.
    logLevel: LogLevel.ERROR,
    logger: (level, message, extra) =>
      log.error("Notion SDK", {
        level,
        message: scrubMessage(String(message)),
        code: (extra as { code?: unknown })?.code,
      }),
  });

  return { sdk, requestCount: () => sent };
}

/** Any error thrown by a `notion.sdk` call, as a NotionError (the SDK's own client-side errors). */
export function asNotionError(e: unknown, method = "?", path = "?"): NotionError {
  if (e instanceof NotionError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const timeout = (err as { code?: string }).code === "notionhq_client_request_timeout";
  return new NotionError({
    kind: timeout ? "timeout" : "contract",
    notionCode: (err as { code?: string }).code ?? "client_error",
    message: `Notion client failed: ${err.name}`,
    method,
    path,
    write: method !== "GET",
    outcome: timeout ? "unknown" : "not_applied",
    cause: e,
  });
}
