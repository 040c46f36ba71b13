/**
 * `POST /v1/chat/completions` (what `client.chat.completions.create` and `.parse` call),
 * validated like the real endpoint — including its older error wordings ("you must provide a
 * model parameter", "Unrecognized request argument supplied: …") — and answered with a
 * ChatCompletion in the real shape.
 */
import { runCall } from "./call.ts";
import type { Completion, Role, Turn } from "./engine.ts";
import {
  invalidRequest,
  invalidType,
  invalidValue,
  missingParam,
  modelNotFound,
  OpenAIHttpError,
  unknownParam,
  unsupportedParam,
} from "./errors.ts";
import { chatFormat, type OutputFormat } from "./formats.ts";
import { fingerprintOf } from "./ids.ts";
import type { KeyRecord } from "./keys.ts";
import type { ModelInfo } from "./models.ts";
import {
  array,
  boolean,
  decimal,
  given,
  integer,
  type Json,
  metadata,
  object,
  oneOf,
  sandboxUnsupported,
  string,
} from "./params.ts";
import type { OpenAIState } from "./state.ts";
import { chatTools, toolChoice } from "./tools.ts";

const PARAMS = [
  "model",
  "messages",
  "response_format",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "n",
  "stop",
  "seed",
  "user",
  "store",
  "metadata",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "stream",
  "stream_options",
  "service_tier",
  "reasoning_effort",
  "modalities",
  "audio",
  "prediction",
  "web_search_options",
  "verbosity",
  "prompt_cache_key",
  "prompt_cache_retention",
  "safety_identifier",
  "functions",
  "function_call",
];

const ROLES = ["system", "assistant", "user", "function", "tool", "developer"] as const;
const MESSAGE_KEYS = [
  "role",
  "content",
  "name",
  "tool_calls",
  "tool_call_id",
  "refusal",
  "function_call",
  "audio",
];

export interface ChatRequest {
  modelName: string;
  model: ModelInfo;
  turns: Turn[];
  format: OutputFormat;
  maxTokens: number | null;
  effort: string | null;
  n: number;
  stop: string[];
  store: boolean;
  stream: boolean;
  includeUsage: boolean;
  serviceTier: string;
}

