import assert from "node:assert/strict";
import { normalizeEmails, normalizePhones, writtenForms } from "./normalize.ts";

Deno.test("normalizePhones(): the earlier system's formats all give one E.164", () => {
  for (
    const raw of [
      "555-010-0123",
      "5550100123",
      "+15550100123",
      "(555) 010-0123",
      "1 555 010 0123",
      "555.010.0123",
    ]
  ) {
    assert.deepEqual(normalizePhones([raw]), ["+15550100123"], raw);
  }
});

Deno.test("normalizePhones(): several numbers per text, labels, duplicates, junk", () => {
  assert.deepEqual(
    normalizePhones([
      "+15550100123",
      "Mobile: 555-010-0199, work +44 20 7946 0018; 555-010-0123 / n/a\nhome (555) 010-0177",
    ]),
    ["+15550100123", "+15550100199", "+442079460018", "+15550100177"],
  );
  assert.deepEqual(normalizePhones(["555-010-0123 or 555-010-0124"]), [
    "+15550100123",
    "+15550100124",
  ]);
  assert.deepEqual(normalizePhones([null, undefined, "", "call me", "12"]), []);
});

Deno.test("normalizePhones(): numbers without a country code read in the default country", () => {
  assert.deepEqual(normalizePhones(["020 7946 0018"], "GB"), ["+442079460018"]);
  assert.deepEqual(normalizePhones(["+15550100123"], "GB"), ["+15550100123"]);
});

Deno.test("normalizeEmails(): lower-cased, several, mailto and brackets dropped, junk skipped", () => {
  assert.deepEqual(
    normalizeEmails([
      " Ada@Example.COM , mailto:ops@example.com; <B@X.io> not-an-email ada@example.com",
    ]),
    ["ada@example.com", "ops@example.com", "b@x.io"],
  );
  assert.deepEqual(normalizeEmails([null, "", "@", "a@b"]), []);
});

Deno.test("writtenForms(): the forms a Notion page may hold, for the one fallback query", () => {
  const forms = writtenForms("+15550100123");
  for (
    const f of ["+15550100123", "5550100123", "555-010-0123", "(555) 010-0123", "+1 555 010 0123"]
  ) {
    assert.ok(forms.includes(f), f);
  }
  assert.equal(new Set(forms).size, forms.length);
  assert.ok(writtenForms("+442079460018").includes("020 7946 0018"));
});
