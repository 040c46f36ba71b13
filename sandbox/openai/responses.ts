/**
 * `POST /v1/responses` (what `client.responses.create` and `.parse` call),
 * `GET /v1/responses/:id` and `DELETE /v1/responses/:id`. Requests are validated like the real
 * API (unknown parameters, types, ranges, input items, text formats with strict schemas, model
 * capabilities); answers are Response objects in the real shape, stored unless `store: false`
 * so `previous_response_id` and retrieval work.
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
  outOfRange,
  unknownParam,
  unsupportedParam,
} from "./errors.ts";
import { type OutputFormat, responsesFormat } from "./formats.ts";
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
  rejectUnknown,
  sandboxUnsupported,
  string,
} from "./params.ts";
import type { OpenAIState } from "./state.ts";
import { responsesTools, toolChoice } from "./tools.ts";

const PARAMS = [
  "model",
  "input",
  "instructions",
  "text",
  "max_output_tokens",
  "metadata",
  "previous_response_id",
  "reasoning",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "top_p",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "truncation",
  "user",
  "safety_identifier",
  "prompt_cache_key",
  "prompt_cache_retention",
  "service_tier",
  "include",
  "top_logprobs",
  "background",
  "max_tool_calls",
  "conversation",
  "prompt",
  "context_management",
] as const;

const ITEM_TYPES = [
  "message",
  "function_call",
  "function_call_output",
  "reasoning",
  "item_reference",
  "file_search_call",
  "web_search_call",
  "computer_call",
  "computer_call_output",
  "image_generation_call",
  "code_interpreter_call",
  "local_shell_call",
  "local_shell_call_output",
  "mcp_list_tools",
  "mcp_approval_request",
  "mcp_approval_response",
  "mcp_call",
  "custom_tool_call",
  "custom_tool_call_output",
];
const PART_TYPES = [
  "input_text",
  "input_image",
  "input_file",
  "output_text",
  "refusal",
] as const;

/** A validated Responses request. */
export interface ResponsesRequest {
  modelName: string;
  model: ModelInfo;
  /** Instructions first, then the conversation. */
  turns: Turn[];
  /** Earlier turns (via previous_response_id) and this input, without instructions. */
  conversation: Turn[];
  instructions: string | null;
  format: OutputFormat;
  verbosity: string;
  maxOutputTokens: number | null;
  effort: string | null;
  previousResponseId: string | null;
  store: boolean;
  stream: boolean;
  echo: Json;
}

