/**
 * Serves `/functions/v1/<name>` the way Supabase's edge runtime does, without Docker: each
 * function's unchanged `supabase/functions/<name>/index.ts` runs in its own Deno process with the
 * environment the runtime provides. `Deno.serve()` inside it listens where DENO_SERVE_ADDRESS
 * says; the gateway proxies requests to it, streaming both ways. `verify_jwt` comes from
 * supabase/config.toml.
 *
 * A worker lives as the runtime's per-worker supervisor lets it (supabase/edge-runtime,
 * crates/base/src/worker/supervisor/strategy_per_worker.rs):
 *
 *   - the wall clock starts when the worker is up; a worker serves many requests meanwhile;
 *   - at half the wall clock it is retired: new requests start a fresh worker;
 *   - at `beforeunloadPct` of the wall clock (the runtime's default: 90 %) `beforeunload` fires
 *     with `detail.reason = "wall_clock"`; at the wall clock the process is killed, whatever it
 *     was doing (a request still in flight gets 546 WORKER_RESOURCE_LIMIT);
 *   - a worker with no request in flight and no `EdgeRuntime.waitUntil` promise pending is
 *     dropped early ("EarlyDrop": `beforeunload` with reason "early_drop", then exit) once it is
 *     retired or has had no request for `idleTimeoutMs`. Work a function left running without
 *     `waitUntil` dies with it, as on the hosted platform.
 *
 * `EdgeRuntime.waitUntil` and the `beforeunload` event come from edge_runtime_shim.ts, preloaded
 * into every function process, which reports its pending promises over a control connection.
 */
import { parse as parseToml } from "smol-toml";
import { verifyJwt } from "./jwt.ts";
import { freePort } from "../process.ts";

