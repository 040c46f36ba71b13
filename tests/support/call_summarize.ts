/**
 * What the call_summarize integration tests share: the sandbox's OpenAI fake, calls placed in
 * the call_summarize stage with a transcript, in-process stage workers (the real drainStage,
 * sqlEngineStore and handler) and `exclusively`, so that the tests that drain this stage, or
 * change its settings, never run at the same time, and have the pipeline stages to themselves.
 *
 * The throwaway gateway's call-summarize function has no OPENAI_API_KEY: it answers wake-ups
 * with 503 and takes no work, so the only workers on the stage are the tests' own. Calls other
 * tests left in the stage (call_transcribe's, with transcripts) are hidden while a test runs
 * (isolatePipeline): a drain would otherwise summarise them too, on the test's budget day.
 */
import type postgres from "postgres";
import { createOpenAI, SANDBOX_OPENAI_KEY } from "../../sandbox/openai/mod.ts";
import { type RunningSandbox, startSandbox } from "../../sandbox/server.ts";
import {
  createOpenAIAdapter,
  type OpenAIPort,
} from "../../supabase/functions/_shared/adapters/openai/client.ts";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { createLogger, type Logger } from "../../supabase/functions/_shared/platform/log.ts";
import {
  type DrainReport,
  drainStage,
  type StageHandler,
} from "../../supabase/functions/_shared/platform/stage_worker.ts";
import type { Utterance } from "../../supabase/functions/_shared/domain/summary/prompt.ts";
import { sqlSummaryStore } from "../../supabase/functions/call-summarize/store.ts";
import { summarizeCall } from "../../supabase/functions/call-summarize/summarize.ts";
import { withPipeline } from "./pipeline.ts";

export const STAGE = "call_summarize";

export function quietLog(): Logger {
  return createLogger({ test: "call_summarize" }, {
    level: "error",
    write: (line) => {
      // deno-lint-ignore no-console
      console.error(line);
    },
  });
}

export interface OpenAISandbox {
  sb: RunningSandbox;
  baseURL: string;
  control(path: string, body?: unknown, method?: string): Promise<unknown>;
  adapter(key?: string): OpenAIPort;
}

export function openAISandbox(): OpenAISandbox {
  const sb = startSandbox({ vendors: [createOpenAI()], port: 0 });
  const baseURL = `${sb.url}/openai/v1`;
  return {
    sb,
    baseURL,
    async control(path, body, method = "POST") {
      const res = await fetch(`${sb.url}/_control${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    adapter: (key = SANDBOX_OPENAI_KEY) =>
      createOpenAIAdapter({ apiKey: key, baseURL, fetch, now: Date.now, log: quietLog() }),
  };
}

export const CONVERSATION = [
  ["Dana", "Hi, thanks for calling Acme Plumbing, how can I help you today?"],
  ["Sam", "I wanted to follow up on the quote you sent last week for the water heater."],
  ["Dana", "Sure, let me pull that up for you."],
  ["Sam", "Can we move the installation to next Tuesday morning?"],
  ["Dana", "Tuesday works. I will send a confirmation email this afternoon."],
  ["Sam", "Please also include the updated invoice for the water heater."],
  ["Dana", "Of course. Is there anything else I can help with?"],
  ["Sam", "No, that covers it. Thanks for your help, this was great."],
] as const;

export function utterances(
  lines: readonly (readonly [string, string])[] = CONVERSATION,
): Utterance[] {
  return lines.map(([name, text], i) => ({
    speaker: name === "Dana" ? "A" : "B",
    speaker_name: name,
    start_ms: i * 4000,
    end_ms: i * 4000 + 3500,
    text,
  }));
}

/**
 * A call waiting in call_summarize, with a completed transcript (or none): inserted, given its
 * transcript and sent to the stage in one transaction (the insert starts it in call_enrich;
 * send_back moves it before any enrich worker can claim it).
 */
export async function callInSummarize(
  sql: postgres.Sql,
  transcript: unknown[] | null,
  label = "t",
): Promise<number> {
  return await sql.begin(async (tx) => {
    const ext = `ACsum${label}${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const [call] = await tx<{ id: string }[]>`
      insert into switchboard.calls (source, external_id, direction, duration_sec)
      values ('openphone', ${ext}, 'incoming', 90) returning id::text`;
    const id = Number(call!.id);
    if (transcript !== null) {
      await tx`
        insert into switchboard.call_transcripts (call_id, source, status, utterances, completed_at)
        values (${id}, 'assemblyai', 'completed', ${tx.json(transcript as never)}, now())`;
    }
    const [moved] = await tx<{ ok: boolean }[]>`
      select switchboard.send_back('call', ${id}::bigint, ${STAGE}) as ok`;
    if (!moved?.ok) throw new Error("could not place the call in call_summarize");
    return id;
  });
}

/** One in-process stage worker draining call_summarize with `handler`. */
export function drain(
  sql: postgres.Sql,
  handler: StageHandler,
  workerId: string,
  budgetMs = 60_000,
): Promise<DrainReport> {
  return drainStage({
    stage: STAGE,
    handler,
    store: sqlEngineStore(sql),
    log: quietLog(),
    now: Date.now,
    budgetMs,
    workerId,
  });
}

export function handler(sql: postgres.Sql, openai: OpenAIPort, now?: () => number): StageHandler {
  return summarizeCall({ store: sqlSummaryStore(sql), openai, ...(now ? { now } : {}) });
}

/** Makes the given calls' pending items runnable now: `seconds` of backoff pass for them only. */
export async function skipBackoff(sql: postgres.Sql, ids: number[]): Promise<void> {
  await sql`
    select pgmq.set_vt('call_summarize_jobs', w.msg_id, 0)
    from switchboard.work_items w
    where w.subject_kind = 'call' and w.subject_id = any(${ids}::bigint[]) and w.status = 'pending'
      and w.stage = ${STAGE} and w.msg_id is not null`;
  await sql`
    update switchboard.work_items w set run_after = now()
    where w.subject_kind = 'call' and w.subject_id = any(${ids}::bigint[]) and w.status = 'pending'
      and w.stage = ${STAGE}`;
}

export interface ItemRow {
  subject_id: number;
  stage: string;
  status: string;
  waiting_for: string | null;
  pipeline_status: string;
}

export async function items(sql: postgres.Sql, ids: number[]): Promise<ItemRow[]> {
  return await sql<ItemRow[]>`
    select w.subject_id::int as subject_id, w.stage, w.status, w.waiting_for, c.pipeline_status
    from switchboard.work_items w join switchboard.calls c on c.id = w.subject_id
    where w.subject_kind = 'call' and w.subject_id = any(${ids}::bigint[])
    order by w.subject_id`;
}

/**
 * Runs `fn` with the pipeline stages to itself (withPipeline: one such test at a time, the
 * gateway's stage functions not woken, items of other tests hidden), on connections of its own.
 */
export async function exclusively<T>(dbUrl: string, fn: () => Promise<T>): Promise<T> {
  return await withPipeline(fn, { dbUrl });
}
