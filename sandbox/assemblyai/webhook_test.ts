import assert from "node:assert/strict";
import {
  CALL,
  type Fake,
  MODELS,
  startAudioServer,
  startFake,
  startWebhookReceiver,
} from "./test_helpers.ts";

async function submitWithHook(fake: Fake, audioUrl: string, hookUrl: string) {
  return await fake.client.transcripts.submit({
    audio_url: audioUrl,
    speech_models: MODELS,
    webhook_url: hookUrl,
    webhook_auth_header_name: "X-Webhook-Secret",
    webhook_auth_header_value: "s3cret",
  });
}

/** Processing of CALL takes 2,250 ms on the sandbox clock. */
const DONE_MS = 2_250;

Deno.test("assemblyai: completion webhook carries {transcript_id, status} and the auth header", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver();
  const fake = startFake();
  try {
    const t = await submitWithHook(fake, audio.url("call.wav"), hook.url);
    assert.equal(t.webhook_auth, true);
    assert.equal(t.webhook_auth_header_name, "X-Webhook-Secret");
    assert.equal((t as Record<string, unknown>).webhook_auth_header_value, undefined);

    await fake.advance(DONE_MS - 1);
    assert.equal(hook.deliveries.length, 0);
    await fake.advance(1);
    assert.equal(hook.deliveries.length, 1);
    const d = hook.deliveries[0]!;
    assert.deepEqual(d.body, { transcript_id: t.id, status: "completed" });
    assert.equal(d.headers.get("x-webhook-secret"), "s3cret");
    assert.equal(d.headers.get("content-type"), "application/json");

    const done = await fake.client.transcripts.get(t.id);
    assert.equal(done.status, "completed");
    assert.equal(done.webhook_status_code, 200);
    assert.equal(done.webhook_url, hook.url); // query string kept for correlation

    await fake.advance(120_000);
    assert.equal(hook.deliveries.length, 1, "a 2xx is not retried");
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: a failing endpoint is retried every 10 s until it answers 2xx", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver([500, 503, 502]);
  const fake = startFake();
  try {
    const t = await submitWithHook(fake, audio.url("call.wav"), hook.url);
    await fake.advance(DONE_MS);
    assert.equal(hook.deliveries.length, 1);
    assert.equal((await fake.client.transcripts.get(t.id)).webhook_status_code, 500);

    await fake.advance(9_999);
    assert.equal(hook.deliveries.length, 1, "no retry before 10 s");
    await fake.advance(1);
    assert.equal(hook.deliveries.length, 2);
    assert.equal((await fake.client.transcripts.get(t.id)).webhook_status_code, 503);
    await fake.advance(10_000);
    await fake.advance(10_000);
    assert.equal(hook.deliveries.length, 4);
    assert.equal((await fake.client.transcripts.get(t.id)).webhook_status_code, 200);
    for (const d of hook.deliveries) {
      assert.deepEqual(d.body, { transcript_id: t.id, status: "completed" });
      assert.equal(d.headers.get("x-webhook-secret"), "s3cret");
    }
    await fake.advance(60_000);
    assert.equal(hook.deliveries.length, 4);
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: a 4xx from the endpoint stops the retries", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver([500, 401]);
  const fake = startFake();
  try {
    const t = await submitWithHook(fake, audio.url("call.wav"), hook.url);
    await fake.advance(DONE_MS);
    await fake.advance(10_000);
    assert.equal(hook.deliveries.length, 2);
    await fake.advance(100_000);
    assert.equal(hook.deliveries.length, 2);
    assert.equal((await fake.client.transcripts.get(t.id)).webhook_status_code, 401);
    const s = (await fake.state()).transcripts.find((x) => x.id === t.id)!;
    assert.equal(s._sandbox.webhook!.outcome, "rejected");
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: at most 10 webhook attempts in total", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver(Array(20).fill(500));
  const fake = startFake();
  try {
    const t = await submitWithHook(fake, audio.url("call.wav"), hook.url);
    await fake.advance(DONE_MS);
    for (let i = 0; i < 15; i++) await fake.advance(10_000);
    assert.equal(hook.deliveries.length, 10);
    const s = (await fake.state()).transcripts.find((x) => x.id === t.id)!;
    assert.equal(s._sandbox.webhook!.outcome, "exhausted");
    assert.equal(s._sandbox.webhook!.attempts.length, 10);
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: missed retries catch up when the clock jumps", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver([500, 500, 500]);
  const fake = startFake();
  try {
    await submitWithHook(fake, audio.url("call.wav"), hook.url);
    await fake.advance(DONE_MS + 25_000); // attempts due at +0, +10 s and +20 s
    assert.equal(hook.deliveries.length, 3);
    await fake.advance(5_000);
    assert.equal(hook.deliveries.length, 4);
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: an unreachable endpoint is retried like a 5xx", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver();
  const fake = startFake();
  const closed = startWebhookReceiver();
  await closed.close(); // a port nobody listens on any more
  try {
    const t = await submitWithHook(fake, audio.url("call.wav"), closed.url);
    await fake.advance(DONE_MS);
    await fake.advance(10_000);
    const s = (await fake.state()).transcripts.find((x) => x.id === t.id)!;
    assert.equal(s._sandbox.webhook!.attempts.length, 2);
    assert.equal(s._sandbox.webhook!.outcome, "pending");
    assert.equal((await fake.client.transcripts.get(t.id)).webhook_status_code, null);
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: a failed transcript notifies with status error", async () => {
  const audio = startAudioServer({});
  const hook = startWebhookReceiver();
  const fake = startFake();
  try {
    const t = await fake.client.transcripts.submit({
      audio_url: audio.url("missing.wav"),
      speech_models: MODELS,
      webhook_url: hook.url,
    });
    await fake.advance(2_000);
    assert.deepEqual(hook.deliveries.map((d) => d.body), [{
      transcript_id: t.id,
      status: "error",
    }]);
    assert.equal(hook.deliveries[0]!.headers.get("x-webhook-secret"), null);
    const failed = await fake.client.transcripts.get(t.id);
    assert.equal(failed.status, "error");
    assert.equal(failed.webhook_status_code, 200);
  } finally {
    await fake.close();
    await hook.close();
    await audio.close();
  }
});
