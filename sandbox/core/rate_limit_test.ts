import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limit.ts";

Deno.test("RateLimiter allows a burst, then the sustained rate, per key", () => {
  const rl = new RateLimiter(10, 5);
  const t = 1_000_000;
  const burst = Array.from({ length: 7 }, () => rl.check("k", t).allowed);
  assert.deepEqual(burst, [true, true, true, true, true, false, false]);
  assert.equal(rl.check("other", t).allowed, true, "another key has its own budget");
  const refused = rl.check("k", t);
  assert.equal(refused.retryAfterMs, 100);
  assert.equal(rl.check("k", t + 100).allowed, true);
  assert.equal(rl.check("k", t + 100).allowed, false);
});

Deno.test("RateLimiter never refuses a client that keeps to the rate", () => {
  const rl = new RateLimiter(3, 1);
  for (let i = 0; i < 100; i++) assert.equal(rl.check("k", i * 334).allowed, true, `request ${i}`);
});
