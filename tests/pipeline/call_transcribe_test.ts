/**
 * call_transcribe and assemblyai-webhook end to end: the real functions (supabase/functions/
 * call-transcribe and assemblyai-webhook, unchanged) run in a functions gateway of this test's
 * own, with Storage, configured for an AssemblyAI sandbox on a manual clock (time is an input:
 * jobs finish and webhooks fire when the test moves the clock and ticks). The sandbox downloads
 * each recording from a signed Storage URL and calls the webhook through that gateway.
 *
 * The shared test gateway runs call-transcribe without an AssemblyAI key, so it claims nothing
 * (503, "not configured"); this test wakes its own gateway's call-transcribe where pg_net would
 * (`kick`). While it runs, the pipeline stages are the test's own (isolatePipeline): items other
 * tests left in them are hidden, so its gateway's drains meet only this test's calls, and
 * nothing moves those on behind the test's back. Engine time is compressed by moving an item's
 * clocks (run_after, stage_entered_at, message visibility) instead of sleeping.
 */
import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import postgres from "postgres";
import { JWT_SECRET, PROJECT_ROOT, SECRET_KEY, SERVICE_ROLE_KEY } from "../../local/config.ts";
import { createFunctionsGateway } from "../../local/gateway/functions.ts";
import { edgeRuntimeEnv } from "../../local/gateway/launch.ts";
import { createStorageHandler } from "../../local/gateway/storage.ts";
import { freePort } from "../../local/process.ts";
import { createAssemblyAI, DEFAULT_API_KEY } from "../../sandbox/assemblyai/mod.ts";
import { type AudioSpec, audioStream } from "../../sandbox/core/audio.ts";
import { ManualClock } from "../../sandbox/core/clock.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { CALLBACK_HEADER } from "../../supabase/functions/_shared/adapters/assemblyai/callback.ts";
import { WORKER_SECRET_HEADER } from "../../supabase/functions/_shared/platform/worker_auth.ts";
import { isolatePipeline } from "../support/pipeline.ts";
import { eventually, platformAvailable, TEST_DB_URL, testDb } from "../support/platform.ts";

const BUCKET = "recordings";
const CALL_AUDIO: AudioSpec = {
  durationSec: 12,
  script: [
    { speaker: "agent", text: "Thanks for calling Acme, this is Sam.", start: 0.5, end: 3 },
    {
      speaker: "caller",
      text: "Hi Sam, is my order ready? Can I pick it up today?",
      start: 3.5,
      end: 8,
    },
    { speaker: "agent", text: "Yes, it is ready.", start: 8.5, end: 10 },
  ],
};

interface Env {
  sql: postgres.Sql;
  clock: ManualClock;
  sandboxUrl: string;
  gatewayUrl: string;
  storage: SupabaseClient;
  close: () => Promise<void>;
}

async function startEnv(): Promise<Env> {
  const sql = testDb(4);
  const clock = new ManualClock(Date.now());
  const sb = startSandbox({
    vendors: [createAssemblyAI({ autoTickMs: 0, webhook: { timeoutMs: 5_000 } })],
    clock,
  });
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const storageDir = await Deno.makeTempDir({ prefix: "transcribe-storage-" });
  const functions = await createFunctionsGateway({
    functionsDir: `${PROJECT_ROOT}/supabase/functions`,
    configTomlPath: `${PROJECT_ROOT}/supabase/config.toml`,
    denoConfigPath: `${PROJECT_ROOT}/deno.json`,
    denoPath: Deno.execPath(),
    jwtSecret: JWT_SECRET,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      ...edgeRuntimeEnv(port, TEST_DB_URL!),
      LOG_LEVEL: "warn",
      WORKER_TIME_BUDGET_SECONDS: "20",
      ASSEMBLYAI_API_KEY: DEFAULT_API_KEY,
      ASSEMBLYAI_API_BASE_URL: `${sb.url}/assemblyai`,
      ASSEMBLYAI_TIMEOUT_MS: "5000",
      RECORDINGS_BUCKET: BUCKET,
    },
    log: () => {},
  });
  const storageHandler = createStorageHandler({
    root: storageDir,
    jwtSecret: JWT_SECRET,
    secretKeys: [SECRET_KEY],
    publicUrl: url,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const { pathname } = new URL(req.url);
    const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(pathname);
    if (fn) return await functions.handle(req, fn[1]!, fn[2] ?? "");
    if (pathname.startsWith("/storage/v1/")) return await storageHandler(req);
    return new Response("not found", { status: 404 });
  });
  const storage = createClient(url, SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  await storage.storage.createBucket(BUCKET, { public: false });
  return {
    sql,
    clock,
    sandboxUrl: sb.url,
    gatewayUrl: url,
    storage,
    close: async () => {
      await functions.close();
      await server.shutdown();
      await sb.close();
      await sql.end();
      await Deno.remove(storageDir, { recursive: true }).catch(() => {});
    },
  };
}

