/**
 * Per-stage throughput of the call pipeline with the sandbox at zero latency (issue 9): each call
 * stage — call_enrich, call_store_recording (small recordings), call_transcribe (submission, the
 * AssemblyAI completion webhook, and the stage completing), call_summarize, call_publish — driven
 * by its real handler and the real engine (drainStage over sqlEngineStore, in-process workers, as
 * tests/pipeline/ does) against in-process vendor fakes.
 *
 * For each worker count (1, 2, 4 workers per stage; max_workers set to match) N fresh calls are
 * seeded in the sandbox's OpenPhone and merged as a ringing webhook leaves them; then one stage
 * at a time drains the whole backlog (the next stage's queue holds the calls until its turn), so
 * each figure is that stage's own throughput:
 *
 *   items_per_s          N / (first claim → last call out of the stage)
 *   handler_ms p50/p95   one handler call (client-timed around the real handler)
 *   stage_ms p50/p95     per call, first claim → last finish in the stage (call_transcribe:
 *                        submit → webhook → completion)
 *   requests_per_call    vendor requests per call (the sandbox's request log)
 *   saturates_at         the smallest worker count after which one more step gains < 15 %
 *
 * Zero latency: AssemblyAI processes in 0 ms (ticks every 10 ms), no injected latency anywhere.
 * Three vendor limits are lifted so the stages' own cost is measured (documented in the
 * JSON): OpenPhone's 10 requests/s (call_enrich's production ceiling is 10 / its requests per
 * call; the result states it), OpenAI's tier-1 500 RPM / 200k TPM (a 200-call burst otherwise
 * turns into 429 retries; the ceiling from the tokens per call is stated), and Notion's 180/min (bench/notion_publish.ts and
 * bench/pipeline_e2e.ts measure the budget). The stages are the bench's own while it runs
 * (tests/support/pipeline.ts isolatePipeline: the platform's stage functions get no wake-ups);
 * the call policy's daily caps are raised for the run and restored.
 *
 * `deno task bench call_stages [--quick]` (N = 200, --quick 40).
 */
import postgres from "postgres";
import { createClient } from "@supabase/supabase-js";
import { SERVICE_ROLE_KEY } from "../local/config.ts";
import { createAssemblyAI, DEFAULT_API_KEY as AAI_KEY } from "../sandbox/assemblyai/mod.ts";
import { createOpenAI, SANDBOX_OPENAI_KEY } from "../sandbox/openai/mod.ts";
import { createOpenPhone } from "../sandbox/openphone/mod.ts";
import { startSandbox } from "../sandbox/server.ts";
import { createOpenAIAdapter } from "../supabase/functions/_shared/adapters/openai/client.ts";
import { createOpenPhoneClient } from "../supabase/functions/_shared/adapters/openphone/client.ts";
import { sqlEngineStore } from "../supabase/functions/_shared/platform/engine_store.ts";
import { postgresBudget } from "../supabase/functions/_shared/platform/rate_budget.ts";
import {
  drainStage,
  type StageHandler,
} from "../supabase/functions/_shared/platform/stage_worker.ts";
import { createWebhookHandler } from "../supabase/functions/assemblyai-webhook/handler.ts";
import { createEnrichHandler } from "../supabase/functions/call-enrich/enrich.ts";
import { createEnrichStore } from "../supabase/functions/call-enrich/store.ts";
import { buildHandler as storeRecordingHandler } from "../supabase/functions/call-store-recording/wiring.ts";
import { loadTranscribeEnv } from "../supabase/functions/call-transcribe/config.ts";
import { createTranscribeStore } from "../supabase/functions/call-transcribe/store.ts";
import { assemblyAIFor, transcribeHandler } from "../supabase/functions/call-transcribe/wiring.ts";
import { sqlSummaryStore } from "../supabase/functions/call-summarize/store.ts";
import { summarizeCall } from "../supabase/functions/call-summarize/summarize.ts";
import { publishCall } from "../supabase/functions/notion-publish/calls/publish.ts";
import { harness, quietLog, seedContacts } from "../tests/support/notion_publish_calls.ts";
import { isolatePipeline } from "../tests/support/pipeline.ts";

