/**
 * The call_summarize handler: a call's transcript → a structured, sanitised summary with its cost.
 *
 *   1. read settings, prompts, prices and the transcript (one SQL call); a summary already stored
 *      in this visit to the stage (a crash before completing) → done, nothing paid twice
 *   2. no usable transcript → record why (call_summaries.status = 'not_possible') and go on
 *   3. plan the requests (one, or map-reduce for a long call) and reserve their most possible
 *      cost against today's budget; over budget → wait in `budget_wait` until the next budget day
 *      or until an operator raises the cap (a trigger resumes the waiting calls)
 *   4. make the requests (transcript as delimited data, answers validated by the schema and
 *      sanitised); a failure settles what was billed (or releases the reservation) and rethrows
 *      for the engine to retry or dead-letter
 *   5. store the summary and settle the actual cost, in one transaction; the engine then moves
 *      the call on to call_publish
 */
import { jsonSchemaOf, type OpenAIPort, type Usage } from "../_shared/adapters/openai/client.ts";
import { billedUsage } from "../_shared/adapters/openai/errors.ts";
import {
  costMicros,
  dataBudgetChars,
  estimateMicros,
  microsToUsd,
  PlanError,
  planSummary,
  type Prices,
  splitLongUtterances,
  type SummaryPlan,
} from "../_shared/domain/summary/plan.ts";
import {
  combineMessage,
  FRAMING_CHARS,
  instructionsFor,
  parseUtterances,
  renderUtterance,
  sha256Hex,
  transcriptMessage,
} from "../_shared/domain/summary/prompt.ts";
import { sanitizeSummary } from "../_shared/domain/summary/sanitize.ts";
import {
  type CallSummary,
  type CallSummarySchema,
  callSummarySchema,
  type Categories,
  categoriesOf,
  maxSummaryJsonChars,
} from "../_shared/domain/summary/schema.ts";
import { AppError, toError } from "../_shared/platform/errors.ts";
import type { StageHandler } from "../_shared/platform/stage_worker.ts";
import type { SummaryInputs, SummaryStore } from "./store.ts";

export const SCHEMA_NAME = "call_summary";
/** Each request keeps the claim this much longer (a long call makes several). */
const LEASE_EXTENSION_SECONDS = 300;

export interface SummarizeDeps {
  store: SummaryStore;
  openai: OpenAIPort;
  /** The spend clock (which budget day a reservation counts against); default: the worker's. */
  now?: () => number;
}

/** Why a call cannot be summarised, or null when its transcript is usable. */
export function notPossibleReason(t: SummaryInputs["transcript"]): string | null {
  if (t === null) return "no_transcript";
  if (t.status === "error") return "transcript_failed";
  if (t.status !== "completed") return null;
  return parseUtterances(t.utterances).length === 0 ? "empty_transcript" : null;
}

function configError(message: string): AppError {
  // Retryable: an operator fixes the setting (a price, the budget) and the calls go on.
  return new AppError("config_invalid", message, { retryable: true });
}