export interface EdgeRuntimeLimits {
  /** A worker's wall clock, as the edge runtime's (150 s on Free, 400 s on paid plans). */
  wallClockMs: number;
  /** When `beforeunload` fires, in percent of the wall clock (the runtime's default: 90). */
  beforeunloadPct: number;
  /** An idle worker (no request, no waitUntil pending) is dropped after this long. */
  idleTimeoutMs: number;
  /** A request without a response within this long gets 504 IDLE_TIMEOUT (hosted: 150 s). */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: EdgeRuntimeLimits = {
  wallClockMs: 150_000,
  beforeunloadPct: 90,
  idleTimeoutMs: 5_000,
  requestTimeoutMs: 150_000,
};

export interface FunctionsOptions extends Partial<EdgeRuntimeLimits> {
  functionsDir: string;
  configTomlPath: string;
  /** Environment every function gets (SUPABASE_URL, SUPABASE_DB_URL, keys, .env values). */
  env: Record<string, string>;
  jwtSecret: string;
  denoPath: string;
  denoConfigPath: string;
  log: (line: Record<string, unknown>) => void;
}

/** The runtime's shutdown reasons (its `Shutdown` log event), and why a local worker ended. */
type ShutdownReason = "EarlyDrop" | "WallClockTime" | "TerminationRequested" | "BootFailure";

interface Worker {
  name: string;
  port: number;
  token: string;
  child: Deno.ChildProcess;
  ready: Promise<void>;
  connected: PromiseWithResolvers<void>;
  control: Deno.TcpConn | null;
  /** Requests proxied to it whose response has not been fully sent. */
  inFlight: number;
  /** `EdgeRuntime.waitUntil` promises not yet settled, as the worker reports them. */
  pending: number;
  lastRequestEnd: number;
  clockStarted: boolean;
  retired: boolean;
  shutdown: ShutdownReason | null;
  exited: boolean;
  timers: Timer[];
  idleTimer: Timer | null;
  acks: Map<string, (outcome: "dispatched" | "refused") => void>;
}

type Timer = ReturnType<typeof setTimeout>;

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const SHIM_PATH = new URL("./edge_runtime_shim.ts", import.meta.url).pathname;
/** How long an event handler may run before the worker is stopped anyway. */
const BEFOREUNLOAD_ACK_MS = 1_000;

function errorJson(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ code, message }), {
    status,
    headers: { "content-type": "application/json", "sb-error-code": code },
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
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  throw new Error(`function did not listen within ${ms} ms`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
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

/** Wraps a response body so `done` runs once it has been fully sent, failed or been cancelled. */
function trackBody(
  body: ReadableStream<Uint8Array> | null,
  done: () => void,
): ReadableStream<Uint8Array> | null {
  if (!body) {
    done();
    return null;
  }
  const reader = body.getReader();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        const r = await reader.read();
        if (r.done) {
          ctrl.close();
          finish();
        } else {
          ctrl.enqueue(r.value);
        }
      } catch (e) {
        finish();
        ctrl.error(e);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
}

export async function createFunctionsGateway(opts: FunctionsOptions): Promise<FunctionsGateway> {
  const settings = await readFunctionSettings(opts.configTomlPath);
  const limits: EdgeRuntimeLimits = {
    wallClockMs: opts.wallClockMs ?? DEFAULT_LIMITS.wallClockMs,
    beforeunloadPct: opts.beforeunloadPct ?? DEFAULT_LIMITS.beforeunloadPct,
    idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs,
  };
  /** The worker new requests for a function go to (at most one per function). */
  const current = new Map<string, Worker>();
  /** Every worker process still running, current or retired. */
  const live = new Set<Worker>();
  const byToken = new Map<string, Worker>();
  let closing = false;

  // Workers connect back here (edge_runtime_shim.ts) to report waitUntil and take beforeunload.
  const controlListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const controlPort = (controlListener.addr as Deno.NetAddr).port;
  (async () => {
    for await (const conn of controlListener) serveControl(conn);
  })().catch(() => {/* listener closed */});

  async function serveControl(conn: Deno.TcpConn): Promise<void> {
    conn.setNoDelay(true);
    const decoder = new TextDecoder();
    const buf = new Uint8Array(4096);
    let text = "";
    let w: Worker | undefined;
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += decoder.decode(buf.subarray(0, n), { stream: true });
        let nl: number;
        while ((nl = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, nl);
          text = text.slice(nl + 1);
          const msg = JSON.parse(line) as {
            hello?: string;
            pending?: number;
            dispatched?: string;
            refused?: string;
          };
          if (!w) {
            w = msg.hello ? byToken.get(msg.hello) : undefined;
            if (!w || w.control) {
              conn.close();
              return;
            }
            w.control = conn;
            w.connected.resolve();
          } else if (typeof msg.refused === "string") {
            if (typeof msg.pending === "number") w.pending = msg.pending;
            w.acks.get(msg.refused)?.("refused");
          } else if (typeof msg.pending === "number") {
            w.pending = msg.pending;
            evaluate(w);
          } else if (typeof msg.dispatched === "string") {
            w.acks.get(msg.dispatched)?.("dispatched");
          }
        }
      }
    } catch { /* the worker is gone */ }
    try {
      conn.close();
    } catch { /* already closed */ }
  }

  function clearTimers(w: Worker): void {
    for (const t of w.timers) clearTimeout(t);
    w.timers = [];
    if (w.idleTimer !== null) clearTimeout(w.idleTimer);
    w.idleTimer = null;
  }

  function unroute(w: Worker): void {
    w.retired = true;
    if (current.get(w.name) === w) current.delete(w.name);
  }

  /**
   * Sends a control message and waits for the worker's answer about `reason` (its beforeunload
   * handlers have run, or it refused to be dropped); null when it is gone or too slow.
   */
  async function command(
    w: Worker,
    reason: string,
    msg: Record<string, unknown>,
  ): Promise<"dispatched" | "refused" | null> {
    const c = w.control;
    if (!c || w.exited) return null;
    const answered = new Promise<"dispatched" | "refused">((resolve) =>
      w.acks.set(reason, resolve)
    );
    try {
      await c.write(new TextEncoder().encode(JSON.stringify(msg) + "\n"));
      return await withTimeout(answered, BEFOREUNLOAD_ACK_MS, "no answer");
    } catch {
      return null;
    } finally {
      w.acks.delete(reason);
    }
  }

  function kill(w: Worker, signal: Deno.Signal): void {
    try {
      w.child.kill(signal);
    } catch { /* already gone */ }
  }

  async function stop(w: Worker, reason: ShutdownReason): Promise<void> {
    if (w.shutdown || w.exited) return;
    w.shutdown = reason;
    unroute(w);
    if (reason === "WallClockTime") {
      clearTimers(w);
      logShutdown(w, reason);
      // Killed mid-work, as the runtime does; beforeunload fired earlier.
      kill(w, "SIGKILL");
      return;
    }
    const event = reason === "EarlyDrop" ? "early_drop" : "termination";
    const answer = await command(w, event, { drop: event, force: reason !== "EarlyDrop" });
    if (answer === "refused") {
      // waitUntil work was registered just before the response: the worker stays (retired)
      // until it settles or the wall clock ends it.
      w.shutdown = null;
      opts.log({ msg: "function worker kept", fn: w.name, pid: w.child.pid, pending: w.pending });
      evaluate(w);
      return;
    }
    clearTimers(w);
    logShutdown(w, reason);
    // The worker exits by itself after its handlers; one that does not is stopped.
    const exited = await withTimeout(w.child.status, BEFOREUNLOAD_ACK_MS, "exit").then(
      () => true,
      () => false,
    );
    if (!exited) kill(w, "SIGKILL");
  }

  function logShutdown(w: Worker, reason: ShutdownReason): void {
    opts.log({
      msg: "function worker shutdown",
      fn: w.name,
      pid: w.child.pid,
      reason,
      in_flight: w.inFlight,
      pending: w.pending,
    });
  }

  /** Drops a worker early once nothing keeps it: no request in flight, no waitUntil pending. */
  function evaluate(w: Worker): void {
    if (w.shutdown || w.exited || !w.clockStarted) return;
    if (w.idleTimer !== null) clearTimeout(w.idleTimer);
    w.idleTimer = null;
    if (w.inFlight > 0 || w.pending > 0) return;
    if (w.retired) {
      stop(w, "EarlyDrop");
      return;
    }
    const wait = Math.max(0, w.lastRequestEnd + limits.idleTimeoutMs - Date.now());
    w.idleTimer = setTimeout(() => {
      w.idleTimer = null;
      if (w.inFlight === 0 && w.pending === 0) stop(w, "EarlyDrop");
    }, wait);
  }

  function startClock(w: Worker): void {
    if (w.exited) return;
    w.clockStarted = true;
    w.lastRequestEnd = Date.now();
    const at = (ms: number, fn: () => void) => w.timers.push(setTimeout(fn, ms));
    at(limits.wallClockMs / 2, () => {
      // The runtime retires the worker here: later requests are unlikely to get enough time.
      unroute(w);
      opts.log({ msg: "function worker retired", fn: w.name, pid: w.child.pid });
      evaluate(w);
    });
    at(
      limits.wallClockMs * limits.beforeunloadPct / 100,
      () => command(w, "wall_clock", { beforeunload: "wall_clock" }),
    );
    at(limits.wallClockMs, () => stop(w, "WallClockTime"));
    evaluate(w);
  }

  function spawn(name: string): Worker {
    const port = freePort();
    const token = crypto.randomUUID();
    const child = new Deno.Command(opts.denoPath, {
      args: [
        "run",
        "-A",
        "--config",
        opts.denoConfigPath,
        "--preload",
        SHIM_PATH,
        `${opts.functionsDir}/${name}/index.ts`,
      ],
      env: {
        ...opts.env,
        DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
        NO_COLOR: "1",
        SWITCHBOARD_EDGE_CONTROL: `127.0.0.1:${controlPort}:${token}`,
      },
      clearEnv: true,
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const connected = Promise.withResolvers<void>();
    const w: Worker = {
      name,
      port,
      token,
      child,
      ready: Promise.resolve(),
      connected,
      control: null,
      inFlight: 0,
      pending: 0,
      lastRequestEnd: 0,
      clockStarted: false,
      retired: false,
      shutdown: null,
      exited: false,
      timers: [],
      idleTimer: null,
      acks: new Map(),
    };
    w.ready = Promise.all([
      waitForPort(port, child, 30_000),
      withTimeout(connected.promise, 30_000, "function did not connect to the gateway"),
    ]).then(() => startClock(w));
    w.ready.catch(() => {/* handled by the request that started it */});
    byToken.set(token, w);
    live.add(w);
    child.status.then((s) => {
      w.exited = true;
      clearTimers(w);
      unroute(w);
      live.delete(w);
      byToken.delete(token);
      connected.reject(new Error("function process exited during start-up"));
      try {
        w.control?.close();
      } catch { /* already closed */ }
      opts.log({
        msg: "function worker exited",
        fn: name,
        pid: child.pid,
        code: s.code,
        reason: w.shutdown,
      });
    });
    opts.log({ msg: "function worker started", fn: name, port, pid: child.pid });
    return w;
  }

  /** The worker for the next request, counted in flight before anything else can stop it. */
  async function workerFor(name: string): Promise<Worker> {
    let w = current.get(name);
    if (!w) {
      w = spawn(name);
      current.set(name, w);
    }
    w.inFlight++;
    try {
      await w.ready;
    } catch (e) {
      w.inFlight--;
      if (!w.shutdown && !w.exited) {
        w.shutdown = "BootFailure";
        unroute(w);
        kill(w, "SIGKILL");
      }
      throw e;
    }
    return w;
  }

  function requestDone(w: Worker): void {
    w.inFlight--;
    w.lastRequestEnd = Date.now();
    evaluate(w);
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
      if (!current.has(name)) {
        try {
          await Deno.stat(`${opts.functionsDir}/${name}/index.ts`);
        } catch {
          return errorJson(404, "NOT_FOUND", "Requested function was not found");
        }
      }
      const refused = await authorised(req, name);
      if (refused) return refused;
      if (closing) return errorJson(503, "BOOT_ERROR", "The functions gateway is stopping");

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
      // The request idle timeout covers the wait for a response, not the streaming of its body.
      const abort = new AbortController();
      const timer = setTimeout(
        () => abort.abort(new DOMException("request idle timeout", "TimeoutError")),
        limits.requestTimeoutMs,
      );
      try {
        const res = await fetch(target, {
          method: req.method,
          headers,
          body: req.body,
          redirect: "manual",
          signal: abort.signal,
        });
        clearTimeout(timer);
        const body = trackBody(res.body, () => requestDone(worker));
        return new Response(body, { status: res.status, headers: res.headers });
      } catch (e) {
        clearTimeout(timer);
        requestDone(worker);
        if (worker.shutdown === "WallClockTime") {
          return errorJson(
            546,
            "WORKER_RESOURCE_LIMIT",
            "Function stopped: wall clock time limit reached",
          );
        }
        if (abort.signal.aborted) {
          return errorJson(
            504,
            "IDLE_TIMEOUT",
            "Function did not respond within the request timeout",
          );
        }
        opts.log({ msg: "function request failed", fn: name, error: String(e) });
        return errorJson(502, "WORKER_ERROR", "Function failed to handle the request");
      }
    },
    async close() {
      closing = true;
      const all = [...live];
      current.clear();
      await Promise.all(all.map((w) => stop(w, "TerminationRequested")));
      await Promise.all(all.map((w) => w.child.status));
      controlListener.close();
    },
  };
}
