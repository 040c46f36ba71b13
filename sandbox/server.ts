/**
 * The provider sandbox: faithful local fakes of the vendors Switchboard talks to, behind one
 * HTTP server. Each vendor lives under its own base path, so each official SDK reaches it
 * through its normal base-URL option:
 *
 *   /openphone   OpenPhone/Quo v1 REST (+ recording and voicemail audio under /openphone/media)
 *   /notion      Notion API (SDK baseUrl; the SDK appends /v1)
 *   /assemblyai  AssemblyAI v2
 *   /openai/v1   OpenAI (SDK baseURL includes /v1)
 *   /gdrive      Google Drive v3 (/gdrive/drive/v3/…) and its OAuth token endpoint (/gdrive/token)
 *   /_control    reset, seed, state, request log, faults, latency (see control.ts)
 *
 * Every request goes through the same pipeline: fault injection and latency, the vendor's
 * guard (auth, version header, rate limit), its router, and the request log.
 */
import { type Clock, systemClock } from "./core/clock.ts";
import { droppedResponse, FaultInjector } from "./core/faults.ts";
import { keyLabel, RequestLog } from "./core/request_log.ts";
import type { SandboxContext, VendorModule } from "./core/vendor.ts";
import { createControlRouter, type LatencyProfiles } from "./control.ts";

export interface SandboxOptions {
  vendors: VendorModule[];
  clock?: Clock;
  /** Outbound fetch for webhooks the sandbox sends. */
  fetch?: typeof fetch;
  /** Public base URL; set by startSandbox once the port is known. */
  baseUrl?: string;
}

export interface Sandbox {
  fetch(req: Request): Promise<Response>;
  vendors: Map<string, VendorModule>;
  faults: FaultInjector;
  log: RequestLog;
  latency: LatencyProfiles;
  ctx: SandboxContext;
  setBaseUrl(url: string): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createSandbox(opts: SandboxOptions): Sandbox {
  let baseUrl = opts.baseUrl ?? "http://sandbox.invalid";
  const ctx: SandboxContext = {
    clock: opts.clock ?? systemClock,
    baseUrl: () => baseUrl,
    fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
  };
  const vendors = new Map(opts.vendors.map((v) => [v.name, v]));
  const faults = new FaultInjector();
  const log = new RequestLog();
  const latency: LatencyProfiles = new Map();
  const control = createControlRouter({ vendors, faults, log, latency });

  async function handleVendor(vendor: VendorModule, req: Request, path: string): Promise<{
    res: Response;
    route: string | null;
    fault: string | null;
  }> {
    const profile = latency.get(vendor.name);
    if (profile) await sleep(profile.ms + Math.random() * (profile.jitterMs ?? 0));

    const fault = faults.take(vendor.name, req.method, path);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.drop === "before") {
      return { res: droppedResponse(), route: null, fault: "drop-before" };
    }
    if (fault?.status && !fault.commit) {
      return {
        res: vendor.errorResponse(
          fault.status,
          fault.message ?? "Injected fault",
          fault.retryAfter,
          path,
        ),
        route: null,
        fault: `status-${fault.status}`,
      };
    }

    const early = await vendor.guard?.(req, path, ctx);
    if (early) return { res: early, route: null, fault: null };

    const match = vendor.router.match(req.method, path);
    let res: Response;
    let route: string | null = null;
    if (!match) {
      res = vendor.errorResponse(
        404,
        `Invalid request URL: ${req.method} ${path}`,
        undefined,
        path,
      );
    } else if ("methodNotAllowed" in match) {
      res = vendor.errorResponse(
        405,
        `Method ${req.method} is not allowed for ${path}`,
        undefined,
        path,
      );
    } else {
      route = match.pattern;
      res = await match.handler(req, match.params, ctx);
    }

    if (fault?.status && fault.commit) {
      if (!res.ok) return { res, route, fault: null };
      const committed = vendor.committedResponse
        ? await vendor.committedResponse(fault.status, res, req.method, path)
        : (await res.body?.cancel(),
          vendor.errorResponse(fault.status, fault.message ?? "Injected fault", undefined, path));
      return { res: committed, route, fault: `status-${fault.status}-after-commit` };
    }
    if (fault?.drop === "after") {
      // The write above is applied; its answer is lost on the way back.
      await res.body?.cancel();
      return { res: droppedResponse(), route, fault: "drop-after" };
    }
    return { res, route, fault: fault ? "latency" : null };
  }

  return {
    vendors,
    faults,
    log,
    latency,
    ctx,
    setBaseUrl: (url) => baseUrl = url.replace(/\/$/, ""),
    async fetch(req) {
      const url = new URL(req.url);
      const [, first = "", ...rest] = url.pathname.split("/");
      if (first === "_control") {
        const sub = "/" + rest.join("/");
        const vendor = vendors.get(rest[0] ?? "");
        if (vendor?.control) {
          const m = vendor.control.match(req.method, "/" + rest.slice(1).join("/"));
          if (m && !("methodNotAllowed" in m)) return await m.handler(req, m.params, ctx);
        }
        const m = control.match(req.method, sub);
        if (m && !("methodNotAllowed" in m)) return await m.handler(req, m.params, ctx);
        return Response.json({ error: `No control route ${req.method} ${sub}` }, { status: 404 });
      }
      const vendor = vendors.get(first);
      if (!vendor) {
        return Response.json({ error: `No vendor at /${first}` }, { status: 404 });
      }
      const path = "/" + rest.join("/");
      const { res, route, fault } = await handleVendor(vendor, req, path);
      log.add({
        at: ctx.clock.now(),
        vendor: vendor.name,
        method: req.method,
        path,
        query: url.search,
        route,
        status: res.status,
        key: keyLabel(req.headers.get("authorization") ?? req.headers.get("x-api-key")),
        fault,
      });
      return res;
    },
    async close() {
      for (const v of vendors.values()) await v.close?.();
    },
  };
}

export interface RunningSandbox {
  url: string;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** Serves a sandbox on a port (0: any free port). */
export function startSandbox(
  opts: SandboxOptions & { port?: number; hostname?: string },
): RunningSandbox {
  const sandbox = createSandbox(opts);
  const server = Deno.serve(
    { port: opts.port ?? 0, hostname: opts.hostname ?? "127.0.0.1", onListen: () => {} },
    (req) => sandbox.fetch(req),
  );
  const url = `http://${opts.hostname ?? "127.0.0.1"}:${server.addr.port}`;
  sandbox.setBaseUrl(url);
  return {
    url,
    sandbox,
    async close() {
      await sandbox.close();
      await server.shutdown();
    },
  };
}
