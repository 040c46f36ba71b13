/**
 * The OpenAI port in domain terms: one structured-output request (instructions + one user
 * message → a value of a zod schema, with its token usage), implemented with the official SDK.
 *
 * - Base URL, key, fetch, clock and logger are arguments: the same code talks to OpenAI and to
 *   the sandbox (`http://127.0.0.1:54330/openai/v1`).
 * - `maxRetries: 0`: the stage engine's retry policy (backoff with jitter, Retry-After, a retry
 *   horizon of hours, dead letters) governs, not the SDK's three quick tries.
 * - Responses API with the SDK's `zodTextFormat` (strict JSON schema), `store: false` (no
 *   transcript is kept at OpenAI). The answer is parsed with the helper's own zod parser after
 *   the status is checked, so an incomplete (but billed) answer still reports its usage.
 * - Errors are classified here (errors.ts) into UpstreamError: retryable or permanent.
 */
import OpenAI from "openai";
import { zodTextFormat } from "openai/helpers/zod";
import type { z } from "zod";
import type { Logger } from "../../platform/log.ts";
import { classifyOpenAIError, incompleteAnswer, invalidAnswer, type Usage } from "./errors.ts";

export type { Usage } from "./errors.ts";

export interface OpenAIAdapterOptions {
  apiKey: string;
  /** Default https://api.openai.com/v1 (the /v1 is part of it). */
  baseURL?: string;
  fetch?: typeof fetch;
  now: () => number;
  log: Logger;
  /** Per request; the SDK's default is 10 minutes. */
  timeoutMs?: number;
}

export interface StructuredRequest<S extends z.ZodType> {
  model: string;
  /** The system/developer instructions. */
  instructions: string;
  /** The one user message (the data). */
  input: string;
  schema: S;
  schemaName: string;
  maxOutputTokens: number;
  /** For reasoning models; null leaves the model's default. */
  reasoningEffort: string | null;
  signal?: AbortSignal;
}

export interface StructuredResult<T> {
  value: T;
  usage: Usage;
  /** The model (snapshot) that answered. */
  model: string;
  requestId: string | null;
}

export interface OpenAIPort {
  structured<S extends z.ZodType>(req: StructuredRequest<S>): Promise<StructuredResult<z.infer<S>>>;
}

/** The JSON schema a request sends (for the token estimate: OpenAI counts it as input). */
export function jsonSchemaOf(schema: z.ZodType, name: string): unknown {
  return zodTextFormat(schema, name).schema;
}

export function createOpenAIAdapter(o: OpenAIAdapterOptions): OpenAIPort {
  const client = new OpenAI({
    apiKey: o.apiKey,
    ...(o.baseURL ? { baseURL: o.baseURL } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    maxRetries: 0,
    timeout: o.timeoutMs ?? 120_000,
    // The SDK's own logging could print request bodies at debug level: ours logs ids and sizes.
    logLevel: "off",
  });

  return {
    async structured(req) {
      const format = zodTextFormat(req.schema, req.schemaName);
      const started = o.now();
      let response: OpenAI.Responses.Response;
      try {
        response = await client.responses.create({
          model: req.model,
          instructions: req.instructions,
          input: [{ role: "user", content: req.input }],
          text: { format },
          max_output_tokens: req.maxOutputTokens,
          store: false,
          ...(req.reasoningEffort
            ? { reasoning: { effort: req.reasoningEffort as OpenAI.ReasoningEffort } }
            : {}),
        }, req.signal ? { signal: req.signal } : undefined);
      } catch (e) {
        throw classifyOpenAIError(e, o.now());
      }
      const usage: Usage = {
        input_tokens: response.usage?.input_tokens ?? 0,
        output_tokens: response.usage?.output_tokens ?? 0,
      };
      const requestId = (response as { _request_id?: string | null })._request_id ?? null;
      o.log.info("OpenAI answered", {
        model: response.model,
        status: response.status,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        request_id: requestId,
        ms: o.now() - started,
      });
      if (response.status === "incomplete") {
        throw incompleteAnswer(response.incomplete_details?.reason ?? "unknown", usage);
      }
      let value: z.infer<typeof req.schema>;
      try {
        value = format.$parseRaw(response.output_text) as z.infer<typeof req.schema>;
      } catch {
        throw invalidAnswer(usage);
      }
      return { value, usage, model: response.model, requestId };
    },
  };
}
