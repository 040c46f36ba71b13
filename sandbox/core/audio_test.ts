import assert from "node:assert/strict";
import { audioResponse, audioSize, audioStream, parseAudioHead, scriptFor } from "./audio.ts";

async function bytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("audio: a generated file declares its size and reads back its duration and script", async () => {
  const spec = { durationSec: 12.5, script: scriptFor("call-1", 12.5) };
  const all = await bytes(audioStream(spec));
  assert.equal(all.length, audioSize(spec));
  const parsed = parseAudioHead(all.subarray(0, 4096));
  assert.ok(parsed);
  assert.equal(parsed.durationSec, 12.5);
  assert.deepEqual(parsed.script, spec.script);
});

Deno.test("audio: any byte range equals the same slice of the whole file", async () => {
  const spec = { durationSec: 3, script: scriptFor("call-2", 3) };
  const all = await bytes(audioStream(spec));
  for (
    const [s, e] of [[0, 10], [40, 300], [100, 20_000], [all.length - 5, all.length - 1]] as const
  ) {
    assert.deepEqual(await bytes(audioStream(spec, s, e)), all.subarray(s, e + 1), `${s}-${e}`);
  }
});

Deno.test("audio: responses honour Range, suffix ranges and refuse unsatisfiable ones", async () => {
  const spec = { durationSec: 2, script: scriptFor("call-3", 2) };
  const total = audioSize(spec);
  const full = audioResponse(new Request("http://x/a.wav"), spec);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get("content-length"), String(total));
  await full.body?.cancel();

  const part = audioResponse(
    new Request("http://x/a.wav", { headers: { range: "bytes=10-19" } }),
    spec,
  );
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 10-19/${total}`);
  assert.equal((await part.arrayBuffer()).byteLength, 10);

  const suffix = audioResponse(
    new Request("http://x/a.wav", { headers: { range: "bytes=-100" } }),
    spec,
  );
  assert.equal(suffix.headers.get("content-range"), `bytes ${total - 100}-${total - 1}/${total}`);
  await suffix.body?.cancel();

  const bad = audioResponse(
    new Request("http://x/a.wav", { headers: { range: `bytes=${total}-` } }),
    spec,
  );
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get("content-range"), `bytes */${total}`);
});

Deno.test("audio: scripts are deterministic per seed and fill the duration", () => {
  const a = scriptFor("seed", 60);
  assert.deepEqual(a, scriptFor("seed", 60));
  assert.notDeepEqual(a, scriptFor("other", 60));
  assert.equal(a.at(-1)!.end, 60);
  assert.deepEqual([...new Set(a.map((l) => l.speaker))].sort(), ["A", "B"]);
});

Deno.test("audio: parseAudioHead rejects what is not a PCM WAV file", () => {
  assert.equal(parseAudioHead(new TextEncoder().encode("ID3 not a wav file at all")), null);
  assert.equal(parseAudioHead(new Uint8Array(4)), null);
});