export function parseResponsesRequest(body: unknown, state: OpenAIState): ResponsesRequest {
  const b = object(body, "body");
  rejectUnknown(b, PARAMS);
  for (const p of ["conversation", "prompt", "context_management"] as const) {
    if (given(b[p])) sandboxUnsupported(p);
  }
  if (given(b.background) && boolean(b.background, "background")) {
    sandboxUnsupported("background", "(background mode)");
  }

  if (!given(b.model)) throw missingParam("model");
  const modelName = string(b.model, "model");
  const model = state.models.get(modelName);
  if (!model) throw modelNotFound(modelName);

  const instructions = given(b.instructions) ? string(b.instructions, "instructions") : null;
  const { format, verbosity } = responsesFormat(b.text, model);

  let maxOutputTokens: number | null = null;
  if (given(b.max_output_tokens)) {
    maxOutputTokens = integer(b.max_output_tokens, "max_output_tokens", 16);
    if (maxOutputTokens > model.maxOutputTokens) {
      throw outOfRange(
        "max_output_tokens",
        "integer",
        "above maximum",
        model.maxOutputTokens,
        maxOutputTokens,
      );
    }
  }

  let effort: string | null = null;
  if (given(b.reasoning)) {
    const r = object(b.reasoning, "reasoning");
    rejectUnknown(r, ["effort", "summary", "generate_summary"], "reasoning");
    if (given(r.effort)) {
      if (!model.reasoning) throw unsupportedParam("reasoning.effort");
      effort = oneOf(
        r.effort,
        "reasoning.effort",
        [
          "none",
          "minimal",
          "low",
          "medium",
          "high",
        ] as const,
      );
    }
    if (given(r.summary)) {
      oneOf(r.summary, "reasoning.summary", ["auto", "concise", "detailed"] as const);
    }
  }
  if (model.reasoning) effort ??= "medium";

  for (const p of ["temperature", "top_p"] as const) {
    if (!given(b[p])) continue;
    if (model.reasoning) throw unsupportedParam(p);
    decimal(b[p], p, 0, p === "temperature" ? 2 : 1);
  }
  const meta = given(b.metadata) ? metadata(b.metadata) : {};
  const store = given(b.store) ? boolean(b.store, "store") : true;
  const stream = given(b.stream) ? boolean(b.stream, "stream") : false;
  if (given(b.stream_options)) {
    if (!stream) {
      throw invalidRequest(
        "Invalid value for 'stream_options': Setting 'stream_options' is only allowed when 'stream' is true.",
        "stream_options",
        "invalid_value",
      );
    }
    rejectUnknown(
      object(b.stream_options, "stream_options"),
      ["include_obfuscation"],
      "stream_options",
    );
  }
  const tools = responsesTools(b.tools);
  const choice = toolChoice(b.tool_choice);
  const parallel = given(b.parallel_tool_calls)
    ? boolean(b.parallel_tool_calls, "parallel_tool_calls")
    : true;
  const truncation = given(b.truncation)
    ? oneOf(b.truncation, "truncation", ["auto", "disabled"] as const)
    : "disabled";
  for (const p of ["user", "safety_identifier", "prompt_cache_key"] as const) {
    if (given(b[p])) string(b[p], p);
  }
  if (given(b.prompt_cache_retention)) {
    oneOf(b.prompt_cache_retention, "prompt_cache_retention", ["in_memory", "24h"] as const);
  }
  const tier = given(b.service_tier)
    ? oneOf(
      b.service_tier,
      "service_tier",
      ["auto", "default", "flex", "scale", "priority"] as const,
    )
    : "auto";
  if (given(b.include)) array(b.include, "include").forEach((x, i) => string(x, `include[${i}]`));
  if (given(b.top_logprobs) && integer(b.top_logprobs, "top_logprobs", 0, 20) > 0) {
    sandboxUnsupported("top_logprobs", "(log probabilities)");
  }
  const maxToolCalls = given(b.max_tool_calls)
    ? integer(b.max_tool_calls, "max_tool_calls", 1)
    : null;

  let history: Turn[] = [];
  let previousResponseId: string | null = null;
  if (given(b.previous_response_id)) {
    previousResponseId = string(b.previous_response_id, "previous_response_id");
    const prev = state.responses.get(previousResponseId);
    if (!prev) {
      throw invalidRequest(
        `Previous response with id '${previousResponseId}' not found.`,
        "previous_response_id",
        "previous_response_not_found",
      );
    }
    history = prev.turns;
  }

  // Instructions apply to this response only; a previous response's do not carry over.
  const conversation = [...history, ...inputTurns(b.input)];
  const turns: Turn[] = [
    ...(instructions === null ? [] : [{ role: "developer" as const, text: instructions }]),
    ...conversation,
  ];
  if (format.type === "json_object" && !turns.some((t) => /json/i.test(t.text))) {
    throw invalidRequest(
      "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
      "input",
      null,
    );
  }

  return {
    modelName,
    model,
    turns,
    conversation,
    instructions,
    format,
    verbosity,
    maxOutputTokens,
    effort,
    previousResponseId,
    store,
    stream,
    echo: {
      metadata: meta,
      tools,
      tool_choice: choice,
      parallel_tool_calls: parallel,
      truncation,
      service_tier: tier === "auto" ? "default" : tier,
      temperature: model.reasoning ? 1 : given(b.temperature) ? b.temperature : 1,
      top_p: model.reasoning ? 1 : given(b.top_p) ? b.top_p : 1,
      user: given(b.user) ? b.user : null,
      safety_identifier: given(b.safety_identifier) ? b.safety_identifier : null,
      prompt_cache_key: given(b.prompt_cache_key) ? b.prompt_cache_key : null,
      prompt_cache_retention: given(b.prompt_cache_retention) ? b.prompt_cache_retention : null,
      max_tool_calls: maxToolCalls,
    },
  };
}

/** `input`: a string (one user message) or a list of input items. */
function inputTurns(input: unknown): Turn[] {
  if (!given(input)) return [];
  if (typeof input === "string") return [{ role: "user", text: input }];
  if (!Array.isArray(input)) {
    throw invalidType("input", "one of a string or an array of input items", input);
  }
  const turns: Turn[] = [];
  input.forEach((raw, i) => {
    const at = `input[${i}]`;
    const item = object(raw, at);
    const type = given(item.type)
      ? string(item.type, `${at}.type`)
      : given(item.role)
      ? "message"
      : null;
    if (type === null) throw missingParam(`${at}.type`);
    if (!ITEM_TYPES.includes(type)) throw invalidValue(`${at}.type`, type, ITEM_TYPES);
    if (type === "message") turns.push(messageTurn(item, at));
    else if (type === "function_call_output" && given(item.output)) {
      turns.push({ role: "tool", text: typeof item.output === "string" ? item.output : "" });
    }
  });
  return turns;
}

