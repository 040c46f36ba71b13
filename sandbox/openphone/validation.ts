/**
 * Query and path parameter validation with the messages OpenPhone's API returns. The v1 server
 * validates with TypeBox (its 400 example reads `"Expected string to match '^US(.*)$'"`), so
 * the fake reports every failing rule with TypeBox's default wording and paths like
 * `/participants/0`.
 *
 * Array parameters are read from both `name[]=` (the docs' examples) and repeated `name=` (what
 * many clients send). A scalar parameter sent twice is an array, which TypeBox rejects.
 */
import type { ValidationIssue } from "./errors.ts";

interface Base {
  required?: boolean;
}
export interface StringSpec extends Base {
  kind: "string";
  /** Id prefixes are TypeBox template literals (`PN${string}`), reported as `^PN(.*)$`. */
  prefix?: string;
  pattern?: RegExp;
  minLength?: number;
  maxLength?: number;
  format?: "date-time";
}
export interface IntegerSpec extends Base {
  kind: "integer";
  minimum?: number;
  maximum?: number;
}
export interface BooleanSpec extends Base {
  kind: "boolean";
}
export interface ArraySpec extends Base {
  kind: "array";
  items: StringSpec | UnionSpec;
  minItems?: number;
  maxItems?: number;
}
/** anyOf of strings (e.g. a PN id or an E.164 number). */
export interface UnionSpec extends Base {
  kind: "union";
  anyOf: StringSpec[];
}
export type ParamSpec = StringSpec | IntegerSpec | BooleanSpec | ArraySpec | UnionSpec;

export type ParamValue = string | number | boolean | string[] | undefined;

export const E164 = /^\+[1-9]\d{1,14}$/;
// RFC 3339 date-time, the check behind TypeBox/ajv's "date-time" format.
const DATE_TIME =
  /^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$/i;

function schemaOf(spec: ParamSpec): ValidationIssue["schema"] {
  switch (spec.kind) {
    case "string":
      if (spec.prefix) return { type: "TemplateLiteral", pattern: `^${spec.prefix}(.*)$` };
      return {
        type: "string",
        ...(spec.pattern ? { pattern: spec.pattern.source } : {}),
        ...(spec.format ? { format: spec.format } : {}),
        ...(spec.minLength !== undefined ? { minLength: spec.minLength } : {}),
        ...(spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {}),
      };
    case "integer":
      return { type: "integer", minimum: spec.minimum, maximum: spec.maximum };
    case "boolean":
      return { type: "boolean" };
    case "array":
      return {
        type: "array",
        ...(spec.minItems !== undefined ? { minItems: spec.minItems } : {}),
        ...(spec.maxItems !== undefined ? { maxItems: spec.maxItems } : {}),
      };
    case "union":
      return { type: "union", anyOf: spec.anyOf.map(schemaOf) };
  }
}

function checkString(spec: StringSpec, value: string, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (message: string) => issues.push({ path, message, value, schema: schemaOf(spec) });
  if (spec.minLength !== undefined && value.length < spec.minLength) {
    add(`Expected string length greater or equal to ${spec.minLength}`);
  }
  if (spec.maxLength !== undefined && value.length > spec.maxLength) {
    add(`Expected string length less or equal to ${spec.maxLength}`);
  }
  if (spec.prefix && !value.startsWith(spec.prefix)) {
    add(`Expected string to match '^${spec.prefix}(.*)$'`);
  }
  if (spec.pattern && !spec.pattern.test(value)) {
    add(`Expected string to match '${spec.pattern.source}'`);
  }
  if (spec.format === "date-time" && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
    add(`Expected string to match 'date-time' format`);
  }
  return issues;
}

function checkUnion(spec: UnionSpec, value: string, path: string): ValidationIssue[] {
  if (spec.anyOf.some((s) => checkString(s, value, path).length === 0)) return [];
  return [{ path, message: "Expected union value", value, schema: schemaOf(spec) }];
}

