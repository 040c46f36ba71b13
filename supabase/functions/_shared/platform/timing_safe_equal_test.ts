import assert from "node:assert/strict";
import { timingSafeEqual } from "./timing_safe_equal.ts";

Deno.test("timingSafeEqual() compares strings of any length", async () => {
  assert.equal(await timingSafeEqual("abc", "abc"), true);
  assert.equal(await timingSafeEqual("abc", "abd"), false);
  assert.equal(await timingSafeEqual("abc", "abcd"), false);
  assert.equal(await timingSafeEqual("", ""), true);
});
