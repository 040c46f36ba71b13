/**
 * Serves `/functions/v1/<name>` the way Supabase's edge runtime does, without Docker: each
 * function's unchanged `supabase/functions/<name>/index.ts` runs in its own Deno process (one
 * warm worker per function, like the runtime's per-worker policy) with the environment the
 * runtime provides. `Deno.serve()` inside it listens where DENO_SERVE_ADDRESS says; the gateway
 * proxies requests to it, streaming both ways. `verify_jwt` comes from supabase/config.toml.
 */
import { parse as parseToml } from "smol-toml";
import { verifyJwt } from "./jwt.ts";
import { freePort } from "../process.ts";

export interface FunctionsOptions {
  functionsDir: string;
  configTomlPath: string;
  /** Environment every function gets (SUPABASE_URL, SUPABASE_DB_URL, keys, .env values). */
  env: Record<string, string>;
  jwtSecret: string;
  denoPath: string;
  denoConfigPath: string;
  /** Request wall clock, as the edge runtime's (150 s on Free). */
  wallClockMs?: number;
  log: (line: Record<string, unknown>) => void;
}

interface Worker {
  port: number;
  child: Deno.ChildProcess;
  ready: Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

function errorJson(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ code, message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

async function waitForPort(port: number, child: Deno.ChildProcess, ms: number): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exited) throw new Error("function process exited during start-up");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`function did not listen within ${ms} ms`);
}

/** Reads `[functions.<name>] verify_jwt` (default true, as Supabase). */
export async function readFunctionSettings(
  configTomlPath: string,
): Promise<Map<string, { verifyJwt: boolean }>> {
  const doc = parseToml(await Deno.readTextFile(configTomlPath)) as {
    functions?: Record<string, { verify_jwt?: boolean }>;
  };
  const out = new Map<string, { verifyJwt: boolean }>();
  for (const [name, settings] of Object.entries(doc.functions ?? {})) {
    out.set(name, { verifyJwt: settings.verify_jwt ?? true });
  }
  return out;
}

export interface FunctionsGateway {
  handle(req: Request, name: string, rest: string): Promise<Response>;
  close(): Promise<void>;
}

export async function createFunctionsGateway(opts: FunctionsOptions): Promise<FunctionsGateway> {
  const settings = await readFunctionSettings(opts.configTomlPath);
  const workers = new Map<string, Worker>();
  const wallClockMs = opts.wallClockMs ?? 150_000;

  function spawn(name: string): Worker {
    const port = freePort();
    const child = new Deno.Command(opts.denoPath, {
      args: ["run", "-A", "--config", opts.denoConfigPath, `${opts.functionsDir}/${name}/index.ts`],
      env: { ...opts.env, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`, NO_COLOR: "1" },
      clearEnv: true,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const worker: Worker = { port, child, ready: waitForPort(port, child, 30_000) };
    child.status.then((s) => {
      if (workers.get(name) === worker) workers.delete(name);
      opts.log({ msg: "function worker exited", fn: name, code: s.code });
    });
    opts.log({ msg: "function worker started", fn: name, port, pid: child.pid });
    return worker;
  }

  async function workerFor(name: string): Promise<Worker> {
    let w = workers.get(name);
    if (!w) {
      w = spawn(name);
      workers.set(name, w);
    }
    try {
      await w.ready;
    } catch (e) {
      workers.delete(name);
      try {
        w.child.kill("SIGKILL");
      } catch { /* already gone */ }
      throw e;
    }
    return w;
  }

  async function authorised(req: Request, name: string): Promise<Response | null> {
    if (!(settings.get(name)?.verifyJwt ?? true)) return null;
    const auth = req.headers.get("authorization");
    if (!auth) return errorJson(401, "UNAUTHORIZED_NO_AUTH_HEADER", "Missing authorization header");
    const token = auth.replace(/^Bearer\s+/i, "");
    const claims = await verifyJwt(token, opts.jwtSecret);
    if (!claims) return errorJson(401, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Invalid JWT");
    return null;
  }

  return {
    async handle(req, name, rest) {
      if (!NAME.test(name)) return errorJson(404, "NOT_FOUND", "Requested function was not found");
      if (!workers.has(name)) {
        try {
          await Deno.stat(`${opts.functionsDir}/${name}/index.ts`);
        } catch {
          return errorJson(404, "NOT_FOUND", "Requested function was not found");
        }
      }
      const refused = await authorised(req, name);
      if (refused) return refused;

      let worker: Worker;
      try {
        worker = await workerFor(name);
      } catch (e) {
        opts.log({ msg: "function failed to boot", fn: name, error: String(e) });
        return errorJson(503, "BOOT_ERROR", "Function failed to start (please check logs)");
      }
      const url = new URL(req.url);
      const target = `http://127.0.0.1:${worker.port}/${name}${rest}${url.search}`;
      const headers = new Headers(req.headers);
      headers.delete("host");
      try {
        const res = await fetch(target, {
          method: req.method,
          headers,
          body: req.body,
          redirect: "manual",
          signal: AbortSignal.timeout(wallClockMs),
        });
        return new Response(res.body, { status: res.status, headers: res.headers });
      } catch (e) {
        if (e instanceof DOMException && e.name === "TimeoutError") {
          return errorJson(504, "WORKER_TIMEOUT", "Function exceeded its wall clock limit");
        }
        opts.log({ msg: "function request failed", fn: name, error: String(e) });
        return errorJson(502, "WORKER_ERROR", "Function failed to handle the request");
      }
    },
    async close() {
      const all = [...workers.values()];
      workers.clear();
      for (const w of all) {
        try {
          w.child.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await Promise.all(all.map((w) => w.child.status));
    },
  };
}
