import assert from "node:assert/strict";
import { AssemblyAI } from "assemblyai";
import { startSandbox } from "../server.ts";
import { createAssemblyAI, DEFAULT_API_KEY } from "./mod.ts";
import {
  CALL,
  CALL_TEXT,
  MODELS,
  raw,
  startAudioServer,
  startFake,
  startWebhookReceiver,
} from "./test_helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("assemblyai: real-time mode finishes jobs and sends webhooks on its own", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const hook = startWebhookReceiver([500]);
  // The system clock and a short timer: what the demo runs, with the times scaled down.
  const running = startSandbox({
    vendors: [createAssemblyAI({
      autoTickMs: 5,
      processing: { baseMs: 20, perAudioSecondMs: 0 },
      webhook: { retryDelayMs: 20 },
    })],
    port: 0,
  });
  try {
    const client = new AssemblyAI({
      apiKey: DEFAULT_API_KEY,
      baseUrl: `${running.url}/assemblyai`,
    });
    const t = await client.transcripts.transcribe(
      { audio: audio.url("call.wav"), speech_models: MODELS, webhook_url: hook.url },
      { pollingInterval: 10, pollingTimeout: 2_000 },
    );
    assert.equal(t.status, "completed");
    assert.equal(t.text, CALL_TEXT);
    for (let i = 0; i < 40 && hook.deliveries.length < 2; i++) await sleep(10);
    assert.equal(hook.deliveries.length, 2, "the 500 was retried");
    assert.equal((await client.transcripts.get(t.id)).webhook_status_code, 200);
  } finally {
    await running.close(); // stops the timer
    await hook.close();
    await audio.close();
  }
});

Deno.test("assemblyai: an endpoint that does not answer in time is retried", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  let calls = 0;
  const slow = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async () => {
    if (calls++ === 0) await sleep(80);
    return new Response("ok");
  });
  const fake = startFake({ webhook: { timeoutMs: 20 } });
  try {
    const t = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
      webhook_url: `http://127.0.0.1:${slow.addr.port}/hook`,
    });
    await fake.advance(2_250);
    const first = (await fake.state()).transcripts.find((x) => x.id === t.id)!._sandbox.webhook!;
    assert.deepEqual(first.attempts.map((a) => (a as { error?: string }).error), [
      "no response within 20 ms",
    ]);
    await fake.advance(10_000);
    assert.equal(calls, 2);
    assert.equal((await fake.client.transcripts.get(t.id)).webhook_status_code, 200);
  } finally {
    await fake.close();
    await slow.shutdown();
    await audio.close();
  }
});

Deno.test("assemblyai: a create whose answer is lost still created the transcript", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    await (await fetch(`${fake.url}/_control/faults`, {
      method: "POST",
      body: JSON.stringify({
        vendor: "assemblyai",
        method: "POST",
        path: "^/v2/transcript$",
        drop: "after",
        times: 1,
      }),
    })).body?.cancel();
    await assert.rejects(
      fake.client.transcripts.submit({ audio_url: audio.url("call.wav"), speech_models: MODELS }),
    );
    const list = await (await raw(fake, "/v2/transcript")).json();
    assert.equal(list.transcripts.length, 1);
    assert.equal(list.transcripts[0].status, "processing");
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: with default options close() stops the timer and pending work", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const running = startSandbox({ vendors: [createAssemblyAI()], port: 0 });
  try {
    const client = new AssemblyAI({
      apiKey: DEFAULT_API_KEY,
      baseUrl: `${running.url}/assemblyai`,
    });
    const t = await client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
      webhook_url: "http://127.0.0.1:9/hook",
    });
    assert.equal(t.status, "processing");
  } finally {
    await running.close();
    await audio.close();
  }
});