export const CALL_STAGES = [
  "call_enrich",
  "call_store_recording",
  "call_transcribe",
  "call_summarize",
  "call_publish",
] as const;
type CallStage = typeof CALL_STAGES[number];

export interface StageRun {
  workers: number;
  items: number;
  seconds: number;
  items_per_s: number;
  handler_ms: { p50: number; p95: number; max: number };
  stage_ms: { p50: number; p95: number };
  attempts_per_item: number;
  requests_per_call: Record<string, number>;
  done: number;
  failed: number;
  timed_out: boolean;
}

export interface CallStagesResult {
  benchmark: "call_stages";
  items_per_stage: number;
  workers: number[];
  note: string;
  load_average: { before: number[]; after: number[] };
  stages: Record<CallStage, {
    runs: StageRun[];
    best_items_per_s: number;
    saturates_at_workers: number;
  }>;
  /** call_enrich's ceiling in production: OpenPhone's 10 requests/s over its requests per call. */
  enrich_ceiling_at_openphone_limit_per_s: number | null;
  /** call_summarize's ceiling on an OpenAI tier-1 key: min(500 RPM, 200k TPM / tokens per call). */
  summarize_ceiling_at_openai_tier1_per_s: number | null;
  summarize_tokens_per_call: number | null;
  all_published: boolean;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stderr = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
const loadavg = () => Deno.loadavg().map((x) => r2(x));

const OUR = "+14155550100";
const STAGE_TIMEOUT_MS = 180_000;

export async function run(
  platform: { dbUrl: string; gatewayUrl: string },
  opts: { quick?: boolean; items?: number; workers?: number[] } = {},
): Promise<CallStagesResult> {
  const n = opts.items ?? (opts.quick ? 40 : 200);
  const workerCounts = opts.workers ?? [1, 2, 4];
  const before = loadavg();
  const isolated = await isolatePipeline({ dbUrl: platform.dbUrl, stages: CALL_STAGES });
  const sql = postgres(platform.dbUrl, { max: 20, onnotice: () => {} });
  const db = sql as never;
  const log = quietLog();
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  const pn = `PNbench${tag}`;
  const apiKey = `op_bench_${tag}`;
  const sb = startSandbox({
    vendors: [
      createOpenPhone(),
      createAssemblyAI({ processing: { baseMs: 0, perAudioSecondMs: 0 }, autoTickMs: 10 }),
      // Lifted like OpenPhone's: tier-1 limits (500 RPM, 200k TPM) throttle a 200-call burst
      // into 429 retries; the ceiling they set is computed from the tokens per call below.
      createOpenAI({ rpm: 1_000_000, tpm: 1_000_000_000 }),
    ],
    port: 0,
  });
  const h = await harness(sql);
  const [policy] = await sql<{ daily_max_calls: number; daily_budget_usd: string }[]>`
    select daily_max_calls, daily_budget_usd::text from switchboard.call_policy`;
  const [savedStages] = await sql<{ s: unknown }[]>`
    select jsonb_agg(jsonb_build_object('name', name, 'max_workers', max_workers)) as s
    from switchboard.stages where name = any(${[...CALL_STAGES]}::text[])`;
  // AssemblyAI's completion webhook, served in process by the real handler.
  const transcribeEnv = (base: string) =>
    loadTranscribeEnv({
      SUPABASE_URL: platform.gatewayUrl,
      SUPABASE_DB_URL: platform.dbUrl,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
      ASSEMBLYAI_API_KEY: AAI_KEY,
      ASSEMBLYAI_API_BASE_URL: `${sb.url}/assemblyai`,
      ASSEMBLYAI_WEBHOOK_BASE_URL: base,
      LOG_LEVEL: "error",
    }).config!;
  let webhookHandler: ((req: Request) => Promise<Response>) | null = null;
  const hook = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => webhookHandler ? webhookHandler(req) : new Response("not ready", { status: 503 }),
  );
  const hookUrl = `http://127.0.0.1:${hook.addr.port}`;
  const tcfg = transcribeEnv(hookUrl);
  webhookHandler = createWebhookHandler({
    store: createTranscribeStore(db),
    assemblyai: assemblyAIFor(tcfg, log),
    log,
    background: (work) => void work.catch(() => {}),
  });
  try {
    await sql`update switchboard.call_policy set daily_max_calls = 1000000, daily_budget_usd = 1000000`;
    const storage = createClient(platform.gatewayUrl, SERVICE_ROLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    await storage.storage.createBucket("recordings", { public: false }).catch(() => {});
    const contacts = Array.from({ length: 10 }, (_, i) => ({
      name: `Client ${i}`,
      phone: `+1415555${String(2000 + i)}`,
    }));
    await seedContacts(sql, h, contacts);
    const seed = async (body: unknown) => {
      const res = await fetch(`${sb.url}/_control/seed`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`sandbox seed: ${res.status} ${await res.text()}`);
    };
    await seed({
      openphone: {
        apiKeys: [apiKey],
        // Lifted (see the header): the stage's own cost, not OpenPhone's 10 requests/s.
        workspace: { plan: "business", rateLimit: { perSecond: 10_000, burst: 10_000 } },
        users: [{ id: "USbenchDana", email: "dana@bench.example", firstName: "Dana" }],
        phoneNumbers: [{ id: pn, number: OUR, users: ["USbenchDana"] }],
      },
    });
    const handlers: Record<CallStage, { run: StageHandler; concurrency?: number }> = {
      call_enrich: {
        run: createEnrichHandler({
          client: createOpenPhoneClient({
            baseUrl: `${sb.url}/openphone`,
            apiKey,
            fetch,
            now: Date.now,
            sleep,
            budget: postgresBudget(db, `bench-openphone:${tag}`, 10_000, 10_000),
          }),
          store: createEnrichStore(db),
          now: Date.now,
          log,
        }),
      },
      call_store_recording: {
        run: storeRecordingHandler({ sql: db, log }, {
          SUPABASE_URL: platform.gatewayUrl,
          SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
          OPENPHONE_API_KEY: apiKey,
          OPENPHONE_API_BASE_URL: `${sb.url}/openphone`,
          OPENPHONE_RATE_LIMIT_PER_SECOND: "10",
        }),
        concurrency: 2, // as call-store-recording/index.ts
      },
      call_transcribe: { run: transcribeHandler(tcfg, db, log) },
      call_summarize: {
        run: summarizeCall({
          store: sqlSummaryStore(db),
          openai: createOpenAIAdapter({
            apiKey: SANDBOX_OPENAI_KEY,
            baseURL: `${sb.url}/openai/v1`,
            timeoutMs: 30_000,
            fetch,
            now: Date.now,
            log,
          }),
        }),
      },
      call_publish: { run: publishCall(h.deps()) },
    };
    const stages = Object.fromEntries(CALL_STAGES.map((s) => [s, [] as StageRun[]])) as Record<
      CallStage,
      StageRun[]
    >;
    let allPublished = true;
    const allIds: number[] = [];
    for (const workers of workerCounts) {
      await sql`update switchboard.stages set max_workers = ${workers}
        where name = any(${[...CALL_STAGES]}::text[])`;
      const ids = await seedCalls(sql, seed, pn, tag, workers, n, contacts.map((c) => c.phone));
      allIds.push(...ids);
      for (const stage of CALL_STAGES) {
        const r = await driveStage(sql, sb.url, h.url, stage, handlers[stage], workers, ids);
        stages[stage].push(r);
        stderr(
          `call_stages ${stage} workers=${workers}: ${r.items_per_s} items/s, handler p50 ${r.handler_ms.p50} ms` +
            (r.timed_out ? " (TIMED OUT)" : ""),
        );
      }
      const [pub] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.work_items
        where subject_kind = 'call' and subject_id = any(${ids}::bigint[]) and status = 'done'`;
      if (pub!.n !== n) allPublished = false;
    }
    const out = {} as CallStagesResult["stages"];
    for (const stage of CALL_STAGES) {
      const runs = stages[stage];
      let sat = runs[runs.length - 1]?.workers ?? 1;
      for (let i = 0; i + 1 < runs.length; i++) {
        if (runs[i + 1]!.items_per_s < runs[i]!.items_per_s * 1.15) {
          sat = runs[i]!.workers;
          break;
        }
      }
      out[stage] = {
        runs,
        best_items_per_s: Math.max(...runs.map((r) => r.items_per_s)),
        saturates_at_workers: sat,
      };
    }
    const enrichReq = stages.call_enrich[0]?.requests_per_call.openphone ?? 0;
    const [tokens] = await sql<{ t: number | null }[]>`
      select avg(input_tokens + output_tokens)::float8 as t from switchboard.call_summaries
      where call_id = any(${allIds}::bigint[])`;
    const perCall = tokens?.t ?? null;
    return {
      benchmark: "call_stages",
      items_per_stage: n,
      workers: workerCounts,
      note: "one stage at a time over a backlog of N calls; in-process workers (drainStage + " +
        "sqlEngineStore) with the real handlers; sandbox at zero latency (AssemblyAI 0 ms " +
        "processing); OpenPhone's 10 req/s, OpenAI's tier-1 500 RPM/200k TPM and Notion's " +
        "180/min lifted (see bench header; the *_ceiling_* figures give what they allow); " +
        "saturates_at_workers: the smallest worker count after which one more step gains < 15 %",
      load_average: { before, after: loadavg() },
      stages: out,
      enrich_ceiling_at_openphone_limit_per_s: enrichReq > 0 ? r1(10 / enrichReq) : null,
      summarize_ceiling_at_openai_tier1_per_s: perCall
        ? r2(Math.min(500 / 60, 200_000 / 60 / perCall))
        : null,
      summarize_tokens_per_call: perCall ? Math.round(perCall) : null,
      all_published: allPublished,
    };
  } finally {
    await sql`update switchboard.call_policy set daily_max_calls = ${policy!.daily_max_calls},
      daily_budget_usd = ${policy!.daily_budget_usd}::numeric`.catch(() => {});
    for (const s of (savedStages?.s ?? []) as { name: string; max_workers: number }[]) {
      await sql`update switchboard.stages set max_workers = ${s.max_workers} where name = ${s.name}`
        .catch(() => {});
    }
    await sql`delete from switchboard.stages where name = ${h.stage}`.catch(() => {});
    await sql`select pgmq.drop_queue(${h.stage + "_jobs"})`.catch(() => {});
    await h.close();
    await hook.shutdown();
    await sb.close();
    await sql.end();
    await isolated.restore();
  }
}

/** N calls in OpenPhone (completed, a 25 s recording) and merged as a ringing webhook leaves them. */
async function seedCalls(
  sql: postgres.Sql,
  seed: (body: unknown) => Promise<void>,
  pn: string,
  tag: string,
  round: number,
  n: number,
  phones: string[],
): Promise<number[]> {
  const now = Date.now();
  const calls = Array.from({ length: n }, (_, i) => {
    const started = new Date(now - 15 * 60_000 + i * 1000).toISOString();
    return {
      id: `ACb${tag}${round}x${String(i).padStart(5, "0")}`,
      phoneNumberId: pn,
      participant: phones[i % phones.length],
      direction: "incoming",
      status: "completed",
      createdAt: started,
      answeredAt: new Date(Date.parse(started) + 3000).toISOString(),
      completedAt: new Date(Date.parse(started) + 60_000).toISOString(),
      duration: 60,
      userId: "USbenchDana",
      recordings: [{ status: "completed", duration: 25 }],
    };
  });
  await seed({ openphone: { calls } });
  for (const c of calls) {
    await sql`select switchboard.merge_call('openphone', ${
      sql.json({
        external_id: c.id,
        phone_number_id: pn,
        direction: "incoming",
        provider_status: "ringing",
        participants: [c.participant!],
        started_at: c.createdAt,
      })
    }, ${c.createdAt}::timestamptz)`;
  }
  const rows = await sql<{ id: string }[]>`
    select id::text from switchboard.calls where external_id = any(${
    calls.map((c) => c.id)
  }::text[])`;
  return rows.map((r) => Number(r.id));
}

async function requestLog(url: string): Promise<{ seq: number; vendor: string }[]> {
  const res = await fetch(`${url}/_control/requests`);
  const body = await res.json() as unknown;
  return (Array.isArray(body) ? body : (body as { requests?: unknown[] }).requests ?? []) as {
    seq: number;
    vendor: string;
  }[];
}

/** Drains one stage with `workers` in-process workers until none of `ids` is left in it. */
async function driveStage(
  sql: postgres.Sql,
  sandboxUrl: string,
  notionUrl: string,
  stage: CallStage,
  handler: { run: StageHandler; concurrency?: number },
  workers: number,
  ids: number[],
): Promise<StageRun> {
  const logs = [sandboxUrl, notionUrl];
  const seqBefore = await Promise.all(
    logs.map(async (u) => Math.max(0, ...(await requestLog(u)).map((e) => e.seq))),
  );
  const handlerMs: number[] = [];
  const timed: StageHandler = async (item, ctx) => {
    const t = performance.now();
    try {
      return await handler.run(item, ctx);
    } finally {
      handlerMs.push(performance.now() - t);
    }
  };
  const store = sqlEngineStore(sql as never);
  const log = quietLog();
  let stop = false;
  let round = 0;
  const t0 = performance.now();
  const worker = async (k: number) => {
    while (!stop) {
      const r = await drainStage({
        stage,
        handler: timed,
        store,
        log,
        now: Date.now,
        budgetMs: 60_000,
        workerId: `bench-${stage}-${k}-${round++}`,
        ...(handler.concurrency ? { concurrency: handler.concurrency } : {}),
      }).catch(() => null);
      if (!r || r.completed + r.retried + r.deferred + r.dead === 0) await sleep(10);
    }
  };
  const running = Array.from({ length: workers }, (_, k) => worker(k));
  let timedOut = false;
  while (true) {
    const [left] = await sql<{ n: number }[]>`
      select count(*)::int as n from switchboard.work_items
      where subject_kind = 'call' and subject_id = any(${ids}::bigint[])
        and stage = ${stage} and status in ('pending', 'running')`;
    if (left!.n === 0) break;
    if (performance.now() - t0 > STAGE_TIMEOUT_MS) {
      timedOut = true;
      break;
    }
    await sleep(10);
  }
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(running);
  const spans = await sql<{ span_ms: number; attempts: number }[]>`
    select extract(epoch from max(a.finished_at) - min(a.started_at)) * 1000 as span_ms,
           count(*)::int as attempts
    from switchboard.stage_attempts a join switchboard.work_items w on w.id = a.item_id
    where a.stage = ${stage} and w.subject_kind = 'call' and w.subject_id = any(${ids}::bigint[])
    group by w.id`;
  const [states] = await sql<{ done: number; failed: number }[]>`
    select count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status <> 'failed' and (stage <> ${stage} or status = 'done'))::int as done
    from switchboard.work_items where subject_kind = 'call' and subject_id = any(${ids}::bigint[])`;
  const requests: Record<string, number> = {};
  for (const [i, u] of logs.entries()) {
    for (const e of await requestLog(u)) {
      if (e.seq > seqBefore[i]!) requests[e.vendor] = (requests[e.vendor] ?? 0) + 1;
    }
  }
  const spanMs = spans.map((s) => Number(s.span_ms));
  return {
    workers,
    items: ids.length,
    seconds: r2(seconds),
    items_per_s: r1(ids.length / seconds),
    handler_ms: {
      p50: r1(pct(handlerMs, 50)),
      p95: r1(pct(handlerMs, 95)),
      max: r1(pct(handlerMs, 100)),
    },
    stage_ms: { p50: r1(pct(spanMs, 50)), p95: r1(pct(spanMs, 95)) },
    attempts_per_item: r2(spans.reduce((a, s) => a + s.attempts, 0) / Math.max(1, ids.length)),
    requests_per_call: Object.fromEntries(
      Object.entries(requests).map(([v, c]) => [v, r2(c / ids.length)]),
    ),
    done: states!.done,
    failed: states!.failed,
    timed_out: timedOut,
  };
}

if (import.meta.main) {
  const dbUrl = Deno.env.get("SWITCHBOARD_TEST_DB_URL");
  const gatewayUrl = Deno.env.get("SWITCHBOARD_TEST_GATEWAY_URL");
  if (!dbUrl || !gatewayUrl) throw new Error("run: deno task bench call_stages [--quick]");
  const result = await run({ dbUrl, gatewayUrl }, { quick: Deno.args.includes("--quick") });
  // deno-lint-ignore no-console
  console.log(JSON.stringify(result, null, 2));
}
