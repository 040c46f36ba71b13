import assert from "node:assert/strict";
import { createWorkerAuth, WORKER_SECRET_HEADER } from "./worker_auth.ts";
import { AuthError, ConfigError } from "./errors.ts";

function req(secret?: string): Request {
  return new Request("http://x/fn", {
    method: "POST",
    headers: secret === undefined ? {} : { [WORKER_SECRET_HEADER]: secret },
  });
}

Deno.test("createWorkerAuth() accepts the current secret and refuses others", async () => {
  const auth = createWorkerAuth({ readSecret: () => Promise.resolve("s3cret"), now: () => 0 });
  await auth(req("s3cret"));
  await assert.rejects(auth(req("wrong")), AuthError);
  await assert.rejects(auth(req()), /Missing x-switchboard-worker-secret header/);
});

Deno.test("createWorkerAuth() caches the secret and re-reads it after a rotation", async () => {
  let current = "old";
  let reads = 0;
  const auth = createWorkerAuth({
    readSecret: () => {
      reads++;
      return Promise.resolve(current);
    },
    now: () => 0,
  });
  await auth(req("old"));
  await auth(req("old"));
  assert.equal(reads, 1);
  current = "new";
  await auth(req("new"));
  assert.equal(reads, 2);
});

Deno.test("createWorkerAuth() fails as a configuration error when no secret is set", async () => {
  const auth = createWorkerAuth({ readSecret: () => Promise.resolve(null), now: () => 0 });
  await assert.rejects(auth(req("x")), ConfigError);
});
