import assert from "node:assert/strict";
import { audioSize, type AudioSpec, audioStream, scriptFor } from "../core/audio.ts";
import { MODELS, raw, startFake } from "./test_helpers.ts";

Deno.test("assemblyai: a one-hour upload is streamed, counted and transcribed", async () => {
  const spec: AudioSpec = { durationSec: 3_600, script: scriptFor("call-1", 3_600) };
  const fake = startFake();
  try {
    // The SDK uploads a stream as-is (duplex: "half"); the fake keeps only the file's head.
    const url = await fake.client.files.upload(audioStream(spec));
    const state = await fake.state();
    assert.deepEqual(state.uploads.map((u) => u.bytes), [audioSize(spec)]);

    const t = await fake.client.transcripts.submit({ audio_url: url, speech_models: MODELS });
    await fake.advance(2_000 + 3_600 * 20);
    const done = await fake.client.transcripts.get(t.id);
    assert.equal(done.status, "completed");
    assert.equal(done.audio_duration, 3_600);
    assert.equal(done.text, spec.script.map((l) => l.text).join(" "));
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: an upload that is not audio fails at transcription", async () => {
  const fake = startFake();
  try {
    const cases: [Uint8Array, string][] = [
      [new TextEncoder().encode("hello, this is a text file\n"), "text/plain (ASCII text)"],
      [new Uint8Array([0, 159, 146, 150, 1, 2, 3]), "application/octet-stream (data)"],
      [new Uint8Array(), "application/x-empty (empty)"],
    ];
    const ids = [];
    for (const [bytes] of cases) {
      const url = await fake.client.files.upload(bytes);
      ids.push(
        (await fake.client.transcripts.submit({ audio_url: url, speech_models: MODELS })).id,
      );
    }
    await fake.advance(2_000);
    for (const [i, [, type]] of cases.entries()) {
      const t = await fake.client.transcripts.get(ids[i]!);
      assert.equal(t.status, "error");
      assert.equal(
        t.error,
        `Transcoding failed. File does not appear to contain audio. File type is ${type}.`,
      );
    }
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: a truncated file is transcribed up to where it ends", async () => {
  const spec: AudioSpec = {
    durationSec: 20,
    script: [
      { speaker: "A", text: "First part.", start: 1, end: 3 },
      { speaker: "B", text: "Second part.", start: 12, end: 15 },
    ],
  };
  const fake = startFake();
  try {
    // The header says 20 s; only the bytes for the first ~10 s arrive.
    const cut = audioSize(spec) - 10 * 16_000;
    const url = await fake.client.files.upload(audioStream(spec, 0, cut - 1));
    const t = await fake.client.transcripts.submit({ audio_url: url, speech_models: MODELS });
    await fake.advance(60_000);
    const done = await fake.client.transcripts.get(t.id);
    assert.equal(done.status, "completed");
    assert.equal(done.audio_duration, 10);
    assert.equal(done.text, "First part.");
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: a connection that drops mid-download is a download error", async () => {
  const spec: AudioSpec = { durationSec: 30, script: scriptFor("drop", 30) };
  // A bare TCP server: promise the whole file, send 100 kB of it, hang up.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      const head = `HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\n` +
        `content-length: ${audioSize(spec)}\r\nconnection: close\r\n\r\n`;
      await conn.write(new TextEncoder().encode(head));
      const reader = audioStream(spec, 0, 99_999).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        await conn.write(r.value);
      }
      conn.close();
    }
  })();
  const fake = startFake();
  try {
    const url = `http://127.0.0.1:${listener.addr.port}/call.wav`;
    const t = await fake.client.transcripts.submit({ audio_url: url, speech_models: MODELS });
    await fake.advance(60_000);
    const failed = await fake.client.transcripts.get(t.id);
    assert.equal(failed.status, "error");
    assert.equal(
      failed.error,
      `Download error, unable to download ${url}. ` +
        "Please make sure the file exists and is accessible from the internet.",
    );
  } finally {
    await fake.close();
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("assemblyai: uploads above the size limit are refused", async () => {
  const fake = startFake({ maxUploadBytes: 1_000 });
  try {
    const res = await raw(fake, "/v2/upload", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(1_001),
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /exceeds the 2\.2GB limit/);
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: audio longer than the duration limit (10 hours) fails", async () => {
  const fake = startFake({ maxDurationSec: 10 });
  try {
    const url = await fake.client.files.upload(audioStream({ durationSec: 10.5, script: [] }));
    const t = await fake.client.transcripts.submit({ audio_url: url, speech_models: MODELS });
    await fake.advance(2_000);
    const failed = await fake.client.transcripts.get(t.id);
    assert.equal(failed.status, "error");
    assert.match(failed.error!, /10 hour limit/);
  } finally {
    await fake.close();
  }
});
