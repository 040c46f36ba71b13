import assert from "node:assert/strict";
import { toE164 } from "./e164.ts";

Deno.test("toE164() normalises written forms and refuses what is not a number", () => {
  assert.equal(toE164("+1 555-010-0123"), "+15550100123");
  assert.equal(toE164("(555) 010-0123"), "+15550100123");
  assert.equal(toE164("5550100123"), "+15550100123");
  assert.equal(toE164("020 7946 0018", "GB"), "+442079460018");
  assert.equal(toE164("+442079460018", "US"), "+442079460018");
  assert.equal(toE164("12"), null);
  assert.equal(toE164("John"), null);
  assert.equal(toE164(null), null);
});
