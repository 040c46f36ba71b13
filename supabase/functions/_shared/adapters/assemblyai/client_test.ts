import assert from "node:assert/strict";
import { UpstreamError } from "../../platform/errors.ts";
import { createLogger } from "../../platform/log.ts";
import { classifyFailure } from "../../platform/stage_worker.ts";
import {
  createAssemblyAIClient,
  submitBody,
  type SubmitRequest,
  transcriptErrorIsPermanent,
} from "./client.ts";

type Recorded = {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
};
const recorded: Record<string, Recorded> = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/responses.json", import.meta.url)),
);

function clientAnswering(name: string | Error, seen: Request[] = []) {
  return createAssemblyAIClient({
    baseUrl: "https://api.assemblyai.test/",
    apiKey: "key-123",
    now: () => 0,
    log: createLogger({}, { write: () => {} }),
    fetch: (input, init) => {
      seen.push(new Request(input, init));
      if (name instanceof Error) return Promise.reject(name);
      const r = recorded[name]!;
      return Promise.resolve(
        new Response(r.text ?? JSON.stringify(r.body), {
          status: r.status,
          headers: r.headers ?? {},
        }),
      );
    },
  });
}

const REQ: SubmitRequest = {
  audioUrl: "https://x.example/signed",
  speechModels: ["universal-3-5-pro", "universal-2"],
  webhookUrl: "https://ref.supabase.co/functions/v1/assemblyai-webhook?call_id=1",
  webhookAuthHeaderName: "x-switchboard-callback-token",
  webhookAuthHeaderValue: "s3cret",
  languageCode: null,
  speakersExpected: null,
};

async function failure(name: string | Error, op: "submit" | "get" = "get") {
  const client = clientAnswering(name);
  try {
    if (op === "submit") await client.submit(REQ);
    else await client.get("t-1");
  } catch (e) {
    assert.ok(e instanceof UpstreamError, String(e));
    return e;
  }
  throw new Error("expected a failure");
}

Deno.test("assemblyai: submit sends speech_models (never speech_model), labels, webhook auth; raw key", async () => {
  const seen: Request[] = [];
  const t = await clientAnswering("submitted", seen).submit(REQ);
  assert.equal(t.status, "processing");
  const req = seen[0]!;
  assert.equal(req.url, "https://api.assemblyai.test/v2/transcript");
  assert.equal(req.headers.get("authorization"), "key-123");
  const body = await req.json();
  assert.deepEqual(body, {
    audio_url: REQ.audioUrl,
    speech_models: ["universal-3-5-pro", "universal-2"],
    speaker_labels: true,
    webhook_url: REQ.webhookUrl,
    webhook_auth_header_name: "x-switchboard-callback-token",
    webhook_auth_header_value: "s3cret",
  });
  assert.equal("speech_model" in body, false);
  assert.deepEqual(
    submitBody({ ...REQ, languageCode: "es", speakersExpected: 2 }).language_code,
    "es",
  );
});

Deno.test("assemblyai: a completed transcript parses (utterances in ms, duration in s)", async () => {
  const t = await clientAnswering("completed").get("6f1b2c3d-aaaa-4bbb-8ccc-123456789abc");
  assert.equal(t.status, "completed");
  assert.equal(t.audio_duration, 13);
  assert.equal(t.speech_model_used, "universal-3-5-pro");
  assert.equal(t.utterances?.[1]?.start, 2500);
});

Deno.test("assemblyai: 429 and 5xx are retryable with Retry-After; 401/400 are permanent with the vendor's words", async () => {
  const rl = await failure("rate_limited");
  assert.equal(rl.retryable, true);
  assert.equal(rl.retryAfterMs, 7_000);
  assert.equal(classifyFailure(rl).retryAfterSeconds, 7);
  assert.equal(classifyFailure(rl).code, "assemblyai_429");

  for (const name of ["unavailable", "html_gateway_error"]) {
    const e = await failure(name);
    assert.equal(e.retryable, true, name);
  }
  assert.match((await failure("html_gateway_error")).message, /^AssemblyAI answered 502: <html>/);

  const auth = await failure("unauthorized", "submit");
  assert.equal(auth.retryable, false);
  assert.equal(auth.upstreamStatus, 401);
  assert.match(auth.message, /401 \(check ASSEMBLYAI_API_KEY\): Authentication error/);
  assert.doesNotMatch(auth.message, /key-123|s3cret/);

  const model = await failure("bad_model", "submit");
  assert.equal(model.retryable, false);
  assert.match(model.message, /speech_models must be one of/);
  assert.equal((await failure("not_found")).retryable, false);
});

Deno.test("assemblyai: network errors and timeouts are retryable; a non-transcript body is a contract error", async () => {
  assert.equal((await failure(new TypeError("connection refused"))).kind, "network");
  assert.equal((await failure(new TypeError("x"))).retryable, true);
  const timeout = await failure(new DOMException("t", "TimeoutError"));
  assert.equal(timeout.kind, "timeout");
  assert.equal(timeout.retryable, true);
  await assert.rejects(
    clientAnswering("submitted").get("../etc"),
    /Not an AssemblyAI transcript id/,
  );
});

Deno.test("assemblyai: unreadable audio is a permanent job error, a failed download is not", () => {
  const err = (n: string) => (recorded[n]!.body as { error: string }).error;
  assert.equal(transcriptErrorIsPermanent(err("error_no_audio")), true);
  assert.equal(transcriptErrorIsPermanent(err("error_no_speech")), true);
  assert.equal(transcriptErrorIsPermanent(err("error_download")), false);
  assert.equal(transcriptErrorIsPermanent("Internal server error"), false);
  assert.equal(transcriptErrorIsPermanent(null), false);
});
