import assert from "node:assert/strict";
import { edgeRuntime, onBeforeUnload, waitUntil } from "./edge_runtime.ts";

function withFakeRuntime(fn: (tracked: Promise<unknown>[]) => Promise<void>): Promise<void> {
  const tracked: Promise<unknown>[] = [];
  Object.defineProperty(globalThis, "EdgeRuntime", {
    value: { waitUntil: <T>(p: Promise<T>) => (tracked.push(p), p) },
    configurable: true,
  });
  return fn(tracked).finally(() => Reflect.deleteProperty(globalThis, "EdgeRuntime"));
}

Deno.test("waitUntil outside a runtime lets the promise run and reports its failure", async () => {
  assert.equal(edgeRuntime(), null);
  assert.equal(await waitUntil(Promise.resolve(7)), 7);
  const errors: unknown[] = [];
  const failing = waitUntil(Promise.reject(new Error("boom")), (e) => errors.push(e));
  await assert.rejects(failing, /boom/);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(errors.length, 1);
});

Deno.test("waitUntil hands the runtime a promise that settles with the task and never rejects", async () => {
  await withFakeRuntime(async (tracked) => {
    const errors: unknown[] = [];
    const task = Promise.reject(new Error("late"));
    const returned = waitUntil(task, (e) => errors.push(e));
    assert.equal(returned, task);
    assert.equal(tracked.length, 1);
    assert.equal(await tracked[0], undefined);
    assert.equal(errors.length, 1);
    await assert.rejects(returned, /late/);
  });
});

Deno.test("onBeforeUnload passes the runtime's reason and can be removed", () => {
  const seen: unknown[] = [];
  const off = onBeforeUnload((reason) => seen.push(reason));
  globalThis.dispatchEvent(new CustomEvent("beforeunload", { detail: { reason: "wall_clock" } }));
  globalThis.dispatchEvent(new Event("beforeunload")); // Deno's own, at a natural exit
  off();
  globalThis.dispatchEvent(new CustomEvent("beforeunload", { detail: { reason: "early_drop" } }));
  assert.deepEqual(seen, ["wall_clock", null]);
});
