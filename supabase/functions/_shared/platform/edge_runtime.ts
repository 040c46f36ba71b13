/**
 * The edge runtime's background-work API, typed once for function code.
 *
 * On Supabase (and under the local gateway, which preloads local/gateway/edge_runtime_shim.ts)
 * a worker lives past its response only while `EdgeRuntime.waitUntil` promises are pending; once
 * they settle it may be dropped at once ("EarlyDrop"), and at the wall clock (150 s Free, 400 s
 * paid) it is stopped whatever it is doing. Before either, the runtime dispatches `beforeunload`
 * on the global scope with `detail.reason`. Outside a runtime (unit tests, the backfill CLI)
 * there is no `EdgeRuntime`: `waitUntil` here then just lets the promise run.
 */

/** Why the runtime is about to stop the worker (edge-runtime's `WillTerminateReason`). */
export type BeforeUnloadReason = "cpu" | "memory" | "wall_clock" | "early_drop" | "termination";

/** The part of the runtime's `EdgeRuntime` global that functions here use. */
export interface EdgeRuntimeApi {
  /** Keeps the worker alive until `promise` settles; returns it unchanged. */
  waitUntil<T>(promise: Promise<T>): Promise<T>;
}

declare global {
  /**
   * Always present in the edge runtime and under the local gateway, so function code may call
   * `EdgeRuntime.waitUntil(p)` as Supabase's examples do. Plain Deno (unit tests) has no such
   * global: code that must also run there uses `waitUntil` below.
   */
  var EdgeRuntime: EdgeRuntimeApi;
}

/** The runtime's `EdgeRuntime`, or null outside one. */
export function edgeRuntime(): EdgeRuntimeApi | null {
  return (globalThis as { EdgeRuntime?: EdgeRuntimeApi }).EdgeRuntime ?? null;
}

/**
 * Runs `promise` as background work: the worker is kept alive until it settles (up to the wall
 * clock). A rejection is passed to `onError` (default: logged to stderr), never left unhandled,
 * since an unhandled rejection ends a Deno process. Returns the promise.
 */
export function waitUntil<T>(
  promise: Promise<T>,
  onError: (e: unknown) => void = (e) => {
    // deno-lint-ignore no-console
    console.error("Background task failed:", e);
  },
): Promise<T> {
  // The runtime tracks a promise that cannot reject, so a failure is reported here, once.
  const settled = promise.then(() => {}, (e: unknown) => {
    onError(e);
  });
  edgeRuntime()?.waitUntil(settled);
  return promise;
}

/**
 * Calls `cb` with the reason when the runtime is about to stop this worker. Handlers should be
 * quick (set a flag, stop taking work): on the wall clock the process is killed shortly after
 * (10 % of the wall clock later), on an early drop right after the handlers return. Returns a
 * function that removes the listener.
 */
export function onBeforeUnload(cb: (reason: BeforeUnloadReason | null) => void): () => void {
  const listener = (ev: Event) => {
    const detail = (ev as CustomEvent<{ reason?: BeforeUnloadReason | null } | null>).detail;
    cb(detail?.reason ?? null);
  };
  globalThis.addEventListener("beforeunload", listener);
  return () => globalThis.removeEventListener("beforeunload", listener);
}
