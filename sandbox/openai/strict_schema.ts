/**
 * Structured Outputs strict mode: the JSON Schema subset the API accepts when
 * `strict: true`, and its refusals in the API's words
 * ("In context=('properties', 'x'), 'additionalProperties' is required to be supplied and to be
 * false."). The context is the path to the offending schema, printed as a Python tuple, as the
 * real messages print it. Supported (per the Structured Outputs guide, 2025): string, number,
 * integer, boolean, object, array, null, enum, const, anyOf, local $ref with $defs/definitions
 * (recursion included); string pattern/format/minLength/maxLength, number
 * minimum/maximum/exclusive bounds/multipleOf, array minItems/maxItems. Every object must close
 * additionalProperties and require every property. Limits: 5000 properties, 10 levels of
 * nesting, 1000 enum values, 120 000 characters of names and enum/const strings, and at most
 * 15 000 characters for a single enum of more than 250 string values.
 */
import { isSchema, resolveRef, type Schema, typesOf } from "./schema_util.ts";

const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
const FORMATS = new Set([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "uuid",
]);
const ANNOTATIONS = ["title", "description", "$comment", "examples", "deprecated"];
const ALLOWED = new Set([
  ...ANNOTATIONS,
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "$ref",
  "$defs",
  "definitions",
  "pattern",
  "format",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
]);
/** Allowed only on the root schema (zod's converter emits `$schema`). */
const ROOT_ONLY = new Set(["$schema", "$id"]);

export const LIMITS = {
  properties: 5000,
  depth: 10,
  enumValues: 1000,
  totalStringLength: 120_000,
  largeEnumValues: 250,
  largeEnumStringLength: 15_000,
};

/** A path printed the way Python prints a tuple of strings: `()`, `('a',)`, `('a', 'b')`. */
export function pythonTuple(path: string[]): string {
  const repr = (s: string) =>
    s.includes("'") && !s.includes('"')
      ? `"${s}"`
      : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (path.length === 1) return `(${repr(path[0]!)},)`;
  return `(${path.map(repr).join(", ")})`;
}

class SchemaRejected extends Error {}

interface Stats {
  properties: number;
  enumValues: number;
  stringLength: number;
}

/**
 * Why strict mode refuses `schema`, worded as after "Invalid schema for response_format 'x': ",
 * or null when it is acceptable.
 */
export function strictSchemaProblem(schema: unknown): string | null {
  if (!isSchema(schema)) {
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "None"'.`;
  }
  const rootType = typeof schema.type === "string" ? schema.type : "None";
  if (rootType !== "object" || "anyOf" in schema) {
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${rootType}"'.`;
  }
  const stats: Stats = { properties: 0, enumValues: 0, stringLength: 0 };
  try {
    check(schema, [], schema, 1, stats);
    if (stats.properties > LIMITS.properties) {
      fail(
        [],
        `the schema has ${stats.properties} object properties, which exceeds the limit of ${LIMITS.properties}.`,
      );
    }
    if (stats.enumValues > LIMITS.enumValues) {
      fail(
        [],
        `the schema has ${stats.enumValues} enum values, which exceeds the limit of ${LIMITS.enumValues}.`,
      );
    }
    if (stats.stringLength > LIMITS.totalStringLength) {
      fail(
        [],
        `the total string length of property names, definition names, enum values and const values is ${stats.stringLength}, which exceeds the limit of ${LIMITS.totalStringLength}.`,
      );
    }
    return null;
  } catch (e) {
    if (e instanceof SchemaRejected) return e.message;
    throw e;
  }
}

function fail(path: string[], message: string): never {
  throw new SchemaRejected(`In context=${pythonTuple(path)}, ${message}`);
}

