import assert from "node:assert/strict";
import { droppedResponse, FaultInjector } from "./faults.ts";

Deno.test("FaultInjector matches vendor, method and path, and retires rules after `times`", () => {
  const f = new FaultInjector();
  f.add({ vendor: "notion", method: "POST", path: "^/v1/pages$", status: 500, times: 2 });
  assert.equal(f.take("notion", "GET", "/v1/pages"), null);
  assert.equal(f.take("openai", "POST", "/v1/pages"), null);
  assert.equal(f.take("notion", "POST", "/v1/pages")?.status, 500);
  assert.equal(f.take("notion", "POST", "/v1/pages")?.status, 500);
  assert.equal(f.take("notion", "POST", "/v1/pages"), null);
  assert.throws(() => f.add({ vendor: "x", path: "(" }));
});

Deno.test("droppedResponse() fails when its body is read", async () => {
  await assert.rejects(droppedResponse().text());
});
