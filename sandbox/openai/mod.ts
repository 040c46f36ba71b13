/**
 * The OpenAI fake, mounted at /openai (the SDK's `baseURL` is `${sandbox}/openai/v1`):
 *
 *   POST   /v1/responses           Responses API (responses.create / responses.parse / stream)
 *   GET    /v1/responses/:id       a stored response
 *   DELETE /v1/responses/:id
 *   POST   /v1/chat/completions    Chat Completions (chat.completions.create / parse / stream)
 *
 * Bearer API keys with per-key RPM/TPM budgets (x-ratelimit-* headers, 429s in OpenAI's words),
 * strict Structured Outputs validation, and deterministic answers generated from the input and
 * the schema. Any other URL is OpenAI's 404 "Invalid URL (METHOD /v1/…)".
 *
 * Seed: `{ "openai": { "keys": [{ "key": "sk-…", "rpm": 3, "tpm": 10000, "organization": "org-…" }] } }`
 * adds keys or replaces their limits.
 */
import { json } from "../core/json.ts";
import { Router } from "../core/router.ts";
import type { SandboxContext, VendorModule } from "../core/vendor.ts";
import { createChatCompletion, parseChatRequest } from "./chat.ts";
import { errorJson, type OpenAIErrorBody, OpenAIHttpError, unparsableBody } from "./errors.ts";
import { openaiHeaders, processingMsFor } from "./headers.ts";
import { fingerprintOf } from "./ids.ts";
import {
  authenticate,
  type KeyConfig,
  keyHint,
  type KeyRecord,
  SANDBOX_OPENAI_KEY,
} from "./keys.ts";
import { rateLimitHeaders } from "./limits.ts";
import { defaultModels, type ModelInfo } from "./models.ts";
import { isObject } from "./params.ts";
import { createResponse, parseResponsesRequest, responseNotFound } from "./responses.ts";
import { OpenAIState } from "./state.ts";
import { chatStream, responsesStream } from "./stream.ts";

export { SANDBOX_OPENAI_KEY } from "./keys.ts";
export type { KeyConfig } from "./keys.ts";
export type { ModelInfo } from "./models.ts";

export interface OpenAIOptions {
  /** Accepted keys; default: one key, `SANDBOX_OPENAI_KEY`. */
  keys?: KeyConfig[];
  /** Default requests per minute for keys that do not set their own (default 500). */
  rpm?: number;
  /** Default tokens per minute (default 200 000). */
  tpm?: number;
  /** Extra models, by the name requests use. */
  models?: Record<string, ModelInfo>;
}

/** Tier-1 limits for gpt-4o-mini, the model the pipeline uses. */
export const DEFAULT_RPM = 500;
export const DEFAULT_TPM = 200_000;

type Handler = (
  req: Request,
  rec: KeyRecord,
  params: Record<string, string>,
  ctx: SandboxContext,
  requestId: string,
) => Promise<Response> | Response;

