import assert from "node:assert/strict";
import { AuthError } from "./errors.ts";
import { createLogger } from "./log.ts";
import { stageEndpoint } from "./stage_function.ts";
import type { DrainReport } from "./stage_worker.ts";

const log = createLogger({}, { write: () => {} });
const report: DrainReport = {
  worker: "w",
  slot: 1,
  completed: 0,
  retried: 0,
  deferred: 0,
  dead: 0,
  released: 0,
  stale: 0,
  stopped: "drained",
};

Deno.test("a wake-up is answered 202 at once and the drain goes to the background", async () => {
  const background: Promise<unknown>[] = [];
  let drains = 0;
  let named: string | null = "unset";
  let finish: () => void = () => {};
  const handler = stageEndpoint({
    log,
    authenticate: () => Promise.resolve(),
    drain: (stage) => {
      drains++;
      named = stage;
      return new Promise((resolve) => finish = () => resolve([report]));
    },
    background: (p) => background.push(p),
  });
  const res = await handler(
    new Request("http://x/fn", { method: "POST", body: '{"stage":"probe","reason":"enqueue"}' }),
  );
  assert.equal(res.status, 202, "answered while the drain is still running");
  assert.deepEqual(await res.json(), { accepted: true });
  assert.equal(drains, 1);
  assert.equal(named, "probe", "the drain is for the stage the wake-up names");
  assert.equal(background.length, 1);
  finish();
  assert.deepEqual(await background[0], [report]);
});

Deno.test("without the worker secret nothing is drained (401); other methods get 405", async () => {
  let drains = 0;
  const handler = stageEndpoint({
    log,
    authenticate: () => Promise.reject(new AuthError("Invalid worker secret")),
    drain: () => {
      drains++;
      return Promise.resolve([report]);
    },
    background: () => {},
  });
  const denied = await handler(new Request("http://x/fn", { method: "POST", body: "{}" }));
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const get = await handler(new Request("http://x/fn"));
  assert.equal(get.status, 405);
  await get.body?.cancel();
  assert.equal(drains, 0);
});
