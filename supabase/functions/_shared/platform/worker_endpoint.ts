/**
 * The opening every function that Postgres calls shares (stage workers, the backfill, Drive
 * discovery): POST only, the worker secret checked before anything else, the body parsed as
 * JSON (empty means {}), and every error mapped to a response in one place.
 */
import { ValidationError } from "./errors.ts";
import { errorResponse, json } from "./http.ts";
import type { Logger } from "./log.ts";

export interface WorkerEndpointDeps {
  authenticate: (req: Request) => Promise<void>;
  log: Logger;
}

export function workerEndpoint(
  deps: WorkerEndpointDeps,
  run: (body: unknown) => Promise<Response>,
): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (req.method !== "POST") {
        await req.body?.cancel();
        return json({ error: { code: "method_not_allowed", message: "Use POST" } }, 405, {
          allow: "POST",
        });
      }
      await deps.authenticate(req);
      const text = await req.text();
      let body: unknown = {};
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ValidationError("Body is not JSON");
        }
      }
      return await run(body);
    } catch (e) {
      return errorResponse(e, deps.log);
    }
  };
}
