/**
 * The sandbox control API, under /_control:
 *
 *   POST   /_control/reset                 forget every vendor's state, faults, latency and log
 *   POST   /_control/seed                  {<vendor>: <scenario slice>, …} → {<vendor>: summary}
 *   GET    /_control/state/:vendor         the vendor's state
 *   GET    /_control/requests?vendor=&since=   the request log
 *   GET    /_control/faults                active fault rules
 *   POST   /_control/faults                add a rule (see core/faults.ts) → the rule with its id
 *   DELETE /_control/faults?vendor=        clear rules (all, or one vendor's)
 *   POST   /_control/latency               {vendor, ms, jitterMs?}: a latency profile
 *   DELETE /_control/latency?vendor=       clear profiles
 *
 * Vendors add their own routes under /_control/<vendor>/… (e.g. the OpenPhone webhook sender).
 */
import type { FaultInjector, FaultRule } from "./core/faults.ts";
import { json, readJson } from "./core/json.ts";
import type { RequestLog } from "./core/request_log.ts";
import { Router } from "./core/router.ts";
import type { SandboxContext, VendorModule } from "./core/vendor.ts";

export type LatencyProfiles = Map<string, { ms: number; jitterMs?: number }>;

export function createControlRouter(deps: {
  vendors: Map<string, VendorModule>;
  faults: FaultInjector;
  log: RequestLog;
  latency: LatencyProfiles;
}): Router<SandboxContext> {
  const { vendors, faults, log, latency } = deps;
  return new Router<SandboxContext>()
    .post("/reset", () => {
      for (const v of vendors.values()) v.reset();
      faults.clear();
      latency.clear();
      log.clear();
      return json({ ok: true });
    })
    .post("/seed", async (req, _p, ctx) => {
      const body = await readJson(req);
      if (!body || typeof body !== "object" || Array.isArray(body)) {
        return json({ error: "Seed body must be an object keyed by vendor" }, 400);
      }
      const out: Record<string, unknown> = {};
      for (const [name, slice] of Object.entries(body)) {
        const v = vendors.get(name);
        if (!v) return json({ error: `Unknown vendor "${name}"` }, 400);
        try {
          out[name] = await v.seed(slice, ctx);
        } catch (e) {
          return json(
            { error: `Seeding "${name}" failed: ${e instanceof Error ? e.message : e}` },
            400,
          );
        }
      }
      return json(out);
    })
    .get("/state/:vendor", (_req, p) => {
      const v = vendors.get(p.vendor!);
      return v ? json(v.state()) : json({ error: `Unknown vendor "${p.vendor}"` }, 404);
    })
    .get("/requests", (req) => {
      const q = new URL(req.url).searchParams;
      const since = q.get("since");
      return json(log.list({
        ...(q.get("vendor") ? { vendor: q.get("vendor")! } : {}),
        ...(since ? { since: Number(since) } : {}),
      }));
    })
    .get("/faults", () => json(faults.list()))
    .post("/faults", async (req) => {
      const rule = await readJson(req) as FaultRule | null;
      if (!rule || typeof rule.vendor !== "string") {
        return json({ error: "A fault needs at least a vendor" }, 400);
      }
      if (rule.vendor !== "*" && !vendors.has(rule.vendor)) {
        return json({ error: `Unknown vendor "${rule.vendor}"` }, 400);
      }
      try {
        return json(faults.add(rule), 201);
      } catch (e) {
        return json({ error: `Invalid fault: ${e instanceof Error ? e.message : e}` }, 400);
      }
    })
    .delete("/faults", (req) => {
      faults.clear(new URL(req.url).searchParams.get("vendor") ?? undefined);
      return json({ ok: true });
    })
    .post("/latency", async (req) => {
      const body = await readJson(req) as
        | { vendor?: string; ms?: number; jitterMs?: number }
        | null;
      if (!body?.vendor || typeof body.ms !== "number" || body.ms < 0) {
        return json({ error: "A latency profile needs a vendor and ms >= 0" }, 400);
      }
      latency.set(body.vendor, {
        ms: body.ms,
        ...(body.jitterMs ? { jitterMs: body.jitterMs } : {}),
      });
      return json({ ok: true });
    })
    .delete("/latency", (req) => {
      const vendor = new URL(req.url).searchParams.get("vendor");
      if (vendor) latency.delete(vendor);
      else latency.clear();
      return json({ ok: true });
    });
}
