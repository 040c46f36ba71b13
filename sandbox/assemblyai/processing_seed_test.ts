import assert from "node:assert/strict";
import type { AudioSpec } from "../core/audio.ts";
import { MODELS, startAudioServer, startFake } from "./test_helpers.ts";

/** 100 s of audio: 2 s + 100 × 20 ms = 4 s by default. */
const LONG: AudioSpec = {
  durationSec: 100,
  script: [{ speaker: "A", text: "A long message.", start: 1, end: 4 }],
};

Deno.test("assemblyai: seeded processing times apply to new jobs; a reset restores the configured ones", async () => {
  const audio = startAudioServer({ "long.wav": LONG });
  const fake = startFake();
  const seed = (body: unknown) =>
    fetch(`${fake.url}/_control/seed`, { method: "POST", body: JSON.stringify(body) })
      .then(async (r) => ({ status: r.status, body: await r.json() }));
  const status = async (id: string) => (await fake.client.transcripts.get(id)).status;
  try {
    const seeded = await seed({ assemblyai: { processing: { baseMs: 500, perAudioSecondMs: 2 } } });
    assert.equal(seeded.status, 200);
    // 500 ms + 100 s × 2 ms = 700 ms.
    const fast = await fake.client.transcripts.submit({
      audio_url: audio.url("long.wav"),
      speech_models: MODELS,
    });
    await fake.tick();
    await fake.advance(699);
    assert.equal(await status(fast.id), "processing");
    await fake.advance(1);
    assert.equal(await status(fast.id), "completed");

    const bad = await seed({ assemblyai: { processing: { baseMs: -1 } } });
    assert.equal(bad.status, 400);

    await fetch(`${fake.url}/_control/reset`, { method: "POST" }).then((r) => r.body?.cancel());
    const slow = await fake.client.transcripts.submit({
      audio_url: audio.url("long.wav"),
      speech_models: MODELS,
    });
    await fake.tick();
    await fake.advance(3_999);
    assert.equal(await status(slow.id), "processing");
    await fake.advance(1);
    assert.equal(await status(slow.id), "completed");
  } finally {
    await fake.close();
    await audio.close();
  }
});
