import assert from "node:assert/strict";
import { createHandler } from "./handler.ts";
import { createLogger } from "../_shared/platform/log.ts";

const log = createLogger({}, { write: () => {} });

Deno.test("health handler answers 200 with the report when every part is ok", async () => {
  const handler = createHandler({
    log,
    report: () => Promise.resolve({ ok: true, database: { ok: true } }),
  });
  const res = await handler(new Request("http://x/health"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, database: { ok: true } });
});

Deno.test("health handler answers 503 when a part is down or the database is unreachable", async () => {
  const down = createHandler({ log, report: () => Promise.resolve({ ok: false }) });
  assert.equal((await down(new Request("http://x/health"))).status, 503);
  const unreachable = createHandler({
    log,
    report: () => Promise.reject(new Error("ECONNREFUSED")),
  });
  const res = await unreachable(new Request("http://x/health"));
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), {
    ok: false,
    database: { ok: false, error: "Database unreachable" },
  });
});

Deno.test("health handler refuses other methods", async () => {
  const handler = createHandler({ log, report: () => Promise.resolve({ ok: true }) });
  const res = await handler(new Request("http://x/health", { method: "POST", body: "{}" }));
  assert.equal(res.status, 405);
  await res.body?.cancel();
});
