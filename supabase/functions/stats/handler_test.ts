import assert from "node:assert/strict";
import { createHandler } from "./handler.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createServiceKeyAuth } from "../_shared/platform/service_key_auth.ts";

const log = createLogger({}, { write: () => {} });
const KEY = "sb_secret_test";
const doc = { ok: true, pipeline: [], queues: [] };

function handler(stats = () => Promise.resolve(doc)) {
  return createHandler({ log, authenticate: createServiceKeyAuth([KEY]), stats });
}

Deno.test("stats handler: the secret key gets the document, uncached", async () => {
  const res = await handler()(
    new Request("http://x/stats", { headers: { authorization: `Bearer ${KEY}` } }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(await res.json(), doc);
});

Deno.test("stats handler: no key or a public key → 401 before the database is asked", async () => {
  let asked = 0;
  const h = handler(() => {
    asked++;
    return Promise.resolve(doc);
  });
  for (const headers of [{}, { apikey: "sb_publishable_x" }] as Record<string, string>[]) {
    const res = await h(new Request("http://x/stats", { headers }));
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "unauthorized");
  }
  assert.equal(asked, 0);
});

Deno.test("stats handler: other methods → 405; a database failure → 500 without its message", async () => {
  const post = await handler()(new Request("http://x/stats", { method: "POST", body: "{}" }));
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const res = await handler(() => Promise.reject(new Error("relation secret does not exist")))(
    new Request("http://x/stats", { headers: { apikey: KEY } }),
  );
  assert.equal(res.status, 500);
  assert.doesNotMatch(await res.text(), /secret/);
});
