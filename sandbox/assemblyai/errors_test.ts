import assert from "node:assert/strict";
import { AssemblyAI } from "assemblyai";
import type { AudioSpec } from "../core/audio.ts";
import { DEFAULT_API_KEY } from "./mod.ts";
import { CALL, MODELS, raw, sdkError, startAudioServer, startFake } from "./test_helpers.ts";

Deno.test("assemblyai: a missing, wrong or Bearer-prefixed key is 401 with one message", async () => {
  const fake = startFake();
  try {
    for (const key of [null, "wrong-key", `Bearer ${DEFAULT_API_KEY}`]) {
      const res = await fetch(`${fake.base}/v2/transcript`, {
        headers: key === null ? {} : { authorization: key },
      });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {
        error: "Authentication error, API token missing/invalid",
      });
    }
    const client = new AssemblyAI({ apiKey: "wrong-key", baseUrl: fake.base });
    assert.equal(
      await sdkError(client.transcripts.list()),
      "Authentication error, API token missing/invalid",
    );
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: seeded keys are accepted", async () => {
  const fake = startFake();
  try {
    await fetch(`${fake.url}/_control/seed`, {
      method: "POST",
      body: JSON.stringify({ assemblyai: { apiKeys: ["second-key"] } }),
    });
    const client = new AssemblyAI({ apiKey: "second-key", baseUrl: fake.base });
    assert.deepEqual((await client.transcripts.list()).transcripts, []);
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: injected 429 and 500 faults surface as SDK errors", async () => {
  const fake = startFake();
  try {
    const fault = (rule: Record<string, unknown>) =>
      fetch(`${fake.url}/_control/faults`, {
        method: "POST",
        body: JSON.stringify({ vendor: "assemblyai", times: 1, ...rule }),
      }).then((r) => r.body?.cancel());

    await fault({ method: "POST", path: "^/v2/transcript$", status: 429, retryAfter: 7 });
    const res = await raw(fake, "/v2/transcript", {
      method: "POST",
      body: JSON.stringify({ audio_url: "http://127.0.0.1:9/a.wav", speech_models: MODELS }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "7");
    assert.deepEqual(await res.json(), { error: "Injected fault" });

    await fault({ path: "^/v2/transcript/", status: 500, message: "Internal server error" });
    assert.equal(await sdkError(fake.client.transcripts.get("abc")), "Internal server error");

    await fault({ path: "^/v2/upload$", status: 429, message: "Too Many Requests" });
    assert.equal(
      await sdkError(fake.client.files.upload(new Uint8Array([1, 2, 3]))),
      "Too Many Requests",
    );
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: the HTTP rate limit answers 429 with Retry-After", async () => {
  const fake = startFake({ rateLimit: { requests: 3, perSeconds: 3 } });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await raw(fake, "/v2/transcript");
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const limited = await raw(fake, "/v2/transcript");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "1");
    assert.deepEqual(await limited.json(), { error: "Too Many Requests" });
    fake.clock.advance(1_000);
    const again = await raw(fake, "/v2/transcript");
    assert.equal(again.status, 200);
    await again.body?.cancel();
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: an unknown transcript id is a lookup error", async () => {
  const fake = startFake();
  try {
    assert.equal(
      await sdkError(fake.client.transcripts.get("6f1b1c0e-0000-4000-8000-000000000000")),
      "Transcript lookup error, transcript id not found",
    );
    const res = await raw(fake, "/v2/transcript/nope", { method: "DELETE" });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: an audio URL that answers 404 ends in status error", async () => {
  const audio = startAudioServer({});
  const fake = startFake();
  try {
    const url = `${audio.url("missing.wav")}?token=abc`;
    const t = await fake.client.transcripts.submit({ audio_url: url, speech_models: MODELS });
    await fake.advance(1_999);
    assert.equal((await fake.client.transcripts.get(t.id)).status, "processing");
    await fake.advance(1);
    const failed = await fake.client.transcripts.get(t.id);
    assert.equal(failed.status, "error");
    assert.equal(
      failed.error,
      `Download error, unable to download ${url}. ` +
        "Please make sure the file exists and is accessible from the internet.",
    );
    assert.equal(failed.text, null);
    assert.equal(failed.audio_duration, null);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: a URL that serves HTML is not audio", async () => {
  const audio = startAudioServer({});
  const fake = startFake();
  try {
    const t = await fake.client.transcripts.submit({
      audio_url: audio.url("page.html"),
      speech_models: MODELS,
    });
    await fake.advance(2_000);
    const failed = await fake.client.transcripts.get(t.id);
    assert.equal(failed.status, "error");
    assert.equal(
      failed.error,
      "Transcoding failed. File does not appear to contain audio. " +
        "File type is text/html (HTML document, ASCII text).",
    );
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: an unreachable host and an unknown upload URL are download errors", async () => {
  const fake = startFake();
  try {
    const unknownUpload = `${fake.url}/assemblyai/upload/00000000-0000-4000-8000-000000000000`;
    const a = await fake.client.transcripts.submit({
      audio_url: "http://127.0.0.1:9/call.wav",
      speech_models: MODELS,
    });
    const b = await fake.client.transcripts.submit({
      audio_url: unknownUpload,
      speech_models: MODELS,
    });
    await fake.advance(2_000);
    for (const id of [a.id, b.id]) {
      const t = await fake.client.transcripts.get(id);
      assert.equal(t.status, "error");
      assert.match(t.error!, /^Download error, unable to download http:\/\/127\.0\.0\.1/);
    }
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: language detection on audio without speech fails", async () => {
  const silent: AudioSpec = { durationSec: 5, script: [] };
  const audio = startAudioServer({ "silent.wav": silent });
  const fake = startFake();
  try {
    const detect = await fake.client.transcripts.submit({
      audio_url: audio.url("silent.wav"),
      speech_models: MODELS,
      language_detection: true,
    });
    const plain = await fake.client.transcripts.submit({
      audio_url: audio.url("silent.wav"),
      speech_models: MODELS,
    });
    await fake.advance(60_000);
    const d = await fake.client.transcripts.get(detect.id);
    assert.equal(d.status, "error");
    assert.equal(
      d.error,
      "language_detection cannot be performed on files with no spoken audio.",
    );
    const p = await fake.client.transcripts.get(plain.id);
    assert.equal(p.status, "completed");
    assert.equal(p.text, "");
    assert.deepEqual(p.words, []);
    assert.equal(p.audio_duration, 5);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: delete redacts finished transcripts and refuses running ones", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const t = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
      speaker_labels: true,
    });
    const early = await raw(fake, `/v2/transcript/${t.id}`, { method: "DELETE" });
    assert.equal(early.status, 400);
    assert.match((await early.json()).error, /still queued or processing/);

    await fake.advance(60_000);
    const deleted = await fake.client.transcripts.delete(t.id);
    assert.equal(deleted.status, "completed");
    assert.equal(deleted.text, "Deleted by user.");
    assert.equal(deleted.audio_url, "http://deleted_by_user");
    assert.equal(deleted.words, null);
    assert.equal(deleted.utterances, null);
    const again = await fake.client.transcripts.get(t.id);
    assert.equal(again.text, "Deleted by user.");
    assert.equal(again.audio_duration, 13);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: unknown routes are 404 with an {error} body", async () => {
  const fake = startFake();
  try {
    const res = await raw(fake, "/v2/tts", { method: "POST" });
    assert.equal(res.status, 404);
    assert.equal(typeof (await res.json()).error, "string");
  } finally {
    await fake.close();
  }
});
