import assert from "node:assert/strict";
import type { AssemblyAIClient } from "../_shared/adapters/assemblyai/client.ts";
import { CALLBACK_HEADER, sha256Hex } from "../_shared/adapters/assemblyai/callback.ts";
import { createLogger } from "../_shared/platform/log.ts";
import type { TranscribeStore } from "../call-transcribe/store.ts";
import { createWebhookHandler } from "./handler.ts";

const SECRET = "the-secret";

async function setup(target: { job_id: string | null; status: string } | null) {
  const calls: string[] = [];
  const work: Promise<unknown>[] = [];
  const hash = await sha256Hex(SECRET);
  const store = {
    callbackTarget: () => Promise.resolve(target && { ...target, callback_secret_sha256: hash }),
    submitted: (_c: number, job: string) => {
      calls.push(`submitted:${job}`);
      return Promise.resolve(true);
    },
    namingRow: () =>
      Promise.resolve({
        direction: "incoming",
        contact_name: "Jane",
        source_metadata: {},
        media_kind: "recording",
      }),
    complete: (_c: number, job: string, t: { utterances: unknown }) => {
      calls.push(`complete:${job}:${JSON.stringify(t.utterances)}`);
      return Promise.resolve({ stored: true, cost_usd: 0.001 });
    },
    fail: (_c: number, job: string, error: string) => {
      calls.push(`fail:${job}:${error}`);
      return Promise.resolve(true);
    },
    resume: () => {
      calls.push("resume");
      return Promise.resolve(true);
    },
  } as unknown as TranscribeStore;
  const assemblyai: AssemblyAIClient = {
    submit: () => Promise.reject(new Error("not here")),
    get: (id) =>
      id === "job-err"
        ? Promise.resolve({ id, status: "error", error: "Download error" })
        : id === "job-broken"
        ? Promise.reject(new Error("boom"))
        : Promise.resolve({
          id,
          status: "completed",
          audio_duration: 3,
          speech_model_used: "universal-2",
          utterances: [{ speaker: "A", text: "Hello?", start: 0, end: 900 }],
        }),
  };
  const handler = createWebhookHandler({
    store,
    assemblyai,
    log: createLogger({}, { write: () => {} }),
    background: (p) => void work.push(p),
  });
  const post = (
    opts: { callId?: string; secret?: string | null; body?: unknown; method?: string },
  ) =>
    handler(
      new Request(
        `https://fn.test/functions/v1/assemblyai-webhook${
          opts.callId === undefined ? "?call_id=7" : opts.callId
        }`,
        {
          method: opts.method ?? "POST",
          headers: opts.secret === null ? {} : { [CALLBACK_HEADER]: opts.secret ?? SECRET },
          ...(opts.method === "GET" ? {} : {
            body: JSON.stringify(opts.body ?? { transcript_id: "job-1", status: "completed" }),
          }),
        },
      ),
    );
  return { post, calls, settle: () => Promise.all(work) };
}

Deno.test("webhook: refuses what is not AssemblyAI's for this call, with 4xx", async () => {
  const s = await setup({ job_id: "job-1", status: "submitted" });
  assert.equal((await s.post({ method: "GET" })).status, 405);
  assert.equal((await s.post({ callId: "" })).status, 400);
  assert.equal((await s.post({ callId: "?call_id=1;drop" })).status, 400);
  assert.equal((await s.post({ secret: null })).status, 401);
  assert.equal((await s.post({ secret: "wrong" })).status, 403);
  assert.equal((await s.post({ body: { nope: 1 } })).status, 400);
  const unknown = await setup(null);
  assert.equal((await unknown.post({})).status, 403);
  assert.deepEqual([...s.calls, ...unknown.calls], []);
});

Deno.test("webhook: 200 at once, then the transcript is fetched, named, stored", async () => {
  const s = await setup({ job_id: "job-1", status: "submitted" });
  const res = await s.post({});
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "accepted");
  await s.settle();
  assert.equal(s.calls.length, 1);
  assert.match(s.calls[0]!, /^complete:job-1:.*"speaker_name":"Speaker A"/);
});

Deno.test("webhook: an errored job is recorded; a failed fetch resumes the stage instead", async () => {
  const err = await setup({ job_id: "job-err", status: "submitted" });
  await err.post({ body: { transcript_id: "job-err", status: "error" } });
  await err.settle();
  assert.deepEqual(err.calls, ["fail:job-err:Download error"]);
  const broken = await setup({ job_id: "job-broken", status: "submitted" });
  assert.equal(
    (await broken.post({ body: { transcript_id: "job-broken", status: "completed" } })).status,
    200,
  );
  await broken.settle();
  assert.deepEqual(broken.calls, ["resume"]);
});

Deno.test("webhook: another job's delivery and a repeat are acknowledged without effect; an early one records its job", async () => {
  const other = await setup({ job_id: "job-2", status: "submitted" });
  assert.equal((await (await other.post({})).json()).outcome, "not_current_job");
  const done = await setup({ job_id: "job-1", status: "completed" });
  assert.equal((await (await done.post({})).json()).outcome, "already_completed");
  assert.deepEqual([...other.calls, ...done.calls], []);
  const early = await setup({ job_id: null, status: "submitting" });
  assert.equal((await early.post({})).status, 200);
  await early.settle();
  assert.equal(early.calls[0], "submitted:job-1");
  assert.match(early.calls[1]!, /^complete:job-1/);
});
