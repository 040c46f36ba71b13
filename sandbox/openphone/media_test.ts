/** Contract tests for recording and voicemail audio behind the URLs the API hands out. */
import assert from "node:assert/strict";
import { audioSize, parseAudioHead } from "../core/audio.ts";
import {
  BASE_SCENARIO,
  CALL_ANSWERED,
  CALL_VOICEMAIL,
  jsonOf,
  MAIN_NUMBER,
  withSandbox,
} from "./testing.ts";

type Json = Record<string, unknown>;

async function recordingUrl(api: (p: string) => Promise<Response>, callId: string) {
  const body = await jsonOf<{ data: Json[] }>(await api(`/v1/call-recordings/${callId}`), 200);
  return body.data[0]!.url as string;
}

Deno.test("openphone: recording audio has the stated duration and needs no API key", async () => {
  await withSandbox(async (s) => {
    const url = await recordingUrl(s.api, CALL_ANSWERED);
    const res = await fetch(url); // no Authorization header, like a pre-signed link
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "audio/wav");
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(Number(res.headers.get("content-length")), bytes.length);
    const parsed = parseAudioHead(bytes.subarray(0, 4096));
    assert.ok(parsed);
    assert.equal(parsed.durationSec, 60);
    // The audio carries the part of the call script the OpenPhone transcript shows.
    const transcript = await jsonOf<{ data: { dialogue: { content: string }[] } }>(
      await s.api(`/v1/call-transcripts/${CALL_ANSWERED}`),
      200,
    );
    const spoken = new Set(transcript.data.dialogue.map((d) => d.content));
    assert.ok(parsed.script && parsed.script.length > 0);
    for (const line of parsed.script) assert.ok(spoken.has(line.text), line.text);
    // Media is not rate limited or logged against a key.
    const log = await (await s.control("/requests?vendor=openphone")).json() as Json[];
    const media = log.find((e) => String(e.path).startsWith("/media/"));
    assert.equal(media?.status, 200);
    assert.equal(media?.key, null);
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: media supports Range, HEAD and 416", async () => {
  await withSandbox(async (s) => {
    const url = await recordingUrl(s.api, CALL_ANSWERED);
    const headRes = await fetch(url, { method: "HEAD" });
    const total = Number(headRes.headers.get("content-length"));
    assert.equal(headRes.status, 200);
    assert.equal((await headRes.arrayBuffer()).byteLength, 0);
    // 60 s of 16-bit 8 kHz mono, plus the WAV header with its embedded script.
    assert.ok(total > audioSize({ durationSec: 60, script: [] }));
    assert.ok(total < audioSize({ durationSec: 60, script: [] }) + 4096);
    const head = await fetch(url, { headers: { range: "bytes=0-11" } });
    assert.equal(head.status, 206);
    assert.equal(head.headers.get("content-range"), `bytes 0-11/${total}`);
    assert.equal(new TextDecoder().decode(await head.arrayBuffer()).slice(0, 4), "RIFF");
    const tail = await fetch(url, { headers: { range: "bytes=-100" } });
    assert.equal(tail.status, 206);
    assert.equal((await tail.arrayBuffer()).byteLength, 100);
    const beyond = await fetch(url, { headers: { range: `bytes=${total}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${total}`);
    await beyond.body?.cancel();
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: voicemail audio is the voicemail's length; unfinished media is 404", async () => {
  await withSandbox(async (s) => {
    const vm = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-voicemails/${CALL_VOICEMAIL}`),
      200,
    );
    const res = await fetch(vm.data.recordingUrl as string);
    const parsed = parseAudioHead(new Uint8Array(await res.arrayBuffer()).subarray(0, 4096));
    assert.equal(parsed?.durationSec, 21);
    assert.equal(parsed?.script?.map((l) => l.text).join(" "), vm.data.transcript);
    const pending = await fetch(`${s.url}/openphone/media/recordings/CRprocess2.wav`);
    assert.equal(pending.status, 404);
    await pending.body?.cancel();
    const unknown = await fetch(`${s.url}/openphone/media/voicemails/VMnothing.wav`);
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: with mediaUrlTtlSec, media URLs are signed and expire", async () => {
  await withSandbox(async (s) => {
    const url = await recordingUrl(s.api, CALL_ANSWERED);
    assert.match(url, /\?Expires=\d+&Signature=[0-9a-f]{64}$/);
    const fresh = await fetch(url, { headers: { range: "bytes=0-3" } });
    assert.equal(fresh.status, 206);
    await fresh.body?.cancel();
    const tampered = await fetch(
      url.replace(/Expires=(\d+)/, (_, n) => `Expires=${Number(n) + 3600}`),
    );
    assert.equal(tampered.status, 403);
    await tampered.body?.cancel();
    s.clock.advance(301_000);
    const expired = await fetch(url);
    assert.equal(expired.status, 403);
    assert.equal(await expired.text(), "Request has expired");
    const unsigned = await fetch(url.split("?")[0]!);
    assert.equal(unsigned.status, 403);
    await unsigned.body?.cancel();
  }, { scenario: { ...BASE_SCENARIO, workspace: { mediaUrlTtlSec: 300 } } });
});

Deno.test("openphone: a multi-segment recording splits the call script between segments", async () => {
  await withSandbox(async (s) => {
    const id = "AC5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
    await s.seed({
      calls: [{
        id,
        phoneNumberId: MAIN_NUMBER,
        participant: "+12025550177",
        direction: "outgoing",
        createdAt: "2026-01-12T10:00:00.000Z",
        duration: 120,
        answeredAt: "2026-01-12T10:00:00.000Z",
        recordings: [{ duration: 50 }, { duration: 70 }],
      }],
    });
    const recs = await jsonOf<{ data: Json[] }>(await s.api(`/v1/call-recordings/${id}`), 200);
    assert.deepEqual(recs.data.map((r) => [r.startTime, r.duration]), [
      ["2026-01-12T10:00:00.000Z", 50],
      ["2026-01-12T10:00:50.000Z", 70],
    ]);
    const scripts = [];
    for (const r of recs.data) {
      const bytes = new Uint8Array(await (await fetch(r.url as string)).arrayBuffer());
      const parsed = parseAudioHead(bytes.subarray(0, 4096));
      assert.equal(parsed?.durationSec, r.duration);
      scripts.push(parsed?.script ?? []);
    }
    assert.ok(scripts.every((lines) => lines.length > 0));
    assert.ok(scripts[0]!.every((l) => l.end <= 50) && scripts[1]!.every((l) => l.end <= 70));
  }, { scenario: BASE_SCENARIO });
});
