/**
 * GET /functions/v1/health: whether each part of the platform is alive (database, pg_cron
 * scheduler and sweep heartbeat, pg_net worker, queues). 200 when all are, 503 otherwise.
 */
import { json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { dbErrorLogFields } from "../_shared/platform/db_errors.ts";
import { toError } from "../_shared/platform/errors.ts";

export interface HealthReport {
  ok: boolean;
  [part: string]: unknown;
}

export interface HealthDeps {
  /** switchboard.health_report() */
  report: () => Promise<HealthReport>;
  log: Logger;
}

export function createHandler(deps: HealthDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return json({ error: { code: "method_not_allowed", message: "Use GET" } }, 405, {
        allow: "GET, HEAD",
      });
    }
    let report: HealthReport;
    try {
      report = await deps.report();
    } catch (e) {
      // Codes only: a database message can quote values.
      deps.log.warn("Health report failed", { error: toError(e).name, ...dbErrorLogFields(e) });
      report = { ok: false, database: { ok: false, error: "Database unreachable" } };
    }
    return json(report, report.ok ? 200 : 503, { "cache-control": "no-store" });
  };
}