export function createOpenAI(opts: OpenAIOptions = {}): VendorModule {
  const state = new OpenAIState(
    defaultModels(opts.models),
    { rpm: opts.rpm ?? DEFAULT_RPM, tpm: opts.tpm ?? DEFAULT_TPM },
    opts.keys ?? [{ key: SANDBOX_OPENAI_KEY }],
  );

  /** Resolves the key (the guard has already refused bad ones) and turns errors into bodies. */
  const authed =
    (fn: Handler) => async (req: Request, params: Record<string, string>, ctx: SandboxContext) => {
      const requestId = state.ids.request();
      const rec = authenticate(req, state.keys, () => openaiHeaders(requestId, null, 5));
      if (rec instanceof Response) return rec;
      try {
        return await fn(req, rec, params, ctx, requestId);
      } catch (e) {
        if (!(e instanceof OpenAIHttpError)) throw e;
        return errorJson(e.status, e.body, {
          ...openaiHeaders(requestId, rec.organization, 5),
          ...rateLimitHeaders(rec.budget, ctx.clock.now()),
          ...e.headers,
        });
      }
    };

  const invalidUrl = (req: Request, params: Record<string, string>) =>
    errorJson(404, {
      message: `Invalid URL (${req.method} /${params.path ?? ""})`,
      type: "invalid_request_error",
      param: null,
      code: null,
    }, openaiHeaders(state.ids.request(), null, 5));

  const router = new Router<SandboxContext>()
    .post(
      "/v1/responses",
      authed(async (req, rec, _p, ctx, requestId) => {
        const request = parseResponsesRequest(await readBody(req), state);
        const now = ctx.clock.now();
        const { body, completion } = createResponse(request, rec, state, now);
        const headers = {
          ...openaiHeaders(
            requestId,
            rec.organization,
            processingMsFor(completion.inputTokens, completion.outputTokens),
          ),
          ...rateLimitHeaders(rec.budget, now),
        };
        return request.stream ? responsesStream(body, headers) : json(body, 200, headers);
      }),
    )
    .get(
      "/v1/responses/:id",
      authed((_req, rec, p, _ctx, requestId) => {
        const stored = state.responses.get(p.id!);
        if (!stored || stored.key !== rec.key) throw responseNotFound(p.id!);
        return json(stored.body, 200, openaiHeaders(requestId, rec.organization, 5));
      }),
    )
    .delete(
      "/v1/responses/:id",
      authed((_req, rec, p, _ctx, requestId) => {
        const stored = state.responses.get(p.id!);
        if (!stored || stored.key !== rec.key) throw responseNotFound(p.id!);
        state.responses.delete(p.id!);
        return json(
          { id: p.id, object: "response", deleted: true },
          200,
          openaiHeaders(requestId, rec.organization, 5),
        );
      }),
    )
    .post(
      "/v1/chat/completions",
      authed(async (req, rec, _p, ctx, requestId) => {
        const request = parseChatRequest(await readBody(req), state);
        const now = ctx.clock.now();
        const { body, completion, id } = createChatCompletion(request, rec, state, now);
        const headers = {
          ...openaiHeaders(
            requestId,
            rec.organization,
            processingMsFor(completion.inputTokens, completion.outputTokens * request.n),
          ),
          ...rateLimitHeaders(rec.budget, now),
        };
        if (!request.stream) return json(body, 200, headers);
        return chatStream(
          {
            id,
            created: Math.floor(now / 1000),
            model: request.model.snapshot,
            service_tier: request.serviceTier,
            fingerprint: fingerprintOf(request.model.snapshot),
          },
          completion,
          request.n,
          request.includeUsage,
          headers,
        );
      }),
    );
  // Everything else, whatever the method, is OpenAI's 404 (registered last, so it only catches
  // what the routes above do not serve).
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) {
    router.on(method, "/*path", invalidUrl);
  }

  return {
    name: "openai",
    router,
    guard(req) {
      const rec = authenticate(req, state.keys, () => openaiHeaders(state.ids.request(), null, 5));
      return rec instanceof Response ? rec : null;
    },
    errorResponse(status, message, retryAfterSec) {
      const requestId = state.ids.request();
      return errorJson(
        status,
        faultBody(status, message, requestId),
        {
          ...openaiHeaders(requestId, null, 5),
          ...(retryAfterSec !== undefined ? { "retry-after": String(retryAfterSec) } : {}),
        },
      );
    },
    reset: () => state.reset(),
    seed(data) {
      if (!isObject(data)) throw new Error("the openai seed must be an object");
      const keys = data.keys ?? [];
      if (!Array.isArray(keys)) throw new Error("openai.keys must be an array");
      const added = keys.map((k) => {
        if (!isObject(k)) throw new Error("each openai key must be an object");
        return state.keys.add(k as unknown as KeyConfig);
      });
      return { keys: added.map((k) => ({ key: keyHint(k.key), organization: k.organization })) };
    },
    state: () => ({
      keys: state.keys.list().map((k) => ({
        key: keyHint(k.key),
        organization: k.organization,
        rpm: k.budget.requests.limit,
        tpm: k.budget.tokens.limit,
      })),
      usage: Object.fromEntries([...state.usage].map(([k, u]) => [keyHint(k), u])),
      responses: [...state.responses.values()].map((r) => ({
        id: r.body.id,
        model: r.body.model,
        status: r.body.status,
        created_at: r.body.created_at,
        key: keyHint(r.key),
        usage: r.body.usage,
      })),
      chatCompletions: state.chatCompletions,
    }),
  };
}

/** The request body as JSON; an empty body reads as `{}`, malformed JSON is the API's 400. */
async function readBody(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw unparsableBody();
  }
}

/**
 * OpenAI's body for an injected status. Without a message of its own (the fault injector's
 * default is "Injected fault") each status gets the API's usual wording.
 */
function faultBody(
  status: number,
  message: string,
  requestId: string,
): OpenAIErrorBody {
  const custom = message !== "Injected fault" ? message : null;
  if (status === 429) {
    return {
      message: custom ??
        "Rate limit reached for requests. Visit https://platform.openai.com/account/rate-limits to learn more.",
      type: "requests",
      param: null,
      code: "rate_limit_exceeded",
    };
  }
  if (status === 502) {
    return { message: custom ?? "Bad gateway.", type: "cf_bad_gateway", param: null, code: 502 };
  }
  if (status === 503) {
    return {
      message: custom ?? "The engine is currently overloaded, please try again later.",
      type: "server_error",
      param: null,
      code: null,
    };
  }
  if (status >= 500) {
    return {
      message: custom ??
        `The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists. (Please include the request ID ${requestId} in your message.)`,
      type: "server_error",
      param: null,
      code: null,
    };
  }
  if (status === 401) {
    return {
      message: custom ?? "Incorrect API key provided.",
      type: "invalid_request_error",
      param: null,
      code: "invalid_api_key",
    };
  }
  return {
    message: custom ?? "Invalid request.",
    type: "invalid_request_error",
    param: null,
    code: null,
  };
}
