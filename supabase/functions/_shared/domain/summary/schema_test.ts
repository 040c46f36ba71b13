import assert from "node:assert/strict";
import { zodTextFormat } from "openai/helpers/zod";
import { strictSchemaProblem } from "../../../../../sandbox/openai/strict_schema.ts";
import {
  callSummarySchema,
  categoriesOf,
  LIMITS,
  maxSummaryJsonChars,
  SUMMARY_KEYS,
} from "./schema.ts";

const CATEGORIES = categoriesOf(["sales", "support", "other"]);

Deno.test("summary schema: a strict JSON schema OpenAI accepts (every key required, no extras)", () => {
  const format = zodTextFormat(callSummarySchema(CATEGORIES), "call_summary");
  assert.equal(format.strict, true);
  assert.equal(strictSchemaProblem(format.schema), null);
  const schema = format.schema as {
    required: string[];
    additionalProperties: boolean;
    properties: Record<string, { enum?: string[] }>;
  };
  assert.deepEqual([...schema.required].sort(), [...SUMMARY_KEYS].sort());
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties.category!.enum, ["sales", "support", "other"]);
});

Deno.test("summary schema: fields are length-bounded; over-long or unknown values are refused", () => {
  const schema = callSummarySchema(CATEGORIES);
  const ok = {
    title: "Quote follow-up",
    summary: "The caller asked to move the installation.",
    key_points: ["Installation moves to Tuesday"],
    action_items: [{ text: "Send the confirmation", owner: "Dana", due: "2026-12-01" }],
    follow_up_needed: true,
    follow_up_by: "2026-12-01",
    follow_up_reason: "Confirm the date",
    sentiment: "positive",
    topics: ["installation"],
    category: "sales",
  };
  assert.deepEqual(schema.parse(ok), ok);
  assert.throws(() => schema.parse({ ...ok, title: "x".repeat(LIMITS.title + 1) }));
  assert.throws(() => schema.parse({ ...ok, category: "poetry" }));
  assert.throws(() => schema.parse({ ...ok, key_points: Array(LIMITS.keyPoints + 1).fill("a") }));
  assert.equal(schema.safeParse({ ...ok, extra: "x" }).success, true, "zod strips unknown keys");
  assert.equal("extra" in schema.parse({ ...ok, extra: "x" }), false);
});

Deno.test("summary schema: categories are validated; the maximal summary has a known size", () => {
  assert.throws(() => categoriesOf([]));
  assert.throws(() => categoriesOf(["Sales!"]));
  assert.deepEqual(categoriesOf(["a", "a", "b"]), ["a", "b"]);
  const n = maxSummaryJsonChars(CATEGORIES);
  assert.ok(n > 4000 && n < 8000, String(n));
});
