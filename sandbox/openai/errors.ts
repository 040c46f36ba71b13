/**
 * OpenAI's error body, `{ error: { message, type, param, code } }`, and the exception the
 * request validators throw to answer with one. Messages follow the wording the real API uses
 * (collected from real error bodies); see README.md for the few whose wording is a best guess.
 */
import { json } from "../core/json.ts";

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | number | null;
}

/** Thrown by validators and handlers; `mod.ts` turns it into the HTTP answer. */
export class OpenAIHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAIErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export function errorJson(
  status: number,
  body: OpenAIErrorBody,
  headers: Record<string, string> = {},
): Response {
  return json({ error: body }, status, headers);
}

/** A 400 `invalid_request_error`, the family almost every validation failure belongs to. */
export function invalidRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): OpenAIHttpError {
  return new OpenAIHttpError(400, { message, type: "invalid_request_error", param, code });
}

export const missingParam = (param: string): OpenAIHttpError =>
  invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");

export const unknownParam = (param: string): OpenAIHttpError =>
  invalidRequest(`Unknown parameter: '${param}'.`, param, "unknown_parameter");

export const unsupportedParam = (param: string, hint = ""): OpenAIHttpError =>
  invalidRequest(
    `Unsupported parameter: '${param}' is not supported with this model.${hint ? " " + hint : ""}`,
    param,
    "unsupported_parameter",
  );

/** "expected a decimal, but got a string instead." */
export const invalidType = (param: string, expected: string, got: unknown): OpenAIHttpError =>
  invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describeJsonType(got)} instead.`,
    param,
    "invalid_type",
  );

/** "Invalid value: 'bot'. Supported values are: 'a', 'b', and 'c'." */
export function invalidValue(param: string, got: unknown, supported: string[]): OpenAIHttpError {
  return invalidRequest(
    `Invalid value: '${String(got)}'. Supported values are: ${englishList(supported)}.`,
    param,
    "invalid_value",
  );
}

export const outOfRange = (
  param: string,
  kind: "integer" | "decimal",
  side: "below minimum" | "above maximum",
  bound: number,
  got: number,
): OpenAIHttpError =>
  invalidRequest(
    `Invalid '${param}': ${kind} ${side} value. Expected a value ${
      side === "below minimum" ? ">=" : "<="
    } ${bound}, but got ${got} instead.`,
    param,
    `${kind}_${side === "below minimum" ? "below_min" : "above_max"}_value`,
  );

export const stringTooLong = (param: string, max: number, got: number): OpenAIHttpError =>
  invalidRequest(
    `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${got} instead.`,
    param,
    "string_above_max_length",
  );

export const emptyArray = (param: string): OpenAIHttpError =>
  invalidRequest(
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    "empty_array",
  );

export const patternMismatch = (param: string, pattern: string): OpenAIHttpError =>
  invalidRequest(
    `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${pattern}'.`,
    param,
    "invalid_value",
  );

export const modelNotFound = (model: string): OpenAIHttpError =>
  new OpenAIHttpError(404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: "invalid_request_error",
    param: null,
    code: "model_not_found",
  });

/** The body the API answers when the request body is not JSON at all. */
export const unparsableBody = (): OpenAIHttpError =>
  invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  );

/** JSON type names as the API's messages spell them ("an integer", "a string" …). */
export function describeJsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a decimal";
  if (typeof v === "string") return "a string";
  if (typeof v === "boolean") return "a boolean";
  return "an object";
}

/** 'a', 'b', and 'c' — the API quotes and joins supported values this way. */
export function englishList(values: string[]): string {
  const q = values.map((v) => `'${v}'`);
  if (q.length <= 1) return q.join("");
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(", ")}, and ${q[q.length - 1]}`;
}
