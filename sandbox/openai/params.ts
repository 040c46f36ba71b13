/**
 * Parameter checks shared by both endpoints, each failing with the API's own error
 * (invalid_type, decimal_above_max_value, string_above_max_length, unknown_parameter …).
 */
import {
  emptyArray,
  invalidRequest,
  invalidType,
  invalidValue,
  outOfRange,
  patternMismatch,
  stringTooLong,
  unknownParam,
} from "./errors.ts";

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Present and not null: the API treats an explicit null like an omitted optional parameter. */
export const given = (v: unknown): boolean => v !== undefined && v !== null;

export function rejectUnknown(obj: Json, known: readonly string[], prefix = ""): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) throw unknownParam(prefix ? `${prefix}.${k}` : k);
  }
}

export function string(v: unknown, param: string): string {
  if (typeof v !== "string") throw invalidType(param, "a string", v);
  return v;
}

export function boolean(v: unknown, param: string): boolean {
  if (typeof v !== "boolean") throw invalidType(param, "a boolean", v);
  return v;
}

export function object(v: unknown, param: string): Json {
  if (!isObject(v)) throw invalidType(param, "an object", v);
  return v;
}

export function array(v: unknown, param: string, nonEmpty = false): unknown[] {
  if (!Array.isArray(v)) throw invalidType(param, "an array", v);
  if (nonEmpty && v.length === 0) throw emptyArray(param);
  return v;
}

export function integer(v: unknown, param: string, min?: number, max?: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalidType(param, "an integer", v);
  if (min !== undefined && v < min) throw outOfRange(param, "integer", "below minimum", min, v);
  if (max !== undefined && v > max) throw outOfRange(param, "integer", "above maximum", max, v);
  return v;
}

export function decimal(v: unknown, param: string, min?: number, max?: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw invalidType(param, "a decimal", v);
  if (min !== undefined && v < min) throw outOfRange(param, "decimal", "below minimum", min, v);
  if (max !== undefined && v > max) throw outOfRange(param, "decimal", "above maximum", max, v);
  return v;
}

export function oneOf<T extends string>(v: unknown, param: string, values: readonly T[]): T {
  if (typeof v !== "string") throw invalidType(param, "a string", v);
  if (!(values as readonly string[]).includes(v)) throw invalidValue(param, v, [...values]);
  return v as T;
}

/** Structured-output and function names: `^[a-zA-Z0-9_-]+$`, at most 64 characters. */
export function formatName(v: unknown, param: string): string {
  const name = string(v, param);
  if (name.length > 64) throw stringTooLong(param, 64, name.length);
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) throw patternMismatch(param, "^[a-zA-Z0-9_-]+$");
  return name;
}

/** `metadata`: at most 16 string pairs, keys up to 64 and values up to 512 characters. */
export function metadata(v: unknown, param = "metadata"): Record<string, string> {
  const obj = object(v, param);
  const keys = Object.keys(obj);
  if (keys.length > 16) {
    throw invalidRequest(
      `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got an object with ${keys.length} properties instead.`,
      param,
      "object_above_max_properties",
    );
  }
  for (const k of keys) {
    if (k.length > 64) throw stringTooLong(`${param}.${k}`, 64, k.length);
    const value = string(obj[k], `${param}.${k}`);
    if (value.length > 512) throw stringTooLong(`${param}.${k}`, 512, value.length);
  }
  return obj as Record<string, string>;
}

/** The error for a parameter the real API accepts but the sandbox does not simulate. */
export function sandboxUnsupported(param: string, what = ""): never {
  throw invalidRequest(
    `The provider sandbox does not simulate '${param}'${
      what ? ` ${what}` : ""
    }; the real API accepts it. See sandbox/openai/README.md.`,
    param,
    "sandbox_unsupported",
  );
}
