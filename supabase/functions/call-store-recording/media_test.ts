import assert from "node:assert/strict";
import { extensionFor, mediaOf, storagePath } from "./media.ts";

Deno.test("mediaOf: OpenPhone recordings and the voicemail, gone media skipped", () => {
  const media = mediaOf({
    source: "openphone",
    recordings: [
      {
        id: "CR1",
        url: "https://m/1.mp3",
        type: "audio/mpeg",
        duration_sec: 60,
        status: "completed",
      },
      { id: "CR2", url: null, type: null, duration_sec: null, status: "deleted" },
      { id: "CR3", url: null, status: "in-progress" },
    ],
    voicemail: { id: "VM1", url: "https://m/vm.mp3", type: "audio/mpeg", duration_sec: 21 },
  });
  assert.deepEqual(media.map((m) => [m.kind, m.key, m.source, m.url]), [
    ["recording", "CR1", "openphone", "https://m/1.mp3"],
    ["recording", "CR3", "openphone", null],
    ["voicemail", "VM1", "openphone", "https://m/vm.mp3"],
  ]);
  assert.equal(media[0]!.durationSec, 60);
});

Deno.test("mediaOf: Drive calls and a Drive recording merged into an OpenPhone call", () => {
  const drive = mediaOf({
    source: "drive",
    recordings: [{
      id: "f1",
      source: "gdrive",
      type: "audio/mp4",
      size: 1234,
      status: "completed",
    }],
    voicemail: null,
  });
  assert.deepEqual(drive.map((m) => [m.source, m.key, m.driveFileId, m.size]), [
    ["drive", "f1", "f1", 1234],
  ]);
  const merged = mediaOf({
    source: "openphone",
    recordings: [{
      id: "f2",
      source: "drive",
      drive_file_id: "f2",
      type: "audio/mpeg",
      duration_sec: 30,
    }],
  });
  assert.deepEqual(merged.map((m) => [m.source, m.driveFileId, m.durationSec]), [[
    "drive",
    "f2",
    30,
  ]]);
});

Deno.test("mediaOf: nothing to store", () => {
  assert.deepEqual(mediaOf({ source: "openphone", recordings: [], voicemail: null }), []);
  assert.deepEqual(mediaOf({}), []);
});

Deno.test("storagePath: deterministic, one object per call, kind and media", () => {
  const a = storagePath(42, { kind: "recording", key: "CR123" }, extensionFor("audio/mpeg"));
  assert.equal(a, "calls/42/recording-CR123.mp3");
  assert.equal(storagePath(42, { kind: "recording", key: "CR123" }, "mp3"), a);
  assert.equal(
    storagePath(42, { kind: "voicemail", key: "VM9" }, "wav"),
    "calls/42/voicemail-VM9.wav",
  );
  // Keys with characters outside the safe set are reduced, with a hash so they stay distinct.
  const odd1 = storagePath(1, { kind: "recording", key: "a/b" }, "mp3");
  const odd2 = storagePath(1, { kind: "recording", key: "a b" }, "mp3");
  assert.match(odd1, /^calls\/1\/recording-a_b-[0-9a-f]{8}\.mp3$/);
  assert.notEqual(odd1, odd2);
});

Deno.test("extensionFor: common audio types, parameters ignored, a fallback", () => {
  assert.equal(extensionFor("audio/wav"), "wav");
  assert.equal(extensionFor("audio/x-m4a"), "m4a");
  assert.equal(extensionFor("audio/mpeg; charset=x"), "mp3");
  assert.equal(extensionFor("audio/x-speex"), "speex");
  assert.equal(extensionFor(null), "audio");
  assert.equal(extensionFor("application/octet-stream"), "audio");
});
