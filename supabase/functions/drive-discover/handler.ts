/**
 * POST /functions/v1/drive-discover (pg_cron every 5 minutes, with the worker secret): one
 * discovery pass over the recordings folder. See discover.ts.
 */
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import type { DiscoverReport } from "./discover.ts";

export interface DriveDiscoverDeps {
  authenticate: (req: Request) => Promise<void>;
  discover: () => Promise<DiscoverReport | { skipped: string }>;
  log: Logger;
}

export function createHandler(deps: DriveDiscoverDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (req.method !== "POST") {
        return json({ error: { code: "method_not_allowed", message: "Use POST" } }, 405, {
          allow: "POST",
        });
      }
      await deps.authenticate(req);
      await req.body?.cancel();
      const report = await deps.discover();
      deps.log.info("Discovery pass done", { ...report });
      return json(report);
    } catch (e) {
      return errorResponse(e, deps.log);
    }
  };
}
