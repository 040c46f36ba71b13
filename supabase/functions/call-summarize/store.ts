/**
 * The call_summarize stage's SQL (supabase/migrations/20261129002400_call_summarize.sql), one
 * statement per step, behind a port the handler's tests can fake.
 */
import { z } from "zod";
import type { Sql } from "../_shared/platform/db.ts";

const Inputs = z.object({
  settings: z.object({
    model: z.string().min(1),
    categories: z.array(z.string()),
    reasoning_effort: z.string().nullable(),
    max_output_tokens: z.number().int().positive(),
    context_budget_tokens: z.number().int().positive(),
    chars_per_token: z.number().positive(),
  }),
  prompts: z.object({ summary: z.string().nullable(), combine: z.string().nullable() }),
  prices: z.object({ input: z.string().nullable(), output: z.string().nullable() }).nullable(),
  transcript: z.object({
    status: z.string(),
    utterances: z.unknown(),
    error: z.string().nullable(),
  }).nullable(),
  done_in_this_visit: z.boolean(),
});
export type SummaryInputs = z.infer<typeof Inputs>;

export type Reservation =
  | { ok: true; reservationId: number }
  | { ok: false; reason: string; resumeAtMs: number };

export interface SummaryRecord {
  callId: number;
  reservationId: number;
  model: string;
  promptSha256: string;
  summary: Record<string, unknown>;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  requests: number;
  nowMs: number;
}

export interface SummaryStore {
  inputs(callId: number): Promise<SummaryInputs>;
  reserve(callId: number, estimateUsd: string, nowMs: number): Promise<Reservation>;
  /** Stores the summary and settles its reservation (one transaction). */
  record(r: SummaryRecord): Promise<void>;
  notPossible(callId: number, reason: string): Promise<void>;
  settle(
    reservationId: number,
    actualUsd: string,
    units: Record<string, unknown>,
    nowMs: number,
  ): Promise<void>;
  release(reservationId: number, nowMs: number): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function sqlSummaryStore(sql: Sql): SummaryStore {
  return {
    async inputs(callId) {
      const [row] = await sql<{ inputs: unknown }[]>`
        select switchboard.summary_inputs(${callId}::bigint) as inputs`;
      return Inputs.parse(row?.inputs);
    },
    async reserve(callId, estimateUsd, nowMs) {
      const [row] = await sql<
        { r: { ok: boolean; reservation_id?: number; reason?: string; resume_at?: string } }[]
      >`
        select switchboard.reserve_summary_spend(${callId}::bigint, ${estimateUsd}::numeric,
          ${iso(nowMs)}::timestamptz) as r`;
      const r = row!.r;
      if (r.ok) return { ok: true, reservationId: Number(r.reservation_id) };
      return {
        ok: false,
        reason: r.reason ?? "daily_budget",
        resumeAtMs: Date.parse(r.resume_at ?? ""),
      };
    },
    async record(r) {
      await sql`
        select switchboard.record_call_summary(${r.callId}::bigint, ${r.reservationId}::bigint,
          ${r.model}, ${r.promptSha256}, ${
        sql.json(r.summary as never)
      }::jsonb, ${r.inputTokens}::integer,
          ${r.outputTokens}::integer, ${r.costUsd}::numeric, ${r.requests}::integer,
          ${iso(r.nowMs)}::timestamptz)`;
    },
    async notPossible(callId, reason) {
      await sql`select switchboard.record_summary_not_possible(${callId}::bigint, ${reason})`;
    },
    async settle(reservationId, actualUsd, units, nowMs) {
      await sql`
        select switchboard.settle_spend(${reservationId}::bigint, ${actualUsd}::numeric,
          ${sql.json(units as never)}::jsonb, ${iso(nowMs)}::timestamptz)`;
    },
    async release(reservationId, nowMs) {
      await sql`select switchboard.release_spend(${reservationId}::bigint, ${
        iso(nowMs)
      }::timestamptz)`;
    },
  };
}
