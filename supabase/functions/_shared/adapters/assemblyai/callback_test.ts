import assert from "node:assert/strict";
import { newCallbackSecret, sha256Hex, verifyCallbackSecret } from "./callback.ts";

Deno.test("callback secret: 32 random bytes, checked against its hash only", async () => {
  const a = newCallbackSecret();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, newCallbackSecret());
  const hash = await sha256Hex(a);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(await verifyCallbackSecret(a, hash), true);
  assert.equal(await verifyCallbackSecret(a + "x", hash), false);
  assert.equal(await verifyCallbackSecret(null, hash), false);
  assert.equal(await verifyCallbackSecret("", await sha256Hex("")), false);
  assert.equal(await verifyCallbackSecret(a, null), false);
});
