/**
 * Strict-mode schema rules: what the SDK's zod helpers emit is accepted, and each refusal reads
 * as the API words it, with the offending path printed as a Python tuple.
 */
import assert from "node:assert/strict";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";
import { pythonTuple, strictSchemaProblem } from "./strict_schema.ts";
import { post, withOpenAI } from "./testing.ts";

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
  ...extra,
});

Deno.test("openai: strict mode accepts what zodTextFormat and zodResponseFormat emit", () => {
  const Person = z.object({ name: z.string(), email: z.string().email().nullable() });
  interface Node {
    label: string;
    children: Node[];
  }
  const Tree: z.ZodType<Node> = z.lazy(() =>
    z.object({ label: z.string(), children: z.array(Tree) })
  );
  const schemas = [
    zodTextFormat(
      z.object({
        summary: z.string().min(10).max(500),
        items: z.array(z.object({ task: z.string(), due: z.string().nullable() })).min(1).max(5),
        sentiment: z.enum(["positive", "neutral", "negative"]),
        score: z.number().int().min(0).max(10),
        ratio: z.number().multipleOf(0.5).gt(0).lt(10),
        at: z.string().datetime(),
        id: z.string().uuid(),
        code: z.string().regex(/^[A-Z]{3}-\d{4}$/),
        kind: z.literal("call"),
        either: z.union([z.string(), z.number()]),
      }),
      "notes",
    ).schema,
    zodResponseFormat(z.object({ owner: Person, cc: z.array(Person) }), "people", {
      schemaDefinitions: { Person },
    }).json_schema.schema,
    zodTextFormat(z.object({ tree: Tree }), "tree").schema,
  ];
  for (const schema of schemas) assert.equal(strictSchemaProblem(schema), null);
});

Deno.test("openai: strict mode refusals name the rule and the path", () => {
  const cases: [unknown, string][] = [
    [
      { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
      "In context=(), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      obj({ items: { type: "array", items: { type: "object", properties: {} } } }),
      "In context=('properties', 'items', 'items'), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      { ...obj({ a: { type: "string" }, b: { type: "string" } }), required: ["a"] },
      "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    ],
    [
      { ...obj({ a: { type: "string" } }), required: ["a", "c"] },
      "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Extra required key 'c' supplied.",
    ],
    [
      obj({ status: { type: "string", default: "open" } }),
      "In context=('properties', 'status'), 'default' is not permitted.",
    ],
    [
      obj({ url: { type: "string", format: "uri" } }),
      "In context=('properties', 'url'), 'uri' is not a valid format.",
    ],
    [
      obj({ tags: { type: "array" } }),
      "In context=('properties', 'tags'), array schema missing items.",
    ],
    [obj({ data: {} }), "In context=('properties', 'data'), schema must have a 'type' key."],
    [
      obj({ a: { allOf: [{ type: "string" }] } }),
      "In context=('properties', 'a'), 'allOf' is not permitted.",
    ],
    [
      obj({ a: { type: "array", items: { type: "string" }, uniqueItems: true } }),
      "In context=('properties', 'a'), 'uniqueItems' is not permitted.",
    ],
    [
      obj({ a: { $ref: "#/$defs/Missing" } }),
      "In context=('properties', 'a'), reference to component '#/$defs/Missing' which was not found in the schema.",
    ],
    [
      obj({ a: { type: "string", enum: ["x", 1] } }),
      "In context=('properties', 'a'), enum value 1 does not validate against {'type': 'string'}.",
    ],
    [
      obj({ a: { anyOf: [{ type: "string" }, { type: "object", properties: {} }] } }),
      "In context=('properties', 'a', 'anyOf', '1'), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      obj({ a: { type: "string" } }, { $defs: { Thing: { type: "object", properties: {} } } }),
      "In context=('$defs', 'Thing'), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      { type: "array", items: { type: "string" } },
      `schema must be a JSON Schema of 'type: "object"', got 'type: "array"'.`,
    ],
    [{ anyOf: [obj({})] }, `schema must be a JSON Schema of 'type: "object"', got 'type: "None"'.`],
  ];
  for (const [schema, message] of cases) assert.equal(strictSchemaProblem(schema), message);
});

Deno.test("openai: strict mode limits nesting to 10 levels", () => {
  let schema = obj({ leaf: { type: "string" } });
  for (let i = 0; i < 9; i++) schema = obj({ next: schema });
  assert.equal(strictSchemaProblem(schema), null);
  const deeper = obj({ next: schema });
  assert.match(strictSchemaProblem(deeper) ?? "", /exceeds the maximum nesting depth of 10\.$/);
});

Deno.test("openai: contexts print as Python tuples", () => {
  assert.equal(pythonTuple([]), "()");
  assert.equal(pythonTuple(["$defs"]), "('$defs',)");
  assert.equal(pythonTuple(["properties", "it's"]), `('properties', "it's")`);
});

Deno.test("openai: a strict function tool with a bad schema is invalid_function_parameters", async () => {
  await withOpenAI(async ({ baseURL }) => {
    const res = await post(baseURL, "/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      tools: [{
        type: "function",
        function: {
          name: "create_page",
          strict: true,
          parameters: { type: "object", properties: { title: { type: "string" } } },
        },
      }],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: {
        message:
          "Invalid schema for function 'create_page': In context=(), 'additionalProperties' is required to be supplied and to be false.",
        type: "invalid_request_error",
        param: "tools[0].function.parameters",
        code: "invalid_function_parameters",
      },
    });
  });
});
