/**
 * POST /functions/v1/drive-discover (pg_cron every 5 minutes, with the worker secret): one
 * discovery pass over the recordings folder. See discover.ts.
 */
import { json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { workerEndpoint } from "../_shared/platform/worker_endpoint.ts";
import type { DiscoverReport } from "./discover.ts";

export interface DriveDiscoverDeps {
  authenticate: (req: Request) => Promise<void>;
  discover: () => Promise<DiscoverReport | { skipped: string }>;
  log: Logger;
}

export function createHandler(deps: DriveDiscoverDeps): (req: Request) => Promise<Response> {
  return workerEndpoint(deps, async () => {
    const report = await deps.discover();
    deps.log.info("Discovery pass done", { ...report });
    return json(report);
  });
}
