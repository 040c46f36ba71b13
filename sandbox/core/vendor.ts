/** What each vendor fake plugs into the sandbox server. */
import type { Clock } from "./clock.ts";
import type { Router } from "./router.ts";

export interface SandboxContext {
  clock: Clock;
  /** The sandbox's own public base URL (http://127.0.0.1:<port>), for URLs it hands out. */
  baseUrl(): string;
  /**
   * Outbound HTTP for webhooks the sandbox sends (OpenPhone events, AssemblyAI completions).
   * Tests may replace it to capture deliveries without a server.
   */
  fetch: typeof fetch;
}

export interface VendorModule {
  /** Short name used in URLs, logs and fault rules: "openphone", "notion", … */
  name: string;
  /** The vendor's routes, relative to `/<name>` (e.g. `/v1/calls/:id`). */
  router: Router<SandboxContext>;
  /**
   * Runs before routing: authentication, required headers, rate limits. Returns a Response to
   * answer early (401, 400 missing_version, 429 …), or null to continue.
   */
  guard?(
    req: Request,
    path: string,
    ctx: SandboxContext,
  ): Promise<Response | null> | Response | null;
  /**
   * The vendor's own error body for a status (used for 404, 405 and injected faults). `path` is
   * the vendor-relative request path, for vendors whose error codes depend on the endpoint.
   */
  errorResponse(status: number, message: string, retryAfterSec?: number, path?: string): Response;
  /**
   * A write the fake applied (its 2xx answer `applied`) answered instead with `status`, saying
   * what was saved (fault rules with `commit: true`). Without it, the plain error body is used.
   */
  committedResponse?(
    status: number,
    applied: Response,
    method: string,
    path: string,
  ): Promise<Response> | Response;
  /** Extra control routes, mounted at `/_control/<name>/…` (seeders, webhook senders …). */
  control?: Router<SandboxContext>;
  /** Forget all state. */
  reset(): void;
  /** Add the vendor's slice of a seed scenario; returns a summary (ids created). */
  seed(data: unknown, ctx: SandboxContext): Promise<unknown> | unknown;
  /** Inspectable state for tests. */
  state(): unknown;
  /** Stop timers and in-flight background work. */
  close?(): Promise<void>;
}
