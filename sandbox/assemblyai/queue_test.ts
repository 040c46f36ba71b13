import assert from "node:assert/strict";
import type { Transcript } from "assemblyai";
import type { AudioSpec } from "../core/audio.ts";
import { CALL, MODELS, startAudioServer, startFake } from "./test_helpers.ts";

/** 100 s of audio: 2 s + 100 × 20 ms = 4 s of processing. */
const LONG: AudioSpec = {
  durationSec: 100,
  script: [{ speaker: "A", text: "A long message.", start: 1, end: 4 }],
};

Deno.test("assemblyai: the 6th concurrent job waits queued (free tier: 5), not rejected", async () => {
  const audio = startAudioServer({ "long.wav": LONG });
  const fake = startFake();
  try {
    const jobs: Transcript[] = [];
    for (let i = 0; i < 7; i++) {
      jobs.push(
        await fake.client.transcripts.submit({
          audio_url: audio.url("long.wav"),
          speech_models: MODELS,
        }),
      );
      fake.clock.advance(1); // distinct creation times keep the FIFO order visible
    }
    assert.deepEqual(jobs.map((j) => j.status), [
      "processing",
      "processing",
      "processing",
      "processing",
      "processing",
      "queued",
      "queued",
    ]);
    assert.equal(jobs[5]!.throttled, true);
    assert.equal(jobs[0]!.throttled, false);
    assert.deepEqual((await fake.state()).queue, [jobs[5]!.id, jobs[6]!.id]);

    // The first job finishes at +4,000 ms and frees its slot for the 6th (FIFO), whose own
    // processing then runs from that moment.
    await fake.tick();
    await fake.advance(4_000 - 7);
    const statuses = async () =>
      (await Promise.all(jobs.map((j) => fake.client.transcripts.get(j.id)))).map((t) => t.status);
    assert.deepEqual(await statuses(), [
      "completed",
      "processing",
      "processing",
      "processing",
      "processing",
      "processing",
      "queued",
    ]);
    await fake.advance(1);
    assert.equal((await statuses())[6], "processing");

    // Job 6 started at 4,000 ms (when job 1 finished), so it completes at 8,000 ms.
    await fake.advance(4_000 - 2);
    assert.equal((await statuses())[5], "processing");
    await fake.advance(1);
    assert.equal((await statuses())[5], "completed");
    await fake.advance(60_000);
    assert.deepEqual(await statuses(), Array(7).fill("completed"));
    assert.equal(audio.hits.length, 7);
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: a queued job is downloaded only when it leaves the queue", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake({ concurrency: 1 });
  try {
    const first = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
    });
    const second = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
    });
    await fake.tick();
    assert.equal(audio.hits.length, 1);
    assert.equal((await fake.client.transcripts.get(second.id)).status, "queued");
    await fake.advance(2_250);
    assert.equal((await fake.client.transcripts.get(first.id)).status, "completed");
    assert.equal(audio.hits.length, 2);
    await fake.advance(2_250);
    assert.equal((await fake.client.transcripts.get(second.id)).status, "completed");
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: polling alone moves jobs along (no tick)", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const t = await fake.client.transcripts.submit({
      audio_url: audio.url("call.wav"),
      speech_models: MODELS,
    });
    fake.clock.advance(3_000);
    let status = "";
    for (let i = 0; i < 20 && status !== "completed"; i++) {
      status = (await fake.client.transcripts.get(t.id)).status;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(status, "completed");
  } finally {
    await fake.close();
    await audio.close();
  }
});

Deno.test("assemblyai: concurrency can be seeded", async () => {
  const audio = startAudioServer({ "call.wav": CALL });
  const fake = startFake();
  try {
    const res = await fetch(`${fake.url}/_control/seed`, {
      method: "POST",
      body: JSON.stringify({ assemblyai: { concurrency: 2 } }),
    });
    assert.equal((await res.json()).assemblyai.concurrency, 2);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const t = await fake.client.transcripts.submit({
        audio_url: audio.url("call.wav"),
        speech_models: MODELS,
      });
      statuses.push(t.status);
    }
    assert.deepEqual(statuses, ["processing", "processing", "queued"]);
  } finally {
    await fake.close();
    await audio.close();
  }
});
