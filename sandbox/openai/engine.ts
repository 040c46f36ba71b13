/**
 * One "model call", independent of the endpoint: read the conversation, write the answer in the
 * requested format, and count tokens. A reasoning model first spends reasoning tokens; when the
 * answer does not fit in the output budget it is cut off (and structured output with it), as
 * the real API does with `max_output_tokens` / `max_completion_tokens`.
 */
import type { OutputFormat } from "./formats.ts";
import { generateFromSchema, jsonObjectReply, plainTextReply } from "./generate.ts";
import type { ModelInfo } from "./models.ts";
import { analyze } from "./text.ts";
import { countTokens, inputTokens, reasoningTokens } from "./tokens.ts";

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

export interface Turn {
  role: Role;
  text: string;
}

export interface Completion {
  text: string;
  /** The answer did not fit in the output budget and was cut off. */
  truncated: boolean;
  /** A stop sequence ended the answer early (Chat Completions `stop`). */
  stopped: boolean;
  inputTokens: number;
  /** Includes the reasoning tokens. */
  outputTokens: number;
  reasoningTokens: number;
}

export interface CompletionRequest {
  turns: Turn[];
  format: OutputFormat;
  model: ModelInfo;
  effort: string | null;
  maxOutputTokens: number | null;
  stop: string[];
  now: number;
}

/** What the model answers about: the user's words, or everything when there are none. */
export function subjectText(turns: Turn[]): string {
  const user = turns.filter((t) => t.role === "user").map((t) => t.text);
  return (user.length ? user : turns.map((t) => t.text)).join("\n");
}

export function schemaOf(format: OutputFormat): unknown {
  return format.type === "json_schema" && format.schema ? format.schema : undefined;
}

/** The input side alone, for the context-window check and the rate-limit estimate. */
export function countInput(turns: Turn[], format: OutputFormat): number {
  return inputTokens(turns, schemaOf(format));
}

export function complete(r: CompletionRequest): Completion {
  const subject = subjectText(r.turns);
  const a = analyze(subject);
  const seed = `${subject}|${r.format.type === "json_schema" ? r.format.name : r.format.type}`;
  let text: string;
  if (r.format.type === "json_schema" && r.format.schema) {
    text = JSON.stringify(generateFromSchema(r.format.schema, a, seed, r.now));
  } else if (r.format.type === "json_schema" || r.format.type === "json_object") {
    text = JSON.stringify(jsonObjectReply(a));
  } else {
    text = plainTextReply(a);
  }

  let stopped = false;
  for (const s of r.stop) {
    const at = s ? text.indexOf(s) : -1;
    if (at >= 0) {
      text = text.slice(0, at);
      stopped = true;
    }
  }

  let answer = countTokens(text);
  let reasoning = r.model.reasoning ? reasoningTokens(answer, r.effort) : 0;
  const budget = r.maxOutputTokens ?? r.model.maxOutputTokens;
  let truncated = false;
  if (reasoning + answer > budget) {
    truncated = true;
    reasoning = Math.min(reasoning, budget);
    answer = budget - reasoning;
    text = [...text].slice(0, answer * 4).join("");
  }
  return {
    text,
    truncated,
    stopped,
    inputTokens: countInput(r.turns, r.format),
    outputTokens: reasoning + answer,
    reasoningTokens: reasoning,
  };
}
