/**
 * Long transcripts: how a call is summarised within a context budget, and what that may cost at
 * most. Tokens are estimated from characters (`charsPerToken`, conservative by default: 3, where
 * English averages about 4), so an estimate is an upper bound of what the API will count.
 *
 *   fits the budget  → one request
 *   does not         → map: the transcript in parts (whole utterances; a very long utterance is
 *                      split), each summarised on its own; reduce: the partial summaries combined
 *                      k at a time (k = how many maximal summaries fit the budget), round after
 *                      round, until one is left.
 *
 * The plan is fixed before any request is made, so the reservation covers every request the run
 * can make: input at its estimate and output at `maxOutputTokens` per request.
 */
import type { Utterance } from "./prompt.ts";

export interface PlanSettings {
  /** Largest input per request, in estimated tokens. */
  contextBudgetTokens: number;
  /** The cap on each request's output (reasoning included). */
  maxOutputTokens: number;
  charsPerToken: number;
}

/** Fixed per-request token overhead beyond the characters (message framing, reply priming). */
export const REQUEST_OVERHEAD_TOKENS = 16;

export function estimateTokens(chars: number, charsPerToken: number): number {
  return Math.ceil(chars / charsPerToken);
}

export class PlanError extends Error {}

/** Splits utterances longer than `maxChars` into consecutive pieces (at spaces when possible). */
export function splitLongUtterances(
  utterances: readonly Utterance[],
  maxChars: number,
): Utterance[] {
  const out: Utterance[] = [];
  for (const u of utterances) {
    if (u.text.length <= maxChars) {
      out.push(u);
      continue;
    }
    let rest = u.text;
    while (rest.length > maxChars) {
      let at = rest.lastIndexOf(" ", maxChars);
      if (at < maxChars / 2) at = maxChars;
      out.push({ ...u, text: rest.slice(0, at).trim() });
      rest = rest.slice(at).trim();
    }
    if (rest) out.push({ ...u, text: rest });
  }
  return out;
}

/** Consecutive lines grouped so that each group's characters (newlines included) stay ≤ maxChars. */
export function chunkLines(lines: readonly string[], maxChars: number): string[][] {
  const parts: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    const add = line.length + 1;
    if (current.length > 0 && size + add > maxChars) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(line);
    size += add;
  }
  if (current.length) parts.push(current);
  return parts;
}

/** n items in ceil(n / k) groups of nearly equal size, in order. */
export function groupSizes(n: number, k: number): number[] {
  const groups = Math.ceil(n / k);
  const base = Math.floor(n / groups);
  const extra = n % groups;
  return Array.from({ length: groups }, (_, i) => base + (i < extra ? 1 : 0));
}

export interface SummaryPlan {
  /** Transcript lines of each map request (one part: the whole call). */
  parts: string[][];
  /** Group sizes of each combine round (empty for a single part). */
  rounds: number[][];
  /** Estimated input tokens of every request, in the order they are made. */
  inputTokens: number[];
  requests: number;
}

export interface PlanInput {
  /** The transcript's lines, rendered (renderUtterance) after splitting long utterances. */
  lines: readonly string[];
  /** Characters every transcript request carries besides its lines (instructions, schema, framing). */
  transcriptFixedChars: number;
  /** The same for a combining request. */
  combineFixedChars: number;
  /** The longest a rendered partial summary can be (maxSummaryJsonChars). */
  maxSummaryChars: number;
  settings: PlanSettings;
}

/** Characters of data a request may carry besides `fixedChars`, or a PlanError when none fit. */
export function dataBudgetChars(fixedChars: number, s: PlanSettings): number {
  const budget = (s.contextBudgetTokens - REQUEST_OVERHEAD_TOKENS) * s.charsPerToken - fixedChars;
  if (budget < 200) {
    throw new PlanError(
      `The summary context budget (${s.contextBudgetTokens} tokens) leaves no room for the transcript`,
    );
  }
  return Math.floor(budget);
}

export function planSummary(p: PlanInput): SummaryPlan {
  const s = p.settings;
  const tokens = (chars: number) =>
    estimateTokens(chars, s.charsPerToken) + REQUEST_OVERHEAD_TOKENS;
  const mapBudget = dataBudgetChars(p.transcriptFixedChars, s);
  const parts = chunkLines(p.lines, mapBudget);
  const inputTokens = parts.map((lines) =>
    tokens(p.transcriptFixedChars + lines.reduce((n, l) => n + l.length + 1, 0))
  );
  const rounds: number[][] = [];
  if (parts.length > 1) {
    const k = Math.floor(dataBudgetChars(p.combineFixedChars, s) / (p.maxSummaryChars + 1));
    if (k < 2) {
      throw new PlanError(
        `The summary context budget (${s.contextBudgetTokens} tokens) cannot hold two partial summaries`,
      );
    }
    let n = parts.length;
    while (n > 1) {
      const sizes = groupSizes(n, k);
      rounds.push(sizes);
      for (const size of sizes) {
        inputTokens.push(tokens(p.combineFixedChars + size * (p.maxSummaryChars + 1)));
      }
      n = sizes.length;
    }
  }
  return { parts, rounds, inputTokens, requests: inputTokens.length };
}

// ---- money: micro-dollars as integers, so estimates and actuals add up exactly -------------

/** "0.100000" (USD, up to 6 decimals) → 100000 micro-dollars. */
export function usdToMicros(usd: string | number): bigint {
  const s = typeof usd === "number" ? usd.toFixed(6) : usd.trim();
  const m = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new Error(`not a non-negative USD amount: ${s}`);
  const frac = (m[2] ?? "").padEnd(6, "0");
  if (/[1-9]/.test(frac.slice(6))) throw new Error(`more than 6 decimals: ${s}`);
  return BigInt(m[1]!) * 1_000_000n + BigInt(frac.slice(0, 6));
}

/** 300n → "0.000300". */
export function microsToUsd(micros: bigint): string {
  const whole = micros / 1_000_000n;
  const frac = (micros % 1_000_000n).toString().padStart(6, "0");
  return `${whole}.${frac}`;
}

export interface Prices {
  /** USD per 1M input tokens, per 1M output tokens (switchboard.prices). */
  input: string;
  output: string;
}

/** Cost of `input` and `output` tokens, rounded up to the micro-dollar. */
export function costMicros(input: number, output: number, prices: Prices): bigint {
  const picoish = BigInt(input) * usdToMicros(prices.input) +
    BigInt(output) * usdToMicros(prices.output);
  return (picoish + 999_999n) / 1_000_000n;
}

/** The most a plan can cost: each request at its input estimate and its full output cap. */
export function estimateMicros(plan: SummaryPlan, maxOutputTokens: number, prices: Prices): bigint {
  const input = plan.inputTokens.reduce((a, b) => a + b, 0);
  return costMicros(input, plan.requests * maxOutputTokens, prices);
}
