/**
 * The gateway's worker lifetime against the hosted edge runtime's (local/gateway/functions.ts):
 * `EdgeRuntime.waitUntil` keeps a worker alive past its response, an idle worker is dropped
 * early, the wall clock ends a worker with `beforeunload` first, and the next request gets a fresh
 * worker. It runs its own gateway on tests/fixtures/edge_runtime with limits of a few seconds.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../../local/config.ts";
import { createFunctionsGateway, type EdgeRuntimeLimits } from "../../local/gateway/functions.ts";

const FIXTURES = `${PROJECT_ROOT}/tests/fixtures/edge_runtime`;

interface Recorded {
  event: string;
  pid: number;
  at: number;
  id?: string;
  reason?: string | null;
}

interface Harness {
  call(query: string): Promise<Response>;
  /** What the fixture recorded (task started/done, beforeunload). */
  recorded(): Recorded[];
  /** The gateway's log lines (worker started, retired, shutdown, exited). */
  gatewayLog: Record<string, unknown>[];
  close(): Promise<void>;
}

async function withGateway(
  limits: Partial<EdgeRuntimeLimits>,
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sb-edge-runtime-" });
  const logPath = `${dir}/events.jsonl`;
  await Deno.writeTextFile(logPath, "");
  await Deno.writeTextFile(`${dir}/config.toml`, `[functions.lifecycle]\nverify_jwt = false\n`);
  const gatewayLog: Record<string, unknown>[] = [];
  const gw = await createFunctionsGateway({
    functionsDir: FIXTURES,
    configTomlPath: `${dir}/config.toml`,
    denoConfigPath: `${PROJECT_ROOT}/deno.json`,
    denoPath: Deno.execPath(),
    jwtSecret: "super-secret-jwt-token-with-at-least-32-characters-long",
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      EDGE_TEST_LOG: logPath,
    },
    ...limits,
    log: (line) => gatewayLog.push({ at: Date.now(), ...line }),
  });
  let closed = false;
  const h: Harness = {
    call: (query) =>
      gw.handle(
        new Request(`http://127.0.0.1/functions/v1/lifecycle?${query}`),
        "lifecycle",
        "",
      ),
    recorded: () =>
      Deno.readTextFileSync(logPath).split("\n").filter(Boolean).map((l) => JSON.parse(l)),
    gatewayLog,
    close: async () => {
      if (!closed) await gw.close();
      closed = true;
    },
  };
  try {
    await fn(h);
  } finally {
    await h.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function until<T>(what: string, probe: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (true) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answer(h: Harness, query: string): Promise<{ pid: number; edgeRuntime: boolean }> {
  const res = await h.call(query);
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

function exitOf(h: Harness, pid: number): Record<string, unknown> | undefined {
  return h.gatewayLog.find((l) => l.msg === "function worker exited" && l.pid === pid);
}

Deno.test("edge runtime: waitUntil work outlives the response and completes; then the worker is dropped early", async () => {
  await withGateway({ wallClockMs: 60_000, idleTimeoutMs: 300 }, async (h) => {
    const sent = Date.now();
    const body = await answer(h, "mode=wait-until&ms=1200&id=bg");
    const answeredIn = Date.now() - sent;
    assert.equal(body.edgeRuntime, true);
    assert.ok(answeredIn < 1000, `answered at once, not after the task (${answeredIn} ms)`);

    // Well past the idle timeout, the worker is still alive because the task is pending.
    const done = await until(
      "the background task",
      () => h.recorded().find((r) => r.event === "task done" && r.id === "bg"),
    );
    assert.equal(done.pid, body.pid);
    assert.ok(done.at - sent >= 1200);

    // Once it settled nothing keeps the worker: early drop, with beforeunload first.
    const exit = await until("the early drop", () => exitOf(h, body.pid));
    assert.equal(exit.reason, "EarlyDrop");
    assert.equal(exit.code, 0, "an early drop is a clean exit");
    const unload = h.recorded().find((r) => r.event === "beforeunload" && r.pid === body.pid);
    assert.equal(unload?.reason, "early_drop");
    assert.ok(unload!.at >= done.at);

    // The next request starts a fresh worker, which works.
    const again = await answer(h, "mode=none");
    assert.notEqual(again.pid, body.pid);
  });
});

Deno.test("edge runtime: a retired worker answering its last request keeps the waitUntil work it just started", async () => {
  // The stage worker's pattern at the worst moment: the wake-up arrived just before half the wall
  // clock (when the worker is retired), and the function registers its drain under waitUntil as
  // it answers. Nothing may drop the worker between the response and that promise settling.
  await withGateway({ wallClockMs: 2_000, idleTimeoutMs: 300 }, async (h) => {
    const body = await answer(h, "mode=late&ms=1100&bg=400&id=drain");
    const done = await until(
      "the drain",
      () => h.recorded().find((r) => r.event === "task done" && r.id === "drain"),
    );
    assert.equal(done.pid, body.pid);
    const exit = await until("the early drop", () => exitOf(h, body.pid));
    assert.equal(exit.reason, "EarlyDrop");
    const unload = h.recorded().find((r) => r.event === "beforeunload" && r.pid === body.pid);
    assert.equal(unload?.reason, "early_drop");
    assert.ok(unload!.at >= done.at);
  });
});

Deno.test("edge runtime: work left running without waitUntil is not kept alive", async () => {
  // Hosted, nothing keeps an isolate alive for such work: it may be dropped at any point after the
  // response. The local gateway drops an idle worker deterministically after idleTimeoutMs, so
  // the task below never finishes here; code that needs it to finish must use waitUntil.
  await withGateway({ wallClockMs: 60_000, idleTimeoutMs: 300 }, async (h) => {
    const body = await answer(h, "mode=detached&ms=1500&id=lost");
    const exit = await until("the early drop", () => exitOf(h, body.pid));
    assert.equal(exit.reason, "EarlyDrop");
    await sleep(1700);
    const mine = h.recorded().filter((r) => r.pid === body.pid);
    assert.ok(mine.some((r) => r.event === "task started" && r.id === "lost"));
    assert.ok(!mine.some((r) => r.event === "task done"), "the unregistered task was cut short");
    assert.deepEqual(
      mine.filter((r) => r.event === "beforeunload").map((r) => r.reason),
      ["early_drop"],
    );
  });
});

Deno.test("edge runtime: at the wall clock beforeunload fires, then the worker is killed; a fresh request works", async () => {
  const wallClockMs = 3_000;
  await withGateway(
    { wallClockMs, beforeunloadPct: 80, idleTimeoutMs: 300, requestTimeoutMs: 60_000 },
    async (h) => {
      const started = Date.now();
      const first = await answer(h, "mode=wait-until&ms=30000&id=doomed");
      // A second request to the same worker that will still be running at the wall clock.
      const inFlight = h.call("mode=hang&ms=30000");

      // Retired at half the wall clock: new requests go to a new worker, the old one goes on.
      await sleep(wallClockMs / 2 + 200);
      const second = await answer(h, "mode=none");
      assert.notEqual(second.pid, first.pid);
      assert.equal(exitOf(h, first.pid), undefined, "the retired worker is still running");

      const unload = await until(
        "beforeunload",
        () => h.recorded().find((r) => r.event === "beforeunload" && r.pid === first.pid),
      );
      assert.equal(unload.reason, "wall_clock");
      const firedAfter = unload.at - started;
      assert.ok(firedAfter >= 0.8 * wallClockMs - 100 && firedAfter < wallClockMs, `${firedAfter}`);

      const res = await inFlight;
      assert.equal(res.status, 546);
      assert.equal(res.headers.get("sb-error-code"), "WORKER_RESOURCE_LIMIT");
      await res.body?.cancel();

      const exit = await until("the kill", () => exitOf(h, first.pid));
      assert.equal(exit.reason, "WallClockTime");
      assert.notEqual(exit.code, 0);
      const stoppedAfter = (exit.at as number) - started;
      assert.ok(
        stoppedAfter >= wallClockMs && stoppedAfter < wallClockMs + 1500,
        `${stoppedAfter}`,
      );
      assert.ok(
        !h.recorded().some((r) => r.event === "task done" && r.id === "doomed"),
        "pending waitUntil work is lost at the wall clock",
      );

      const fresh = await answer(h, "mode=none");
      assert.notEqual(fresh.pid, first.pid);
      assert.equal(fresh.edgeRuntime, true);
    },
  );
});

Deno.test("edge runtime: no response within the request timeout is 504 IDLE_TIMEOUT; stopping the gateway fires beforeunload", async () => {
  await withGateway({ requestTimeoutMs: 500 }, async (h) => {
    const res = await h.call("mode=hang&ms=5000");
    assert.equal(res.status, 504);
    assert.equal(res.headers.get("sb-error-code"), "IDLE_TIMEOUT");
    await res.body?.cancel();

    const body = await answer(h, "mode=wait-until&ms=30000&id=cut");
    const leaked = await (await h.call("mode=none")).json();
    assert.equal(leaked.leaked, null, "the control address is not in the function's environment");
    await h.close();
    const unload = h.recorded().find((r) => r.event === "beforeunload" && r.pid === body.pid);
    assert.equal(unload?.reason, "termination");
    assert.equal(exitOf(h, body.pid)?.reason, "TerminationRequested");
  });
});
