/**
 * Function tools, as both endpoints declare them. The fake never decides to call a tool (it
 * always answers in text), so tools are validated and echoed, and `tool_choice` values that
 * would force a call are refused as not simulated rather than silently ignored.
 */
import { invalidRequest, invalidValue, missingParam } from "./errors.ts";
import {
  array,
  boolean,
  formatName,
  given,
  isObject,
  object,
  oneOf,
  sandboxUnsupported,
  string,
} from "./params.ts";
import { strictSchemaProblem } from "./strict_schema.ts";

/** Responses tools: `{ type: "function", name, parameters, strict, description }`. */
export function responsesTools(v: unknown): unknown[] {
  if (!given(v)) return [];
  const tools = array(v, "tools");
  tools.forEach((t, i) => {
    const tool = object(t, `tools[${i}]`);
    if (!given(tool.type)) throw missingParam(`tools[${i}].type`);
    const type = string(tool.type, `tools[${i}].type`);
    if (type !== "function") sandboxUnsupported(`tools[${i}].type`, `of type '${type}'`);
    checkFunction(tool, `tools[${i}]`, "parameters");
  });
  return tools;
}

/** Chat tools: `{ type: "function", function: { name, parameters, strict, description } }`. */
export function chatTools(v: unknown): unknown[] {
  if (!given(v)) return [];
  const tools = array(v, "tools");
  tools.forEach((t, i) => {
    const tool = object(t, `tools[${i}]`);
    if (!given(tool.type)) throw missingParam(`tools[${i}].type`);
    const type = string(tool.type, `tools[${i}].type`);
    if (type !== "function") {
      if (type === "custom") sandboxUnsupported(`tools[${i}].type`, `of type '${type}'`);
      throw invalidValue(`tools[${i}].type`, type, ["function", "custom"]);
    }
    if (!given(tool.function)) throw missingParam(`tools[${i}].function`);
    checkFunction(
      object(tool.function, `tools[${i}].function`),
      `tools[${i}].function`,
      "parameters",
    );
  });
  return tools;
}

function checkFunction(fn: Record<string, unknown>, at: string, paramsKey: string): void {
  if (!given(fn.name)) throw missingParam(`${at}.name`);
  const name = formatName(fn.name, `${at}.name`);
  const strict = given(fn.strict) ? boolean(fn.strict, `${at}.strict`) : false;
  if (given(fn.description)) string(fn.description, `${at}.description`);
  if (!given(fn[paramsKey])) return;
  const params = object(fn[paramsKey], `${at}.${paramsKey}`);
  if (!strict) return;
  const problem = strictSchemaProblem(params);
  if (problem) {
    throw invalidRequest(
      `Invalid schema for function '${name}': ${problem}`,
      `${at}.${paramsKey}`,
      "invalid_function_parameters",
    );
  }
}

/** `tool_choice`: "none" and "auto" are honoured (the fake answers in text either way). */
export function toolChoice(v: unknown, param = "tool_choice"): unknown {
  if (!given(v)) return "auto";
  if (isObject(v)) sandboxUnsupported(param, "that forces a specific tool");
  const choice = oneOf(v, param, ["none", "auto", "required"] as const);
  if (choice === "required") sandboxUnsupported(param, "'required'");
  return choice;
}
