/**
 * The output format a request asks for: Responses `text.format` or Chat Completions
 * `response_format`, validated (including strict-mode schema rules) and reduced to one shape.
 */
import { invalidRequest, missingParam } from "./errors.ts";
import type { ModelInfo } from "./models.ts";
import { boolean, given, object, oneOf, rejectUnknown, string } from "./params.ts";
import { formatName } from "./params.ts";
import type { Schema } from "./schema_util.ts";
import { strictSchemaProblem } from "./strict_schema.ts";

export type OutputFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
    type: "json_schema";
    name: string;
    schema: Schema | null;
    strict: boolean;
    description: string | null;
  };

const TYPES = ["text", "json_schema", "json_object"] as const;

/** Responses API: `text: { format: { type, name, schema, strict, description }, verbosity }`. */
export function responsesFormat(
  text: unknown,
  model: ModelInfo,
): { format: OutputFormat; verbosity: "low" | "medium" | "high" } {
  if (!given(text)) return { format: { type: "text" }, verbosity: "medium" };
  const t = object(text, "text");
  rejectUnknown(t, ["format", "verbosity"], "text");
  const verbosity = given(t.verbosity)
    ? oneOf(t.verbosity, "text.verbosity", ["low", "medium", "high"] as const)
    : "medium";
  if (!given(t.format)) return { format: { type: "text" }, verbosity };
  const f = object(t.format, "text.format");
  if (!given(f.type)) throw missingParam("text.format.type");
  const type = oneOf(f.type, "text.format.type", TYPES);
  if (type !== "json_schema") {
    rejectUnknown(f, ["type"], "text.format");
    if (type === "json_object" && !model.jsonMode) throw unsupportedFormat("text.format", type);
    return { format: { type }, verbosity };
  }
  rejectUnknown(f, ["type", "name", "schema", "strict", "description"], "text.format");
  if (!given(f.name)) throw missingParam("text.format.name");
  const name = formatName(f.name, "text.format.name");
  if (!given(f.schema)) throw missingParam("text.format.schema");
  const schema = object(f.schema, "text.format.schema");
  const strict = given(f.strict) ? boolean(f.strict, "text.format.strict") : false;
  const description = given(f.description)
    ? string(f.description, "text.format.description")
    : null;
  if (!model.structuredOutputs) throw unsupportedFormat("text.format", type);
  if (strict) checkStrict(name, schema, "text.format.schema");
  return { format: { type, name, schema, strict, description }, verbosity };
}

/** Chat Completions: `response_format: { type, json_schema: { name, schema, strict, description } }`. */
export function chatFormat(rf: unknown, model: ModelInfo): OutputFormat {
  if (!given(rf)) return { type: "text" };
  const f = object(rf, "response_format");
  if (!given(f.type)) throw missingParam("response_format.type");
  const type = oneOf(f.type, "response_format.type", TYPES);
  if (type !== "json_schema") {
    rejectUnknown(f, ["type"], "response_format");
    if (type === "json_object" && !model.jsonMode) throw unsupportedFormat("response_format", type);
    return { type };
  }
  rejectUnknown(f, ["type", "json_schema"], "response_format");
  if (!given(f.json_schema)) throw missingParam("response_format.json_schema");
  const js = object(f.json_schema, "response_format.json_schema");
  rejectUnknown(js, ["name", "schema", "strict", "description"], "response_format.json_schema");
  if (!given(js.name)) throw missingParam("response_format.json_schema.name");
  const name = formatName(js.name, "response_format.json_schema.name");
  const schema = given(js.schema) ? object(js.schema, "response_format.json_schema.schema") : null;
  const strict = given(js.strict)
    ? boolean(js.strict, "response_format.json_schema.strict")
    : false;
  const description = given(js.description)
    ? string(js.description, "response_format.json_schema.description")
    : null;
  if (!model.structuredOutputs) throw unsupportedFormat("response_format", type);
  if (strict) checkStrict(name, schema, "response_format");
  return { type, name, schema, strict, description };
}

function checkStrict(name: string, schema: Schema | null, param: string): void {
  const problem = strictSchemaProblem(schema ?? undefined);
  if (problem) {
    throw invalidRequest(
      `Invalid schema for response_format '${name}': ${problem}`,
      param,
      "invalid_json_schema",
    );
  }
}

function unsupportedFormat(param: string, type: string) {
  return invalidRequest(
    `Invalid parameter: '${param}' of type '${type}' is not supported with this model.${
      type === "json_schema"
        ? " Learn more about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs"
        : ""
    }`,
    param,
    null,
  );
}
