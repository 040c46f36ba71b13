/**
 * Preloaded into every function process the local gateway starts (`deno run --preload`), before
 * the function's own `index.ts`: what Supabase's edge runtime adds to a worker's global scope for
 * background work, and nothing else.
 *
 *   EdgeRuntime.waitUntil(promise)   keeps the worker alive until the promise settles; returns it
 *   addEventListener("beforeunload", (ev) => ev.detail.reason)
 *                                    fired before the worker is shut down, with the reason the
 *                                    runtime uses: "wall_clock", "early_drop" or "termination"
 *
 * The gateway decides when the worker lives and dies (functions.ts); this side only reports how
 * many waitUntil promises are pending and dispatches `beforeunload` when told to. The two talk
 * over one TCP connection to the gateway, newline-delimited JSON:
 *
 *   worker → gateway  {"hello": token}  {"pending": n}  {"dispatched": reason}
 *                     {"refused": reason, "pending": n}
 *   gateway → worker  {"beforeunload": reason}          dispatch it (the wall clock is near)
 *                     {"drop": reason, "force"?: true}  dispatch it and exit, unless waitUntil
 *                                                       work is pending (then refuse): decided
 *                                                       here, where the count is exact, so a
 *                                                       promise registered just before the
 *                                                       response can never be dropped
 */

const CONTROL_ENV = "SWITCHBOARD_EDGE_CONTROL";

interface EdgeRuntimeShim {
  waitUntil<T>(promise: Promise<T>): Promise<T>;
}

const pending = new Set<Promise<unknown>>();
const encoder = new TextEncoder();
let conn: Deno.TcpConn | null = null;
let writes: Promise<void> = Promise.resolve();
let reported = -1;

async function writeAll(c: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await c.write(bytes.subarray(off));
}

function send(msg: Record<string, unknown>): void {
  const c = conn;
  if (!c) return;
  const bytes = encoder.encode(JSON.stringify(msg) + "\n");
  writes = writes.then(() => writeAll(c, bytes)).catch(() => {/* the gateway is gone */});
}

function reportPending(): void {
  if (pending.size === reported) return;
  reported = pending.size;
  send({ pending: pending.size });
}

function waitUntil<T>(promise: Promise<T>): Promise<T> {
  // As the runtime does: only promises are tracked, anything else is handed back untouched.
  if (!(promise instanceof Promise)) return promise;
  pending.add(promise);
  reportPending();
  const settle = () => {
    pending.delete(promise);
    reportPending();
  };
  promise.then(settle, (e: unknown) => {
    // Tracking the promise handles its rejection; say so rather than lose the error silently.
    // deno-lint-ignore no-console
    console.error("EdgeRuntime.waitUntil: a background task failed:", e);
    settle();
  });
  return promise;
}

function dispatchBeforeUnload(reason: string): void {
  globalThis.dispatchEvent(
    new CustomEvent("beforeunload", { cancelable: true, detail: { reason } }),
  );
}

async function readCommands(c: Deno.TcpConn): Promise<void> {
  const decoder = new TextDecoder();
  const buf = new Uint8Array(4096);
  let text = "";
  while (true) {
    let n: number | null;
    try {
      n = await c.read(buf);
    } catch {
      return;
    }
    if (n === null) return;
    text += decoder.decode(buf.subarray(0, n), { stream: true });
    let nl: number;
    while ((nl = text.indexOf("\n")) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      let msg: { beforeunload?: unknown; drop?: unknown; force?: unknown };
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof msg.beforeunload === "string") {
        try {
          dispatchBeforeUnload(msg.beforeunload);
        } finally {
          send({ dispatched: msg.beforeunload });
        }
      } else if (typeof msg.drop === "string") {
        if (pending.size > 0 && msg.force !== true) {
          send({ refused: msg.drop, pending: pending.size });
          continue;
        }
        try {
          dispatchBeforeUnload(msg.drop);
        } finally {
          send({ dispatched: msg.drop });
          // The worker ends cleanly once its handlers have run.
          await writes.finally(() => Deno.exit(0));
        }
      }
    }
  }
}

async function connectControl(spec: string): Promise<void> {
  const m = /^([^:]+):(\d+):(.+)$/.exec(spec);
  if (!m) return;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const c = await Deno.connect({ hostname: m[1]!, port: Number(m[2]) });
      // The control link never keeps a worker alive by itself: a function that serves nothing
      // exits as it would on the runtime.
      c.unref();
      c.setNoDelay(true);
      conn = c;
      send({ hello: m[3] });
      reported = -1;
      reportPending();
      await readCommands(c);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const installed: EdgeRuntimeShim = Object.freeze({ waitUntil });
Object.defineProperty(globalThis, "EdgeRuntime", {
  value: installed,
  writable: false,
  enumerable: false,
  configurable: false,
});

const spec = Deno.env.get(CONTROL_ENV);
if (spec) {
  // The function sees the runtime's environment only, not the gateway's plumbing.
  Deno.env.delete(CONTROL_ENV);
  connectControl(spec);
}
