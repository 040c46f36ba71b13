/**
 * POST /functions/v1/openphone-backfill (pg_cron every 6 hours, with the worker secret): imports
 * the last `lookback_hours` (default from config) of calls and messages, or everything since
 * `since`. A run cut short by its time budget saves its place; the next run resumes it.
 */
import { z } from "zod";
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { ValidationError } from "../_shared/platform/errors.ts";

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
  return async (req) => {
    try {
      if (req.method !== "POST") {
        return json({ error: { code: "method_not_allowed", message: "Use POST" } }, 405, {
          allow: "POST",
        });
      }
      await deps.authenticate(req);
      const text = await req.text();
      const parsed = Body.safeParse(text.trim() ? JSON.parse(text) : {});
      if (!parsed.success) {
        throw new ValidationError("Body must be {lookback_hours?: int, since?: ISO date}");
      }
      const since = parsed.data.since ??
        new Date(deps.now() - (parsed.data.lookback_hours ?? deps.defaultLookbackHours) * 3_600_000)
          .toISOString();
      const result = await deps.run(since);
      deps.log.info("Backfill pass done", { since, ...result });
      return json({ since, ...result });
    } catch (e) {
      if (e instanceof SyntaxError) {
        return errorResponse(new ValidationError("Body is not JSON"), deps.log);
      }
      return errorResponse(e, deps.log);
    }
  };
}