function messageTurn(item: Json, at: string): Turn {
  for (const k of Object.keys(item)) {
    if (!["type", "role", "content", "id", "status"].includes(k)) throw unknownParam(`${at}.${k}`);
  }
  if (!given(item.role)) throw missingParam(`${at}.role`);
  const role: Role = oneOf(
    item.role,
    `${at}.role`,
    [
      "user",
      "assistant",
      "system",
      "developer",
    ] as const,
  );
  if (!given(item.content)) throw missingParam(`${at}.content`);
  if (typeof item.content === "string") return { role, text: item.content };
  if (!Array.isArray(item.content)) {
    throw invalidType(
      `${at}.content`,
      "one of a string or an array of content parts",
      item.content,
    );
  }
  const texts: string[] = [];
  item.content.forEach((raw, j) => {
    const pat = `${at}.content[${j}]`;
    const part = object(raw, pat);
    if (!given(part.type)) throw missingParam(`${pat}.type`);
    const type = oneOf(part.type, `${pat}.type`, PART_TYPES);
    if (type === "input_text" || type === "output_text") {
      if (!given(part.text)) throw missingParam(`${pat}.text`);
      texts.push(string(part.text, `${pat}.text`));
    } else if (type === "refusal") {
      if (!given(part.refusal)) throw missingParam(`${pat}.refusal`);
      string(part.refusal, `${pat}.refusal`);
    }
  });
  return { role, text: texts.join("\n") };
}

/** Runs a validated request and builds the Response object (and stores it). */
export function createResponse(
  r: ResponsesRequest,
  rec: KeyRecord,
  state: OpenAIState,
  now: number,
): { body: Record<string, unknown>; completion: Completion } {
  const completion = runCall(state, rec, {
    modelName: r.modelName,
    model: r.model,
    turns: r.turns,
    format: r.format,
    effort: r.effort,
    maxOutputTokens: r.maxOutputTokens,
    stop: [],
    choices: 1,
    contextError: () =>
      new OpenAIHttpError(400, {
        message:
          "Your input exceeds the context window of this model. Please adjust your input and try again.",
        type: "invalid_request_error",
        param: "input",
        code: "context_length_exceeded",
      }),
  }, now);

  const created = Math.floor(now / 1000);
  const output: Record<string, unknown>[] = [];
  if (r.model.reasoning) output.push({ id: state.ids.reasoning(), type: "reasoning", summary: [] });
  if (completion.text.length > 0) {
    output.push({
      id: state.ids.message(),
      type: "message",
      status: completion.truncated ? "incomplete" : "completed",
      content: [{ type: "output_text", annotations: [], logprobs: [], text: completion.text }],
      role: "assistant",
    });
  }
  const id = state.ids.response();
  const body: Record<string, unknown> = {
    id,
    object: "response",
    created_at: created,
    status: completion.truncated ? "incomplete" : "completed",
    background: false,
    billing: { payer: "developer" },
    completed_at: completion.truncated ? null : created,
    error: null,
    incomplete_details: completion.truncated ? { reason: "max_output_tokens" } : null,
    instructions: r.instructions,
    max_output_tokens: r.maxOutputTokens,
    max_tool_calls: r.echo.max_tool_calls,
    model: r.model.snapshot,
    output,
    parallel_tool_calls: r.echo.parallel_tool_calls,
    previous_response_id: r.previousResponseId,
    prompt_cache_key: r.echo.prompt_cache_key,
    prompt_cache_retention: r.echo.prompt_cache_retention,
    reasoning: { effort: r.effort, summary: null },
    safety_identifier: r.echo.safety_identifier,
    service_tier: r.echo.service_tier,
    store: r.store,
    temperature: r.echo.temperature,
    text: { format: formatEcho(r.format), verbosity: r.verbosity },
    tool_choice: r.echo.tool_choice,
    tools: r.echo.tools,
    top_logprobs: 0,
    top_p: r.echo.top_p,
    truncation: r.echo.truncation,
    usage: {
      input_tokens: completion.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: completion.outputTokens,
      output_tokens_details: { reasoning_tokens: completion.reasoningTokens },
      total_tokens: completion.inputTokens + completion.outputTokens,
    },
    user: r.echo.user,
    metadata: r.echo.metadata,
  };
  if (r.store) {
    state.store(id, {
      body,
      turns: [...r.conversation, { role: "assistant", text: completion.text }],
      key: rec.key,
    });
  }
  return { body, completion };
}

function formatEcho(f: OutputFormat): Record<string, unknown> {
  if (f.type !== "json_schema") return { type: f.type };
  return {
    type: "json_schema",
    description: f.description,
    name: f.name,
    schema: f.schema,
    strict: f.strict,
  };
}

/** The 404 for an id that is not stored (never created, deleted, or created with store: false). */
export function responseNotFound(id: string): OpenAIHttpError {
  return new OpenAIHttpError(404, {
    message: `Response with id '${id}' not found.`,
    type: "invalid_request_error",
    param: null,
    code: null,
  });
}
