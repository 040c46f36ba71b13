import assert from "node:assert/strict";
import { createWorkerAuth, WORKER_SECRET_HEADER, type WorkerAuthDeps } from "./worker_auth.ts";
import { AuthError, ConfigError } from "./errors.ts";

function req(secret?: string): Request {
  return new Request("http://x/fn", {
    method: "POST",
    headers: secret === undefined ? {} : { [WORKER_SECRET_HEADER]: secret },
  });
}

/** A Vault stand-in that counts reads, and a clock the test moves by hand. */
function fixture(initial: string | null, opts: Partial<WorkerAuthDeps> = {}) {
  const state = { secret: initial, reads: 0, nowMs: 0 };
  const auth = createWorkerAuth({
    readSecret: () => {
      state.reads++;
      return Promise.resolve(state.secret);
    },
    now: () => state.nowMs,
    ...opts,
  });
  return { state, auth };
}

Deno.test("createWorkerAuth() accepts the current secret and refuses others", async () => {
  const { auth } = fixture("s3cret");
  await auth(req("s3cret"));
  await assert.rejects(auth(req("wrong")), AuthError);
  await assert.rejects(auth(req()), /Missing x-switchboard-worker-secret header/);
});

Deno.test("createWorkerAuth() caches the secret for cacheMs", async () => {
  const { state, auth } = fixture("s3cret", { cacheMs: 60_000 });
  await auth(req("s3cret"));
  state.nowMs = 59_999;
  await auth(req("s3cret"));
  assert.equal(state.reads, 1);
  state.nowMs = 60_000;
  await auth(req("s3cret"));
  assert.equal(state.reads, 2, "read again once the cache expires");
});

Deno.test("createWorkerAuth() reads at most once per minRereadMs for a flood of wrong secrets", async () => {
  const { state, auth } = fixture("s3cret", { minRereadMs: 5_000 });
  for (let i = 0; i < 1_000; i++) await assert.rejects(auth(req(`wrong-${i}`)), AuthError);
  assert.equal(state.reads, 1, "1,000 bad requests in the same instant: one read");

  state.nowMs = 4_999;
  for (let i = 0; i < 1_000; i++) await assert.rejects(auth(req("wrong")), AuthError);
  assert.equal(state.reads, 1, "still inside the interval: no more reads");

  state.nowMs = 5_000;
  await assert.rejects(auth(req("wrong")), AuthError);
  await assert.rejects(auth(req("wrong")), AuthError);
  assert.equal(state.reads, 2, "one re-read per interval");
  await auth(req("s3cret"));
  assert.equal(state.reads, 2, "the right secret never costs a read while cached");
});

Deno.test("createWorkerAuth() shares one read among concurrent requests", async () => {
  let reads = 0;
  let release: (v: string) => void = () => {};
  const auth = createWorkerAuth({
    readSecret: () => {
      reads++;
      return new Promise<string>((resolve) => release = resolve);
    },
    now: () => 0,
  });
  const pending = Array.from({ length: 200 }, (_, i) => auth(req(i % 2 ? "s3cret" : "wrong")));
  release("s3cret");
  const results = await Promise.allSettled(pending);
  assert.equal(reads, 1);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 100);
  assert.ok(
    results.every((r, i) => i % 2 ? r.status === "fulfilled" : r.status === "rejected"),
  );
});

Deno.test("createWorkerAuth() picks up a rotated secret within minRereadMs", async () => {
  const { state, auth } = fixture("old", { minRereadMs: 5_000, cacheMs: 60_000 });
  await auth(req("old"));
  state.secret = "new";
  state.nowMs = 1_000;
  await assert.rejects(auth(req("new")), AuthError, "read 1 s ago: not read again yet");
  state.nowMs = 5_000;
  await auth(req("new"));
  assert.equal(state.reads, 2);
  await assert.rejects(auth(req("old")), AuthError, "the old secret is refused after rotation");
});

Deno.test("createWorkerAuth() fails as a configuration error when no secret is set", async () => {
  const { state, auth } = fixture(null, { minRereadMs: 5_000 });
  await assert.rejects(auth(req("x")), ConfigError);
  for (let i = 0; i < 100; i++) await assert.rejects(auth(req("x")), ConfigError);
  assert.equal(state.reads, 1, "an unset secret is not looked up on every request");
  state.secret = "s3cret";
  state.nowMs = 5_000;
  await auth(req("s3cret"));
  assert.equal(state.reads, 2, "a secret set later is found within minRereadMs");
});

Deno.test("createWorkerAuth() does not cache a failed read", async () => {
  let fail = true;
  let reads = 0;
  const auth = createWorkerAuth({
    readSecret: () => {
      reads++;
      return fail ? Promise.reject(new Error("database down")) : Promise.resolve("s3cret");
    },
    now: () => 0,
  });
  await assert.rejects(auth(req("s3cret")), /database down/);
  fail = false;
  await auth(req("s3cret"));
  assert.equal(reads, 2);
});
