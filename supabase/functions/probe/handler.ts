/**
 * POST /functions/v1/probe (from pg_net, with the worker secret): drains the probe_jobs queue,
 * answering each probe row. It exists to prove the trigger → pgmq → pg_net → function loop on
 * any deployment; see supabase/migrations/*_create_probe_stage.sql.
 */
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import type { DrainReport } from "../_shared/platform/queue.ts";

export interface ProbeDeps {
  authenticate: (req: Request) => Promise<void>;
  drain: () => Promise<DrainReport>;
  log: Logger;
}

export function createHandler(deps: ProbeDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (req.method !== "POST") {
        return json({ error: { code: "method_not_allowed", message: "Use POST" } }, 405, {
          allow: "POST",
        });
      }
      await deps.authenticate(req);
      await req.body?.cancel();
      const report = await deps.drain();
      deps.log.info("Drained", {
        completed: report.completed.length,
        failed: report.failed.length,
        drained: report.drained,
      });
      return json(report, report.failed.length > 0 ? 207 : 200);
    } catch (e) {
      return errorResponse(e, deps.log);
    }
  };
}
