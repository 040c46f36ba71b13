/**
 * The steps both endpoints share once a request is valid: the context-window check, admission
 * against the key's budgets (estimated as input plus the requested output cap, as OpenAI
 * estimates), the model call, and settling the token budget to what was actually used.
 */
import { admit } from "./admission.ts";
import { complete, type Completion, type CompletionRequest, countInput } from "./engine.ts";
import type { OpenAIHttpError } from "./errors.ts";
import type { KeyRecord } from "./keys.ts";
import type { OpenAIState } from "./state.ts";

export interface CallPlan extends Omit<CompletionRequest, "now"> {
  /** The model as the request named it (rate-limit messages use this name). */
  modelName: string;
  /** How many answers (Chat Completions `n`). */
  choices: number;
  contextError(inputTokens: number): OpenAIHttpError;
}

export function runCall(
  state: OpenAIState,
  rec: KeyRecord,
  plan: CallPlan,
  now: number,
): Completion {
  const input = countInput(plan.turns, plan.format);
  if (input > plan.model.contextWindow) throw plan.contextError(input);
  const estimate = input + (plan.maxOutputTokens ?? 0) * plan.choices;
  admit(rec, plan.modelName, estimate, now);
  const c = complete({ ...plan, now });
  const output = c.outputTokens * plan.choices;
  rec.budget.tokens.take(c.inputTokens + output - estimate, now);
  state.record(rec.key, c.inputTokens, output);
  return c;
}