async function control(env: Env, path: string, body?: unknown, method = "POST") {
  const res = await fetch(`${env.sandboxUrl}/_control${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, JSON.stringify(json));
  return json;
}

/** Moves the sandbox's clock and makes due work (jobs, webhooks) happen. */
async function advanceSandbox(env: Env, ms: number): Promise<void> {
  env.clock.advance(ms);
  await control(env, "/assemblyai/tick");
}

/** What pg_net would do: wake call-transcribe (on this test's gateway). */
async function kick(env: Env): Promise<void> {
  const res = await fetch(`${env.gatewayUrl}/functions/v1/call-transcribe`, {
    method: "POST",
    headers: {
      [WORKER_SECRET_HEADER]: Deno.env.get("SWITCHBOARD_TEST_WORKER_SECRET") ?? "",
      "content-type": "application/json",
    },
    body: "{}",
  });
  await res.body?.cancel();
  assert.equal(res.status, 202);
}

interface CallSpec {
  direction?: "incoming" | "outgoing";
  contactName?: string | null;
  providerTranscript?: unknown;
  audio?: AudioSpec | { bytes: Uint8Array; contentType: string };
  mediaDurationSec?: number;
}

/** A call waiting in call_transcribe, with its recording in Storage when given. */
async function createCall(env: Env, spec: CallSpec): Promise<number> {
  const ext = `AC-tr-${crypto.randomUUID()}`;
  const path = `calls/${ext}.wav`;
  if (spec.audio) {
    const body = "bytes" in spec.audio
      ? new Blob([spec.audio.bytes as BlobPart], { type: spec.audio.contentType })
      : await new Response(audioStream(spec.audio)).blob();
    const up = await env.storage.storage.from(BUCKET).upload(path, body, {
      upsert: true,
      contentType: "bytes" in spec.audio ? spec.audio.contentType : "audio/wav",
    });
    assert.equal(up.error, null);
  }
  return await env.sql.begin(async (tx) => {
    const [call] = await tx<{ id: string }[]>`
      insert into switchboard.calls (source, external_id, direction, duration_sec, contact_name,
        source_metadata, provider_transcript)
      values ('openphone', ${ext}, ${spec.direction ?? "incoming"}, 12,
        ${spec.contactName === undefined ? "Jane Doe" : spec.contactName},
        ${tx.json({ user_name: "Sam" })},
        ${spec.providerTranscript === undefined ? null : tx.json(spec.providerTranscript as never)})
      returning id::text`;
    const id = Number(call!.id);
    if (spec.audio) {
      await tx`
        insert into switchboard.call_media (call_id, kind, media_key, source, storage_path,
          content_type, duration_sec, stored_at)
        values (${id}, 'recording', ${"CR" + ext}, 'openphone', ${path}, 'audio/wav',
          ${spec.mediaDurationSec ?? 12}, now())`;
    }
    await tx`select switchboard.send_back('call', ${id}::bigint, 'call_transcribe')`;
    return id;
  });
}

interface ItemRow {
  stage: string;
  status: string;
  waiting_for: string | null;
  attempts: number;
  run_after: Date;
  msg_id: string | null;
}

async function item(env: Env, callId: number): Promise<ItemRow> {
  const [row] = await env.sql<ItemRow[]>`
    select stage, status, waiting_for, attempts, run_after, msg_id::text
    from switchboard.work_items where subject_kind = 'call' and subject_id = ${callId}`;
  return row!;
}

async function transcript(env: Env, callId: number) {
  const [row] = await env.sql<
    {
      source: string;
      status: string;
      job_id: string | null;
      utterances: { speaker: string; speaker_name: string; text: string }[] | null;
      speakers: Record<string, { name: string; source: string }> | null;
      metrics: {
        speaker_count: number;
        questions: number;
        speakers: Record<string, { talk_share: number; questions: number }>;
      } | null;
      audio_duration_sec: string | null;
      error: string | null;
    }[]
  >`select source, status, job_id, utterances, speakers, metrics, audio_duration_sec::text, error
    from switchboard.call_transcripts where call_id = ${callId}`;
  return row ?? null;
}

async function ledger(env: Env, callId: number) {
  return await env.sql<{ status: string; estimate_usd: string; actual_usd: string | null }[]>`
    select status, estimate_usd::text, actual_usd::text from switchboard.spend_ledger
    where call_id = ${callId} order by id`;
}

/** Kicks the stage until the item is in a state `done` accepts. */
async function runUntil(
  env: Env,
  callId: number,
  done: (i: ItemRow) => boolean,
  ms = 60_000,
): Promise<ItemRow> {
  return await eventually(async () => {
    const i = await item(env, callId);
    if (done(i)) return i;
    await kick(env);
    await new Promise((r) => setTimeout(r, 200));
    return null;
  }, ms);
}

/** `seconds` pass for this item only: its backoff or wait ends, its horizon moves closer. */
async function passTime(env: Env, callId: number, seconds: number): Promise<void> {
  await env.sql`
    update switchboard.work_items
    set run_after = run_after - make_interval(secs => ${seconds}),
        stage_entered_at = stage_entered_at - make_interval(secs => ${seconds})
    where subject_kind = 'call' and subject_id = ${callId} and status = 'pending'`;
  const i = await item(env, callId);
  if (i.msg_id !== null && i.run_after.getTime() <= Date.now()) {
    await env.sql`select pgmq.set_vt('call_transcribe_jobs', ${i.msg_id}::bigint, 0)`;
  }
}

const inCallTranscribe = (i: ItemRow) => i.stage === "call_transcribe";
const movedOn = (i: ItemRow) => i.stage !== "call_transcribe";

Deno.test({
  name:
    "call_transcribe: recording → AssemblyAI → webhook through the gateway → stored, settled, on to summarize",
  ignore: !platformAvailable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const env = await startEnv();
    const pipeline = await isolatePipeline();
    try {
      await t.step(
        "a call with a recording is submitted and waits for its transcript",
        async () => {
          const id = await createCall(env, { audio: CALL_AUDIO });
          await runUntil(env, id, (i) => i.waiting_for === "awaiting_transcript");
          const tr = await transcript(env, id);
          assert.equal(tr?.status, "submitted");
          assert.ok(tr?.job_id);
          const [spend] = await ledger(env, id);
          assert.equal(spend?.status, "reserved");
          // 12 s at the dearest listed model (0.21 + 0.02 speaker labels per hour).
          assert.equal(spend?.estimate_usd, "0.000767");
          const [call] = await env.sql<{ pipeline_status: string }[]>`
          select pipeline_status from switchboard.calls where id = ${id}`;
          assert.equal(call!.pipeline_status, "awaiting_transcript");

          // The job finishes; the sandbox calls the webhook, which stores, settles and resumes.
          await advanceSandbox(env, 60_000);
          const done = await eventually(async () => {
            const x = await transcript(env, id);
            return x?.status === "completed" ? x : null;
          }, 30_000);
          assert.equal(done.source, "assemblyai");
          assert.deepEqual(done.utterances?.map((u) => [u.speaker, u.speaker_name]), [
            ["A", "Sam"],
            ["B", "Jane Doe"],
            ["A", "Sam"],
          ]);
          assert.equal(
            done.utterances?.[1]?.text,
            "Hi Sam, is my order ready? Can I pick it up today?",
          );
          assert.deepEqual(done.speakers?.B, {
            name: "Jane Doe",
            source: "contact",
            role: "contact",
            basis: "first_speaker_heuristic",
          });
          assert.equal(done.metrics?.speaker_count, 2);
          assert.equal(done.metrics?.speakers.B?.questions, 2);
          assert.equal(done.audio_duration_sec, "12.000");
          const [settled] = await ledger(env, id);
          assert.equal(settled?.status, "settled");
          assert.equal(settled?.actual_usd, "0.000767");
          const [cost] = await env.sql<{ cost_usd: string }[]>`
          select cost_usd::text from switchboard.calls where id = ${id}`;
          assert.equal(cost!.cost_usd, "0.000767");

          const state = await control(env, "/state/assemblyai", undefined, "GET");
          const job = state.transcripts.find((x: { id: string }) => x.id === done.job_id);
          assert.equal(job._sandbox.webhook.attempts[0].status, 200);
          assert.equal(job.webhook_auth, true);
          assert.deepEqual(job.speech_models, ["universal-3-5-pro", "universal-2"]);

          const moved = await runUntil(env, id, movedOn);
          assert.ok(["call_summarize", "call_publish"].includes(moved.stage), moved.stage);
          const [dead] = await env.sql<{ n: number }[]>`
          select count(*)::int as n from switchboard.dead_letters where subject_id = ${id}`;
          assert.equal(dead!.n, 0);
        },
      );

      await t.step("the provider's own transcript is used as is (no cost)", async () => {
        const id = await createCall(env, {
          audio: CALL_AUDIO,
          providerTranscript: {
            status: "completed",
            duration: 9,
            dialogue: [
              {
                content: "Acme, Sam speaking.",
                start: 0.2,
                end: 1.5,
                identifier: "u",
                userId: "US1",
              },
              { content: "Hello, is it open?", start: 2, end: 3.5, identifier: "c", userId: null },
            ],
          },
        });
        await runUntil(env, id, movedOn);
        const tr = await transcript(env, id);
        assert.equal(tr?.source, "provider");
        assert.deepEqual(tr?.utterances?.map((u) => u.speaker_name), ["Sam", "Jane Doe"]);
        assert.equal(tr?.metrics?.questions, 1);
        assert.equal((await ledger(env, id)).length, 0);
      });

      await t.step("no stored recording: nothing to transcribe, on to summarize", async () => {
        const id = await createCall(env, {});
        await runUntil(env, id, movedOn);
        assert.equal(await transcript(env, id), null);
        assert.equal((await ledger(env, id)).length, 0);
      });

      await t.step(
        "a wrong or missing secret is refused; the webhook never lands → fallback lookup",
        async () => {
          const id = await createCall(env, { audio: CALL_AUDIO, direction: "outgoing" });
          await runUntil(env, id, (i) => i.waiting_for === "awaiting_transcript");
          const tr = await transcript(env, id);
          const hook = `${env.gatewayUrl}/functions/v1/assemblyai-webhook?call_id=${id}`;
          const body = JSON.stringify({ transcript_id: tr!.job_id, status: "completed" });
          const missing = await fetch(hook, { method: "POST", body });
          assert.equal(missing.status, 401);
          await missing.body?.cancel();
          const wrong = await fetch(hook, {
            method: "POST",
            body,
            headers: { [CALLBACK_HEADER]: "guess" },
          });
          assert.equal(wrong.status, 403);
          await wrong.body?.cancel();

          // The real delivery is refused too (its secret no longer matches): AssemblyAI does not
          // retry a 4xx, so the webhook never lands.
          await env.sql`update switchboard.call_transcripts set callback_secret_sha256 = ${
            "0".repeat(64)
          }
          where call_id = ${id}`;
          await advanceSandbox(env, 60_000);
          const state = await control(env, "/state/assemblyai", undefined, "GET");
          const job = state.transcripts.find((x: { id: string }) => x.id === tr!.job_id);
          assert.equal(job.status, "completed");
          assert.deepEqual(job._sandbox.webhook.attempts.map((a: { status: number }) => a.status), [
            403,
          ]);
          assert.equal((await transcript(env, id))?.status, "submitted");
          assert.equal((await item(env, id)).waiting_for, "awaiting_transcript");

          // The fallback time comes: one lookup stores it and the call moves on.
          await passTime(env, id, 15 * 60);
          await runUntil(env, id, movedOn);
          const done = await transcript(env, id);
          assert.equal(done?.status, "completed");
          // Outgoing: the contact answered first.
          assert.equal(done?.utterances?.[0]?.speaker_name, "Jane Doe");
          assert.equal((await ledger(env, id))[0]?.status, "settled");
        },
      );

      await t.step(
        "AssemblyAI answers 503, then 429, for a compressed 6-hour outage: no dead letter",
        async () => {
          await control(env, "/faults", {
            vendor: "assemblyai",
            method: "POST",
            path: "^/v2/transcript$",
            status: 503,
          });
          const id = await createCall(env, { audio: CALL_AUDIO });
          let simulated = 0;
          let switched = false;
          let attempts = 0;
          while (simulated < 6 * 3600) {
            const before = (await item(env, id)).attempts;
            await runUntil(env, id, (i) => i.attempts > before && i.status === "pending");
            const i = await item(env, id);
            attempts = i.attempts;
            assert.equal(i.stage, "call_transcribe");
            const wait = Math.max(1, Math.ceil((i.run_after.getTime() - Date.now()) / 1000));
            simulated += wait;
            if (!switched && simulated > 3 * 3600) {
              switched = true;
              await control(env, "/faults?vendor=assemblyai", undefined, "DELETE");
              await control(env, "/faults", {
                vendor: "assemblyai",
                method: "POST",
                path: "^/v2/transcript$",
                status: 429,
                retryAfter: 300,
              });
            }
            await passTime(env, id, wait);
          }
          assert.ok(attempts < 100, `attempts ${attempts}: far from the stage's max_attempts`);
          const [last] = await env.sql<{ last_error: { code?: string } | null }[]>`
          select last_error from switchboard.work_items where subject_kind = 'call' and subject_id = ${id}`;
          assert.match(JSON.stringify(last!.last_error), /assemblyai_429/);
          await control(env, "/faults?vendor=assemblyai", undefined, "DELETE");

          await runUntil(env, id, (i) => i.waiting_for === "awaiting_transcript");
          await advanceSandbox(env, 60_000);
          await eventually(
            async () => (await transcript(env, id))?.status === "completed" || null,
            30_000,
          );
          await runUntil(env, id, movedOn);
          const spend = await ledger(env, id);
          assert.deepEqual(
            spend.map((s) => s.status),
            ["settled"],
            "one reservation, reused across retries",
          );
          const [dead] = await env.sql<{ n: number }[]>`
          select count(*)::int as n from switchboard.dead_letters where subject_id = ${id} and stage = 'call_transcribe'`;
          assert.equal(dead!.n, 0);
        },
      );

      await t.step(
        "unreadable audio dead-letters with a readable reason (T29), its spend released",
        async () => {
          const id = await createCall(env, {
            audio: {
              bytes: new TextEncoder().encode("<html><body>Not found</body></html>"),
              contentType: "audio/wav",
            },
          });
          await runUntil(env, id, (i) => i.waiting_for === "awaiting_transcript");
          await advanceSandbox(env, 60_000);
          await eventually(
            async () => (await transcript(env, id))?.status === "error" || null,
            30_000,
          );
          const failed = await runUntil(env, id, (i) => i.status === "failed");
          assert.equal(failed.stage, "call_transcribe");
          const [dead] = await env.sql<{ error_message: string; retryable: boolean }[]>`
          select error_message, retryable from switchboard.dead_letters
          where subject_kind = 'call' and subject_id = ${id}`;
          assert.equal(dead!.retryable, false);
          assert.match(
            dead!.error_message,
            /^AssemblyAI cannot transcribe this recording: Transcoding failed\. File does not appear to contain audio/,
          );
          assert.equal((await ledger(env, id))[0]?.status, "released");
        },
      );

      await t.step(
        "over the budget: the call waits in budget_wait until the next budget day",
        async () => {
          const [room] = await env.sql<{ usd: string; next: Date }[]>`
          select (p.daily_budget_usd - coalesce(d.usd_committed, 0))::text as usd,
            switchboard.next_budget_day_at() as next
          from switchboard.call_policy p
          left join switchboard.spend_days d on d.day = switchboard.budget_day()`;
          // A recording whose estimate is a dollar more than what is left today.
          const hours = (Number(room!.usd) + 1) / 0.23;
          const id = await createCall(env, {
            audio: CALL_AUDIO,
            mediaDurationSec: Math.ceil(hours * 3600),
          });
          const waiting = await runUntil(env, id, (i) => i.waiting_for === "budget_wait");
          assert.equal(waiting.status, "pending");
          assert.equal(waiting.run_after.getTime(), room!.next.getTime());
          assert.equal(await transcript(env, id), null, "nothing submitted");
          assert.equal((await ledger(env, id)).length, 0);
          const [call] = await env.sql<{ pipeline_status: string }[]>`
          select pipeline_status from switchboard.calls where id = ${id}`;
          assert.equal(call!.pipeline_status, "budget_wait");
          assert.ok(inCallTranscribe(waiting));
        },
      );
    } finally {
      await pipeline.restore();
      await env.close();
    }
  },
});
