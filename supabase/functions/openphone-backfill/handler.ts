/**
 * POST /functions/v1/openphone-backfill (pg_cron every 6 hours, with the worker secret): imports
 * the last `lookback_hours` (default from config) of calls and messages, or everything since
 * `since`. A run cut short by its time budget saves its place; the next run resumes it.
 */
import { z } from "zod";
import { json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { ValidationError } from "../_shared/platform/errors.ts";
import { workerEndpoint } from "../_shared/platform/worker_endpoint.ts";

const Body = z.object({
  lookback_hours: z.number().int().positive().max(24 * 366).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
}).strict();

export interface BackfillHandlerDeps {
  authenticate: (req: Request) => Promise<void>;
  run: (since: string) => Promise<Record<string, unknown>>;
  defaultLookbackHours: number;
  now: () => number;
  log: Logger;
}

export function createHandler(deps: BackfillHandlerDeps): (req: Request) => Promise<Response> {
  return workerEndpoint(deps, async (body) => {
    const parsed = Body.safeParse(body);
    if (!parsed.success) {
      throw new ValidationError("Body must be {lookback_hours?: int, since?: ISO date}");
    }
    const since = parsed.data.since ??
      new Date(deps.now() - (parsed.data.lookback_hours ?? deps.defaultLookbackHours) * 3_600_000)
        .toISOString();
    const result = await deps.run(since);
    deps.log.info("Backfill pass done", { since, ...result });
    return json({ since, ...result });
  });
}