export function parseChatRequest(body: unknown, state: OpenAIState): ChatRequest {
  const b = object(body, "body");
  for (const k of Object.keys(b)) {
    if (!PARAMS.includes(k)) throw invalidRequest(`Unrecognized request argument supplied: ${k}`);
  }
  if (!given(b.model)) throw invalidRequest("you must provide a model parameter");
  const modelName = string(b.model, "model");
  if (!given(b.messages)) throw missingParam("messages");
  const messages = array(b.messages, "messages", true);
  const model = state.models.get(modelName);
  if (!model) throw modelNotFound(modelName);

  const turns = messageTurns(messages);
  const format = chatFormat(b.response_format, model);
  if (format.type === "json_object" && !turns.some((t) => /json/i.test(t.text))) {
    throw invalidRequest(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      "messages",
    );
  }

  if (given(b.max_tokens) && model.reasoning) {
    throw unsupportedParam("max_tokens", "Use 'max_completion_tokens' instead.");
  }
  let maxTokens: number | null = null;
  for (const p of ["max_tokens", "max_completion_tokens"] as const) {
    if (!given(b[p])) continue;
    const v = integer(b[p], p, 1);
    if (v > model.maxOutputTokens) {
      throw invalidRequest(
        `max_tokens is too large: ${v}. This model supports at most ${model.maxOutputTokens} completion tokens, whereas you provided ${v}.`,
        p,
        "invalid_value",
      );
    }
    maxTokens = v;
  }

  for (const p of ["temperature", "top_p"] as const) {
    if (!given(b[p])) continue;
    if (model.reasoning) throw unsupportedParam(p);
    decimal(b[p], p, 0, p === "temperature" ? 2 : 1);
  }
  for (const p of ["frequency_penalty", "presence_penalty"] as const) {
    if (given(b[p])) decimal(b[p], p, -2, 2);
  }
  const n = given(b.n) ? integer(b.n, "n", 1, 128) : 1;
  const stop = stopSequences(b.stop, model);
  if (given(b.seed)) integer(b.seed, "seed");
  for (const p of ["user", "prompt_cache_key", "safety_identifier"] as const) {
    if (given(b[p])) string(b[p], p);
  }
  const store = given(b.store) ? boolean(b.store, "store") : false;
  if (given(b.metadata)) metadata(b.metadata);
  if (given(b.logit_bias)) object(b.logit_bias, "logit_bias");
  if (given(b.logprobs) && boolean(b.logprobs, "logprobs")) {
    sandboxUnsupported("logprobs", "(log probabilities)");
  }
  if (given(b.top_logprobs)) {
    integer(b.top_logprobs, "top_logprobs", 0, 20);
    if (!b.logprobs) {
      throw invalidRequest(
        "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is specified.",
        "top_logprobs",
        "invalid_value",
      );
    }
  }
  chatTools(b.tools);
  toolChoice(b.tool_choice);
  if (given(b.functions)) array(b.functions, "functions");
  if (given(b.function_call)) toolChoice(b.function_call, "function_call");
  if (given(b.parallel_tool_calls)) boolean(b.parallel_tool_calls, "parallel_tool_calls");

  const stream = given(b.stream) ? boolean(b.stream, "stream") : false;
  let includeUsage = false;
  if (given(b.stream_options)) {
    if (!stream) {
      throw invalidRequest(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "stream_options",
        "invalid_value",
      );
    }
    const so = object(b.stream_options, "stream_options");
    for (const k of Object.keys(so)) {
      if (!["include_usage", "include_obfuscation"].includes(k)) {
        throw unknownParam(`stream_options.${k}`);
      }
    }
    includeUsage = given(so.include_usage)
      ? boolean(so.include_usage, "stream_options.include_usage")
      : false;
  }

  const tier = given(b.service_tier)
    ? oneOf(
      b.service_tier,
      "service_tier",
      ["auto", "default", "flex", "scale", "priority"] as const,
    )
    : "auto";
  let effort: string | null = null;
  if (given(b.reasoning_effort)) {
    if (!model.reasoning) throw unsupportedParam("reasoning_effort");
    effort = oneOf(
      b.reasoning_effort,
      "reasoning_effort",
      [
        "none",
        "minimal",
        "low",
        "medium",
        "high",
      ] as const,
    );
  }
  if (model.reasoning) effort ??= "medium";
  if (given(b.verbosity)) oneOf(b.verbosity, "verbosity", ["low", "medium", "high"] as const);
  if (given(b.prompt_cache_retention)) {
    oneOf(b.prompt_cache_retention, "prompt_cache_retention", ["in_memory", "24h"] as const);
  }
  if (given(b.modalities)) {
    const m = array(b.modalities, "modalities");
    m.forEach((x, i) => oneOf(x, `modalities[${i}]`, ["text", "audio"] as const));
    if (m.includes("audio")) sandboxUnsupported("modalities", "with audio output");
  }
  for (const p of ["audio", "prediction", "web_search_options"] as const) {
    if (given(b[p])) sandboxUnsupported(p);
  }

  return {
    modelName,
    model,
    turns,
    format,
    maxTokens,
    effort,
    n,
    stop,
    store,
    stream,
    includeUsage,
    serviceTier: tier === "auto" ? "default" : tier,
  };
}

