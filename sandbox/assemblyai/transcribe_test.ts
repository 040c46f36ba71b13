import assert from "node:assert/strict";
import { audioStream } from "../core/audio.ts";
import { CALL, CALL_TEXT, MODELS, startAudioServer, startFake } from "./test_helpers.ts";

Deno.test("assemblyai: upload + submit + poll to completion with the SDK", async () => {
  const fake = startFake();
  try {
    const bytes = new Uint8Array(await new Response(audioStream(CALL)).arrayBuffer());
    const uploadUrl = await fake.client.files.upload(bytes);
    assert.match(uploadUrl, new RegExp(`^${fake.url}/assemblyai/upload/[0-9a-f-]{36}$`));

    const submitted = await fake.client.transcripts.submit({
      audio_url: uploadUrl,
      speech_models: MODELS,
    });
    // Below the concurrency limit a job goes straight to processing (docs: "queued" only when
    // actually queued).
    assert.equal(submitted.status, "processing");
    assert.equal(submitted.text, null);
    assert.equal(submitted.audio_duration, null);
    assert.equal(submitted.speech_model_used, null);

    await fake.tick();
    assert.equal((await fake.client.transcripts.get(submitted.id)).status, "processing");
    // 2 s base + 20 ms per audio second (12.5 s): due 2,250 ms after submission.
    await fake.advance(2_249);
    assert.equal((await fake.client.transcripts.get(submitted.id)).status, "processing");
    await fake.advance(1);

    const done = await fake.client.transcripts.get(submitted.id);
    assert.equal(done.status, "completed");
    assert.equal(done.text, CALL_TEXT);
    assert.equal(done.audio_duration, 13); // whole seconds, rounded up
    assert.equal(done.language_code, "en_us");
    assert.equal(done.speech_model_used, "universal-3-5-pro");
    assert.deepEqual(done.speech_models, MODELS);
    assert.equal(done.utterances, null);
    assert.equal(typeof done.confidence, "number");
    assert.equal(done.webhook_url, null);
    assert.equal(done.webhook_status_code, null);
    assert.equal(done.webhook_auth, false);
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: words and utterances follow the audio's script, speakers A/B", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const t = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
      speaker_labels: true,
      speakers_expected: 2,
    });
    await fake.advance(60_000);
    const done = await fake.client.transcripts.get(t.id);
    assert.equal(done.status, "completed");
    assert.equal(done.text, CALL_TEXT);
    assert.equal(done.speakers_expected, 2);

    const utterances = done.utterances!;
    assert.deepEqual(utterances.map((u) => [u.speaker, u.text]), [
      ["A", "Hi, thanks for calling Acme."],
      ["B", "I need to move my appointment."],
      ["A", "Sure, which day works? We have Tuesday open."],
    ]);
    // Times are milliseconds inside each script line.
    assert.equal(utterances[0]!.start, 500);
    assert.ok(utterances[0]!.end <= 3_000);
    assert.equal(utterances[1]!.start, 3_500);
    assert.ok(utterances[2]!.end <= 10_000);

    const words = done.words!;
    assert.equal(words.length, CALL_TEXT.split(" ").length);
    assert.deepEqual(words.slice(0, 2).map((w) => [w.text, w.speaker]), [["Hi,", "A"], [
      "thanks",
      "A",
    ]]);
    for (let i = 1; i < words.length; i++) {
      assert.ok(words[i]!.start >= words[i - 1]!.end, "words are in order and do not overlap");
      assert.ok(words[i]!.end > words[i]!.start);
      assert.ok(words[i]!.confidence >= 0.85 && words[i]!.confidence < 1);
    }
    assert.deepEqual(utterances.flatMap((u) => u.words), words);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: transcribe() polls until the clock reaches completion", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    let settled = false;
    const result = fake.client.transcripts.transcribe(
      { audio: audio.url("call.wav"), speech_models: MODELS },
      { pollingInterval: 5 },
    ).finally(() => settled = true);
    for (let i = 0; i < 50 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await fake.advance(500);
    }
    const t = await result;
    assert.equal(t.status, "completed");
    assert.equal(t.text, CALL_TEXT);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: the same audio always gives the same transcript", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const ids = [];
    for (let i = 0; i < 2; i++) {
      const t = await fake.client.transcripts.submit({
        audio_url: audio.url("call.wav"),
        speech_models: MODELS,
        speaker_labels: true,
      });
      ids.push(t.id);
    }
    await fake.advance(60_000);
    const [a, b] = await Promise.all(ids.map((id) => fake.client.transcripts.get(id)));
    assert.deepEqual(a!.words, b!.words);
    assert.deepEqual(a!.utterances, b!.utterances);
    assert.equal(a!.confidence, b!.confidence);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: punctuate, format_text and audio_start_from/end_at shape the text", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const plain = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
      punctuate: false,
      format_text: false,
    });
    const window = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
      audio_start_from: 3_000,
      audio_end_at: 6_500,
    });
    await fake.advance(60_000);
    assert.equal(
      (await fake.client.transcripts.get(plain.id)).text,
      CALL_TEXT.replace(/[.,?]/g, "").toLowerCase(),
    );
    const w = await fake.client.transcripts.get(window.id);
    assert.equal(w.text, "I need to move my appointment.");
    assert.equal(w.audio_start_from, 3_000);
    assert.equal(w.audio_end_at, 6_500);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: language detection and model routing", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const detected = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: ["universal"],
      language_detection: true,
    });
    assert.equal(detected.language_code, null);
    // Universal-3 Pro does not cover Japanese: the next model in the list takes it.
    const japanese = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: ["universal-3-pro", "universal-2"],
      language_code: "ja",
    });
    await fake.advance(60_000);
    const d = await fake.client.transcripts.get(detected.id);
    assert.equal(d.language_code, "en");
    assert.equal(d.speech_model_used, "universal-3-5-pro"); // "universal" is upgraded
    assert.equal(typeof d.language_confidence, "number");
    const j = await fake.client.transcripts.get(japanese.id);
    assert.equal(j.language_code, "ja");
    assert.equal(j.speech_model_used, "universal-2");
  } finally {
    await fake.close();
    await audio.close();
  }
});
