/**
 * GET /functions/v1/stats: the pipeline's figures as JSON (switchboard.stats(): pipeline per
 * stage and state, queues, dead letters, latency, spend, Notion pages, cron jobs, incidents,
 * health). For operators and dashboards; authenticated with the project's secret key.
 */
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";

export interface StatsDeps {
  /** Throws AuthError unless the request carries a secret key. */
  authenticate: (req: Request) => Promise<void>;
  /** switchboard.stats() */
  stats: () => Promise<Record<string, unknown>>;
  log: Logger;
}

export function createHandler(deps: StatsDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        await req.body?.cancel();
        return json({ error: { code: "method_not_allowed", message: "Use GET" } }, 405, {
          allow: "GET, HEAD",
        });
      }
      await deps.authenticate(req);
      return json(await deps.stats(), 200, { "cache-control": "no-store" });
    } catch (e) {
      return errorResponse(e, deps.log);
    }
  };
}