function stopSequences(v: unknown, model: ModelInfo): string[] {
  if (!given(v)) return [];
  if (model.reasoning) throw unsupportedParam("stop");
  if (typeof v === "string") return [v];
  const list = array(v, "stop");
  if (list.length > 4) {
    throw invalidRequest(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${list.length} instead.`,
      "stop",
      "array_above_max_length",
    );
  }
  return list.map((s, i) => string(s, `stop[${i}]`));
}

/** Messages → turns, validating roles, contents and the tool-call sequence. */
function messageTurns(messages: unknown[]): Turn[] {
  let openToolCalls = false;
  return messages.map((raw, i) => {
    const at = `messages[${i}]`;
    const m = object(raw, at);
    for (const k of Object.keys(m)) if (!MESSAGE_KEYS.includes(k)) throw unknownParam(`${at}.${k}`);
    if (!given(m.role)) throw missingParam(`${at}.role`);
    if (typeof m.role !== "string") throw invalidType(`${at}.role`, "a string", m.role);
    if (!(ROLES as readonly string[]).includes(m.role)) {
      throw invalidValue(`${at}.role`, m.role, [...ROLES]);
    }
    const role = m.role as (typeof ROLES)[number];
    if (role === "tool") {
      if (!openToolCalls) {
        throw invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `${at}.role`,
        );
      }
      if (!given(m.tool_call_id)) throw missingParam(`${at}.tool_call_id`);
    }
    if (role === "assistant") openToolCalls = given(m.tool_calls);
    else if (role !== "tool") openToolCalls = false;

    const needsContent = role !== "assistant" || (!given(m.tool_calls) && !given(m.function_call));
    if (!given(m.content)) {
      if (needsContent) throw missingParam(`${at}.content`);
      return { role: turnRole(role), text: "" };
    }
    return { role: turnRole(role), text: contentText(m.content, `${at}.content`, role) };
  });
}

function turnRole(role: (typeof ROLES)[number]): Role {
  return role === "function" ? "tool" : role;
}

function contentText(content: unknown, at: string, role: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    throw invalidType(at, "one of a string or array of objects", content);
  }
  const allowed = role === "user"
    ? ["text", "image_url", "input_audio", "file"]
    : role === "assistant"
    ? ["text", "refusal"]
    : ["text"];
  const texts: string[] = [];
  content.forEach((raw, j) => {
    const pat = `${at}[${j}]`;
    const part = object(raw, pat);
    if (!given(part.type)) throw missingParam(`${pat}.type`);
    const type = string(part.type, `${pat}.type`);
    if (!allowed.includes(type)) throw invalidValue(`${pat}.type`, type, allowed);
    if (type === "text") {
      if (!given(part.text)) throw missingParam(`${pat}.text`);
      texts.push(string(part.text, `${pat}.text`));
    }
  });
  return texts.join("\n");
}

export function createChatCompletion(
  r: ChatRequest,
  rec: KeyRecord,
  state: OpenAIState,
  now: number,
): { body: Record<string, unknown>; completion: Completion; id: string } {
  const completion = runCall(state, rec, {
    modelName: r.modelName,
    model: r.model,
    turns: r.turns,
    format: r.format,
    effort: r.effort,
    maxOutputTokens: r.maxTokens,
    stop: r.stop,
    choices: r.n,
    contextError: (input) =>
      new OpenAIHttpError(400, {
        message:
          `This model's maximum context length is ${r.model.contextWindow} tokens. However, your messages resulted in ${input} tokens. Please reduce the length of the messages.`,
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      }),
  }, now);
  state.chatCompletions++;

  const id = state.ids.chatCompletion();
  const body = {
    id,
    object: "chat.completion",
    created: Math.floor(now / 1000),
    model: r.model.snapshot,
    choices: Array.from({ length: r.n }, (_, index) => ({
      index,
      message: {
        role: "assistant",
        content: completion.text,
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: finishReason(completion),
    })),
    usage: usageOf(completion, r.n),
    service_tier: r.serviceTier,
    system_fingerprint: fingerprintOf(r.model.snapshot),
  };
  return { body, completion, id };
}

export function finishReason(c: Completion): "stop" | "length" {
  return c.truncated && !c.stopped ? "length" : "stop";
}

export function usageOf(c: Completion, n: number): Json {
  const completionTokens = c.outputTokens * n;
  return {
    prompt_tokens: c.inputTokens,
    completion_tokens: completionTokens,
    total_tokens: c.inputTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: c.reasoningTokens * n,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