/** Validates one parameter; `raw` holds every value sent under the name (and `name[]`). */
function checkParam(
  name: string,
  spec: ParamSpec,
  raw: string[],
): { value: ParamValue; issues: ValidationIssue[] } {
  const path = `/${name}`;
  if (raw.length === 0) {
    return {
      value: undefined,
      issues: spec.required
        ? [{ path, message: "Expected required property", schema: schemaOf(spec) }]
        : [],
    };
  }
  if (spec.kind === "array") {
    const issues: ValidationIssue[] = [];
    if (spec.minItems !== undefined && raw.length < spec.minItems) {
      issues.push({
        path,
        message: `Expected array length to be greater or equal to ${spec.minItems}`,
        value: raw,
        schema: schemaOf(spec),
      });
    }
    if (spec.maxItems !== undefined && raw.length > spec.maxItems) {
      issues.push({
        path,
        message: `Expected array length to be less or equal to ${spec.maxItems}`,
        value: raw,
        schema: schemaOf(spec),
      });
    }
    raw.forEach((v, i) => {
      const itemPath = `${path}/${i}`;
      issues.push(
        ...(spec.items.kind === "union"
          ? checkUnion(spec.items, v, itemPath)
          : checkString(spec.items, v, itemPath)),
      );
    });
    return { value: raw, issues };
  }
  if (raw.length > 1) {
    const expected = spec.kind === "union" ? "union value" : spec.kind;
    return {
      value: undefined,
      issues: [{ path, message: `Expected ${expected}`, value: raw, schema: schemaOf(spec) }],
    };
  }
  const v = raw[0]!;
  switch (spec.kind) {
    case "string":
      return { value: v, issues: checkString(spec, v, path) };
    case "union":
      return { value: v, issues: checkUnion(spec, v, path) };
    case "boolean": {
      if (v === "true" || v === "false") return { value: v === "true", issues: [] };
      return {
        value: undefined,
        issues: [{ path, message: "Expected boolean", value: v, schema: schemaOf(spec) }],
      };
    }
    case "integer": {
      // TypeBox converts numeric strings before checking; anything else is not an integer.
      const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) {
        return {
          value: undefined,
          issues: [{ path, message: "Expected integer", value: v, schema: schemaOf(spec) }],
        };
      }
      const issues: ValidationIssue[] = [];
      if (spec.minimum !== undefined && n < spec.minimum) {
        issues.push({
          path,
          message: `Expected integer to be greater or equal to ${spec.minimum}`,
          value: n,
          schema: schemaOf(spec),
        });
      }
      if (spec.maximum !== undefined && n > spec.maximum) {
        issues.push({
          path,
          message: `Expected integer to be less or equal to ${spec.maximum}`,
          value: n,
          schema: schemaOf(spec),
        });
      }
      return { value: n, issues };
    }
  }
}

export type Parsed<S extends Record<string, ParamSpec>> = { [K in keyof S]: ParamValue };

/** Validates query parameters against `specs`; unknown parameters are ignored. */
export function parseQuery<S extends Record<string, ParamSpec>>(
  params: URLSearchParams,
  specs: S,
): { ok: true; values: Parsed<S> } | { ok: false; issues: ValidationIssue[] } {
  const values = {} as Parsed<S>;
  const issues: ValidationIssue[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const raw = [...params.getAll(name), ...params.getAll(`${name}[]`)];
    const r = checkParam(name, spec, raw);
    values[name as keyof S] = r.value;
    issues.push(...r.issues);
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}

/** Validates a path parameter (call ids and message ids are `AC…`). */
export function checkPathParam(
  name: string,
  value: string,
  spec: StringSpec,
): ValidationIssue[] {
  return checkString(spec, value, `/${name}`);
}

// Shared parameter specs, as declared by the v1 OpenAPI document.
export const PHONE_NUMBER_ID: StringSpec = { kind: "string", prefix: "PN", required: true };
export const USER_ID: StringSpec = { kind: "string", prefix: "US" };
export const DATE: StringSpec = { kind: "string", format: "date-time" };
export const PAGE_TOKEN: StringSpec = { kind: "string" };
export const maxResults = (maximum: number): IntegerSpec => ({
  kind: "integer",
  minimum: 1,
  maximum,
  required: true,
});
export const E164_SPEC: StringSpec = { kind: "string", pattern: E164 };
export const PN_OR_E164: UnionSpec = {
  kind: "union",
  anyOf: [E164_SPEC, { kind: "string", prefix: "PN" }],
};
