/**
 * `/_control/assemblyai/…` routes:
 *
 *   POST /_control/assemblyai/tick   make due work happen at the sandbox clock's current time
 *                                    (settle jobs, start queued ones, send due webhooks) and
 *                                    wait for the downloads and webhook calls it started
 */
import { json } from "../core/json.ts";
import { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import type { JobEngine } from "./jobs.ts";

export function createControl(engine: JobEngine): Router<SandboxContext> {
  return new Router<SandboxContext>().post("/tick", async (_req, _p, ctx) => {
    await engine.tick(ctx);
    const counts: Record<string, number> = { queued: 0, processing: 0, completed: 0, error: 0 };
    for (const r of engine.store.all()) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const webhooksPending = engine.store.all().filter((r) => r.webhook?.outcome === "pending")
      .length;
    return json({ now: ctx.clock.now(), transcripts: counts, webhooksPending });
  });
}