export function summarizeCall(deps: SummarizeDeps): StageHandler {
  return async (item, ctx) => {
    const now = deps.now ?? ctx.now;
    const callId = item.subjectId;
    const inputs = await deps.store.inputs(callId);
    if (inputs.done_in_this_visit) {
      ctx.log.info("Summary already stored in this visit to the stage");
      return;
    }

    const t = inputs.transcript;
    if (t !== null && t.status === "submitted") {
      throw new AppError("unavailable", "The transcript is not complete yet", { retryable: true });
    }
    const reason = notPossibleReason(t);
    if (reason !== null) {
      await deps.store.notPossible(callId, reason);
      ctx.log.info("No summary possible", { reason });
      return;
    }

    const prepared = prepareSummary(inputs);
    const { plan, estimate, prices, categories, schema, summaryPrompt, combinePrompt } = prepared;
    const s = inputs.settings;

    const reservation = await deps.store.reserve(callId, microsToUsd(estimate), now());
    if (!reservation.ok) {
      ctx.log.info("Over today's budget: waiting", {
        reason: reservation.reason,
        estimate_usd: microsToUsd(estimate),
      });
      return { defer: { untilMs: reservation.resumeAtMs, reason: "budget_wait" } };
    }

    const used: Usage = { input_tokens: 0, output_tokens: 0 };
    let requests = 0;
    let model = s.model;
    const ask = async (instructions: string, input: string): Promise<CallSummary> => {
      const r = await deps.openai.structured({
        model: s.model,
        instructions,
        input,
        schema,
        schemaName: SCHEMA_NAME,
        maxOutputTokens: s.max_output_tokens,
        reasoningEffort: s.reasoning_effort,
        signal: ctx.signal,
      });
      requests++;
      used.input_tokens += r.usage.input_tokens;
      used.output_tokens += r.usage.output_tokens;
      model = r.model;
      if (plan.requests > 1) await ctx.extendLease(LEASE_EXTENSION_SECONDS);
      // Untrusted output: sanitised before it is stored or fed into the next request.
      return sanitizeSummary(r.value, categories);
    };

    let summary: CallSummary;
    try {
      let partials: CallSummary[] = [];
      for (const [i, lines] of plan.parts.entries()) {
        const part = { index: i + 1, count: plan.parts.length };
        partials.push(await ask(summaryPrompt, transcriptMessage(lines, part)));
      }
      for (const sizes of plan.rounds) {
        const next: CallSummary[] = [];
        let at = 0;
        for (const size of sizes) {
          const group = partials.slice(at, at + size);
          at += size;
          next.push(
            group.length === 1 ? group[0]! : await ask(combinePrompt, combineMessage(group)),
          );
        }
        partials = next;
      }
      summary = partials[0]!;
    } catch (e) {
      const billed = billedUsage(e);
      if (billed) {
        used.input_tokens += billed.input_tokens;
        used.output_tokens += billed.output_tokens;
      }
      await settleFailed(deps.store, reservation.reservationId, used, prices, requests, now())
        .catch((err) =>
          ctx.log.warn("Could not settle a failed summary's spend", { error: toError(err).name })
        );
      throw e;
    }

    const cost = costMicros(used.input_tokens, used.output_tokens, prices);
    await deps.store.record({
      callId,
      reservationId: reservation.reservationId,
      model,
      promptSha256: await sha256Hex(`${summaryPrompt}\n\n${combinePrompt}`),
      summary: summary as unknown as Record<string, unknown>,
      inputTokens: used.input_tokens,
      outputTokens: used.output_tokens,
      costUsd: microsToUsd(cost),
      requests,
      nowMs: now(),
    });
    ctx.log.info("Call summarised", {
      requests,
      input_tokens: used.input_tokens,
      output_tokens: used.output_tokens,
      estimate_usd: microsToUsd(estimate),
      cost_usd: microsToUsd(cost),
    });
  };
}

export interface PreparedSummary {
  plan: SummaryPlan;
  /** The most the plan can cost (micro-dollars): what is reserved. */
  estimate: bigint;
  prices: Prices;
  categories: Categories;
  schema: CallSummarySchema;
  summaryPrompt: string;
  combinePrompt: string;
}

/** The requests a call's summary takes and their most possible cost (pure; no I/O). */
export function prepareSummary(inputs: SummaryInputs): PreparedSummary {
  const t = inputs.transcript;
  const s = inputs.settings;
  if (!inputs.prices?.input || !inputs.prices.output) {
    throw configError(`No OpenAI prices for model ${s.model} in switchboard.prices`);
  }
  const prices: Prices = { input: inputs.prices.input, output: inputs.prices.output };
  const categories = categoriesOf(s.categories);
  const schema = callSummarySchema(categories);
  const schemaChars = JSON.stringify(jsonSchemaOf(schema, SCHEMA_NAME)).length;
  const summaryPrompt = instructionsFor(inputs.prompts.summary ?? "", categories, "transcript");
  const combinePrompt = instructionsFor(inputs.prompts.combine ?? "", categories, "combine");
  const settings = {
    contextBudgetTokens: s.context_budget_tokens,
    maxOutputTokens: s.max_output_tokens,
    charsPerToken: s.chars_per_token,
  };

  let plan: SummaryPlan;
  try {
    const transcriptFixedChars = summaryPrompt.length + schemaChars + FRAMING_CHARS;
    // A rendered line may be up to ~6x its text (JSON escapes): split so any line fits a part.
    const maxUtterance = Math.max(
      100,
      Math.floor(dataBudgetChars(transcriptFixedChars, settings) / 7),
    );
    const utterances = splitLongUtterances(parseUtterances(t?.utterances), maxUtterance);
    plan = planSummary({
      lines: utterances.map(renderUtterance),
      transcriptFixedChars,
      combineFixedChars: combinePrompt.length + schemaChars + FRAMING_CHARS,
      maxSummaryChars: maxSummaryJsonChars(categories),
      settings,
    });
  } catch (e) {
    if (e instanceof PlanError) throw configError(e.message);
    throw e;
  }
  const estimate = estimateMicros(plan, s.max_output_tokens, prices);
  return { plan, estimate, prices, categories, schema, summaryPrompt, combinePrompt };
}

/** A failed run pays for what was billed (earlier requests, an incomplete answer) or nothing. */
async function settleFailed(
  store: SummaryStore,
  reservationId: number,
  used: Usage,
  prices: Prices,
  requests: number,
  nowMs: number,
): Promise<void> {
  if (used.input_tokens + used.output_tokens === 0) {
    await store.release(reservationId, nowMs);
    return;
  }
  const cost = costMicros(used.input_tokens, used.output_tokens, prices);
  await store.settle(reservationId, microsToUsd(cost), { ...used, requests, failed: true }, nowMs);
}
