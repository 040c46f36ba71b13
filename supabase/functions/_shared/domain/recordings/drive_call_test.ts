import assert from "node:assert/strict";
import { driveFileToCall, isRecordingFile } from "./drive_call.ts";

const base = {
  folderId: "F1",
  timeZone: "America/New_York",
  defaultCountry: "US" as const,
  sidecar: null,
};

Deno.test("driveFileToCall() builds a call from a well-named recording", () => {
  const call = driveFileToCall({
    id: "file1",
    name: "20260304_140522.088-0500_in_+15550100123_John Smith.m4a",
    mimeType: "audio/mp4",
    createdTime: "2026-03-04T19:20:00Z",
    size: "1234",
  }, base);
  assert.equal(call.external_id, "file1");
  assert.equal(call.direction, "incoming");
  assert.deepEqual(call.participants, ["+15550100123"]);
  assert.equal(call.from_number, "+15550100123");
  assert.equal(call.started_at, "2026-03-04T19:05:22.000Z");
  assert.equal(call.contact_name, "John Smith");
  assert.deepEqual(call.recordings, [{
    id: "file1",
    source: "gdrive",
    type: "audio/mp4",
    size: 1234,
    status: "completed",
  }]);
  assert.deepEqual(call.source_metadata, {
    folder_id: "F1",
    file_name: "20260304_140522.088-0500_in_+15550100123_John Smith.m4a",
    name_pattern: "bcr",
    md5: null,
    sidecar_file_id: null,
  });
});

Deno.test("driveFileToCall() prefers the sidecar, and flags what it could not read", () => {
  const call = driveFileToCall({
    id: "f2",
    name: "voice memo 7.m4a",
    mimeType: "audio/mp4",
    createdTime: "2026-03-05T10:00:00Z",
  }, {
    ...base,
    sidecar: {
      fileId: "s2",
      info: {
        direction: "outgoing",
        phoneNumber: "555 010 0199",
        contactName: "Ada",
        startedAt: new Date("2026-03-05T09:58:00Z"),
        durationSec: 61.6,
      },
    },
  });
  assert.equal(call.direction, "outgoing");
  assert.equal(call.to_number, "+15550100199");
  assert.equal(call.duration_sec, 62);
  assert.equal(call.started_at, "2026-03-05T09:58:00.000Z");
  assert.equal((call.source_metadata as Record<string, unknown>).unparsed_name, true);

  const bare = driveFileToCall({
    id: "f3",
    name: "recording.m4a",
    mimeType: "audio/mp4",
    createdTime: "2026-03-05T10:00:00Z",
  }, base);
  assert.deepEqual(bare.participants, []);
  assert.equal(bare.started_at, "2026-03-05T10:00:00.000Z");
  assert.equal((bare.source_metadata as Record<string, unknown>).start_time_from_file, true);
});

Deno.test("isRecordingFile() tells audio from sidecars and notes", () => {
  assert.equal(isRecordingFile({ mimeType: "audio/mpeg", name: "a.mp3" }), true);
  assert.equal(isRecordingFile({ mimeType: "application/octet-stream", name: "a.amr" }), true);
  assert.equal(isRecordingFile({ mimeType: "application/json", name: "a.json" }), false);
});