function check(node: unknown, path: string[], root: Schema, depth: number, stats: Stats): void {
  if (!isSchema(node)) fail(path, "schema must have a 'type' key.");
  for (const key of Object.keys(node)) {
    if (ALLOWED.has(key)) continue;
    if (path.length === 0 && ROOT_ONLY.has(key)) continue;
    fail(path, `'${key}' is not permitted.`);
  }
  for (const defsKey of ["$defs", "definitions"]) {
    const defs = node[defsKey];
    if (defs === undefined) continue;
    if (!isSchema(defs)) fail(path, `'${defsKey}' must be an object.`);
    for (const [name, def] of Object.entries(defs)) {
      stats.stringLength += name.length;
      check(def, [...path, defsKey, name], root, depth, stats);
    }
  }

  if (typeof node.$ref === "string" || "$ref" in node) {
    const ref = node.$ref;
    if (typeof ref !== "string" || !resolveRef(root, ref)) {
      fail(path, `reference to component '${String(ref)}' which was not found in the schema.`);
    }
    return;
  }

  if ("anyOf" in node) {
    const branches = node.anyOf;
    if (!Array.isArray(branches) || branches.length === 0) {
      fail(path, "'anyOf' must be a non-empty array of schemas.");
    }
    branches.forEach((b, i) => check(b, [...path, "anyOf", String(i)], root, depth, stats));
    return;
  }

  const types = typesOf(node);
  if (types.length === 0 && !("enum" in node) && !("const" in node)) {
    fail(path, "schema must have a 'type' key.");
  }
  for (const t of types) if (!TYPES.has(t)) fail(path, `'${t}' is not a valid type.`);

  if ("enum" in node) checkEnum(node, path, stats);
  if ("const" in node && typeof node.const === "string") stats.stringLength += node.const.length;

  if (typeof node.format === "string" && !FORMATS.has(node.format)) {
    fail(path, `'${node.format}' is not a valid format.`);
  }
  if ("pattern" in node) {
    try {
      new RegExp(String(node.pattern), "u");
    } catch {
      fail(path, `'${String(node.pattern)}' is not a valid regular expression.`);
    }
  }

  if (types.includes("object")) checkObject(node, path, root, depth, stats);
  if (types.includes("array")) {
    if (!isSchema(node.items)) fail(path, "array schema missing items.");
    check(node.items, [...path, "items"], root, depth, stats);
  }
}

function checkObject(node: Schema, path: string[], root: Schema, depth: number, stats: Stats) {
  if (depth > LIMITS.depth) {
    fail(path, `the schema exceeds the maximum nesting depth of ${LIMITS.depth}.`);
  }
  if (node.additionalProperties !== false) {
    fail(path, "'additionalProperties' is required to be supplied and to be false.");
  }
  const properties = node.properties ?? {};
  if (!isSchema(properties)) fail(path, "'properties' must be an object.");
  const keys = Object.keys(properties);
  const required = node.required;
  const requiredProblem =
    "'required' is required to be supplied and to be an array including every key in properties.";
  if (required !== undefined && !Array.isArray(required)) fail(path, requiredProblem);
  const req: unknown[] = Array.isArray(required) ? required : [];
  const missing = keys.find((k) => !req.includes(k));
  if (missing !== undefined) fail(path, `${requiredProblem} Missing '${missing}'.`);
  const extra = req.find((k) => typeof k !== "string" || !keys.includes(k));
  if (extra !== undefined) {
    fail(path, `${requiredProblem} Extra required key '${String(extra)}' supplied.`);
  }

  for (const key of keys) {
    stats.properties++;
    stats.stringLength += key.length;
    check(properties[key], [...path, "properties", key], root, depth + 1, stats);
  }
}

function checkEnum(node: Schema, path: string[], stats: Stats) {
  const values = node.enum;
  if (!Array.isArray(values) || values.length === 0) {
    fail(path, "'enum' must be a non-empty array.");
  }
  const types = typesOf(node);
  let length = 0;
  for (const v of values) {
    if (types.length && !types.some((t) => matchesType(v, t))) {
      fail(
        path,
        `enum value ${JSON.stringify(v)} does not validate against {'type': '${
          types.join("', '")
        }'}.`,
      );
    }
    if (typeof v === "string") length += v.length;
  }
  stats.enumValues += values.length;
  stats.stringLength += length;
  if (values.length > LIMITS.largeEnumValues && length > LIMITS.largeEnumStringLength) {
    fail(
      path,
      `an enum with more than ${LIMITS.largeEnumValues} values may total at most ${LIMITS.largeEnumStringLength} characters, got ${length}.`,
    );
  }
}

export function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    case "array":
      return Array.isArray(v);
    case "object":
      return isSchema(v);
    default:
      return false;
  }
}
