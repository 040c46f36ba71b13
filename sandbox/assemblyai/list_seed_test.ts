import assert from "node:assert/strict";
import { CALL, CALL_TEXT, MODELS, raw, startFake } from "./test_helpers.ts";

Deno.test("assemblyai: list pages newest first with prev_url towards older ones", async () => {
  const fake = startFake();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await fake.client.transcripts.submit({
        audio_url: "http://127.0.0.1:9/call.wav",
        speech_models: MODELS,
      });
      ids.push(t.id);
      fake.clock.advance(1_000);
    }
    const first = await fake.client.transcripts.list({ limit: 2 });
    assert.deepEqual(first.transcripts.map((t) => t.id), [ids[2], ids[1]]);
    assert.equal(first.page_details.result_count, 2);
    assert.equal(first.page_details.limit, 2);
    const item = first.transcripts[0]!;
    assert.equal(item.resource_url, `${fake.base}/v2/transcript/${ids[2]}`);
    assert.ok(item.created instanceof Date); // the SDK parses the timestamp
    assert.equal(item.completed, null);
    // On the wire: microseconds and no zone, like the real list.
    const wire = await (await raw(fake, "/v2/transcript?limit=1")).json();
    assert.equal(wire.transcripts[0].created, "2026-01-01T00:00:02.000000");

    const older = await fake.client.transcripts.list(first.page_details.prev_url!);
    assert.deepEqual(older.transcripts.map((t) => t.id), [ids[0]]);
    assert.equal(older.page_details.prev_url, null);

    await fake.advance(10_000);
    const errors = await fake.client.transcripts.list({ status: "error" });
    assert.equal(errors.transcripts.length, 3);
    assert.match(errors.transcripts[0]!.error!, /^Download error/);

    const bad = await raw(fake, "/v2/transcript?limit=0");
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: seeded transcripts read like finished ones", async () => {
  const fake = startFake();
  try {
    const res = await fetch(`${fake.url}/_control/seed`, {
      method: "POST",
      body: JSON.stringify({
        assemblyai: {
          transcripts: [
            { id: "seeded-1", audio: CALL, speaker_labels: true, speech_models: ["universal-2"] },
            { id: "seeded-2", audio: CALL, status: "error", error: "Download error, x" },
          ],
        },
      }),
    });
    assert.deepEqual((await res.json()).assemblyai.transcripts, ["seeded-1", "seeded-2"]);
    const t = await fake.client.transcripts.get("seeded-1");
    assert.equal(t.status, "completed");
    assert.equal(t.text, CALL_TEXT);
    assert.deepEqual(t.utterances!.map((u) => u.speaker), ["A", "B", "A"]);
    assert.equal(t.audio_duration, 13);
    assert.equal(t.speech_model_used, "universal-2");
    const e = await fake.client.transcripts.get("seeded-2");
    assert.equal(e.status, "error");
    assert.equal(e.error, "Download error, x");

    const dup = await fetch(`${fake.url}/_control/seed`, {
      method: "POST",
      body: JSON.stringify({ assemblyai: { transcripts: [{ id: "seeded-1", audio: CALL }] } }),
    });
    assert.equal(dup.status, 400);
    await dup.body?.cancel();
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: reset forgets transcripts, uploads and seeded keys", async () => {
  const fake = startFake();
  try {
    await (await fetch(`${fake.url}/_control/seed`, {
      method: "POST",
      body: JSON.stringify({
        assemblyai: { apiKeys: ["extra"], transcripts: [{ id: "x", audio: CALL }] },
      }),
    })).body?.cancel();
    await fake.client.files.upload(new Uint8Array([1]));
    await (await fetch(`${fake.url}/_control/reset`, { method: "POST" })).body?.cancel();
    const state = await fake.state();
    assert.deepEqual([state.transcripts, state.uploads], [[], []]);
    const res = await fetch(`${fake.base}/v2/transcript`, { headers: { authorization: "extra" } });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  } finally {
    await fake.close();
  }
});
