import assert from "node:assert/strict";
import { createHandler } from "./handler.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { AuthError } from "../_shared/platform/errors.ts";

const log = createLogger({}, { write: () => {} });

Deno.test("probe handler authenticates, drains and reports per message", async () => {
  let drained = 0;
  const handler = createHandler({
    log,
    authenticate: () => Promise.resolve(),
    drain: () => {
      drained++;
      return Promise.resolve({ completed: [1, 2], failed: [], drained: true });
    },
  });
  const res = await handler(new Request("http://x/probe", { method: "POST", body: "{}" }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { completed: [1, 2], failed: [], drained: true });
  assert.equal(drained, 1);
});

Deno.test("probe handler answers 207 when some messages failed", async () => {
  const handler = createHandler({
    log,
    authenticate: () => Promise.resolve(),
    drain: () =>
      Promise.resolve({
        completed: [1],
        failed: [{ msgId: 2, code: "validation_failed", retryable: false }],
        drained: true,
      }),
  });
  const res = await handler(new Request("http://x/probe", { method: "POST", body: "{}" }));
  assert.equal(res.status, 207);
  await res.body?.cancel();
});

Deno.test("probe handler refuses a request without the worker secret and drains nothing", async () => {
  let drained = 0;
  const handler = createHandler({
    log,
    authenticate: () => Promise.reject(new AuthError("Missing x-switchboard-worker-secret header")),
    drain: () => {
      drained++;
      return Promise.resolve({ completed: [], failed: [], drained: true });
    },
  });
  const res = await handler(new Request("http://x/probe", { method: "POST", body: "{}" }));
  assert.equal(res.status, 401);
  await res.body?.cancel();
  assert.equal(drained, 0);
});
