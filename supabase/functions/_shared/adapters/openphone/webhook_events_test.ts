import assert from "node:assert/strict";
import { normalizeEvent } from "./webhook_events.ts";
import * as S from "./testdata/samples.ts";

Deno.test("normalizeEvent() reads the legacy call.completed sample with its voicemail", () => {
  const e = normalizeEvent(S.LEGACY_CALL_COMPLETED_WITH_VOICEMAIL);
  assert.equal(e.kind, "call");
  if (e.kind !== "call") return;
  assert.deepEqual(e.envelope, {
    eventId: "EVd39d3c8d6f244d21a9131de4fc9350d0",
    type: "call.completed",
    apiVersion: "v3",
    createdAt: "2022-01-24T19:22:25.427Z",
    family: "legacy",
  });
  assert.equal(e.call.external_id, undefined, "v3 call objects carry no id");
  assert.equal(e.call.phone_number_id, "PNtoDbDhuz");
  assert.equal(e.call.started_at, "2022-01-24T19:21:59.545Z");
  assert.deepEqual(e.call.participants, ["+18005550100"]);
  assert.deepEqual(e.call.voicemail, {
    url: "https://m.openph.one/static/15ad4740be6048e4a80efb268d347482.mp3",
    type: "audio/mpeg",
    duration_sec: 7,
    status: "completed",
  });
  assert.equal(e.call.recordings, undefined, "an empty media list says nothing");
});

Deno.test("normalizeEvent() reads the legacy recording sample's media", () => {
  const e = normalizeEvent(S.LEGACY_RECORDING_COMPLETED);
  assert.ok(e.kind === "call");
  assert.deepEqual(e.call.recordings, [{
    id: null,
    url: "https://storage.googleapis.com/opstatics-dev/a5f839bc72a24b33a7fc032f78777146.mp3",
    type: "audio/mpeg",
    duration_sec: 7,
    started_at: null,
    status: "completed",
  }]);
});

Deno.test("normalizeEvent() reads a legacy message whose `to` is a string", () => {
  const e = normalizeEvent(S.LEGACY_MESSAGE_RECEIVED);
  assert.ok(e.kind === "message");
  assert.equal(e.message.external_id, "ACmsg000001");
  assert.deepEqual(e.message.to_numbers, ["+18885550101"]);
  assert.equal(e.message.body, "test");
});

Deno.test("normalizeEvent() reads the 2026-03-30 call, recording, summary and transcript", () => {
  const call = normalizeEvent(S.V2026_CALL_COMPLETED);
  assert.ok(call.kind === "call");
  assert.equal(call.envelope.family, "2026");
  assert.equal(call.call.external_id, "AC2026call");
  assert.equal(call.call.from_number, "+18005550100");
  assert.equal(call.call.to_number, "+18885550101");
  assert.equal(call.call.duration_sec, 595);
  const rec = normalizeEvent(S.V2026_RECORDING_COMPLETED);
  assert.ok(rec.kind === "call");
  assert.equal((rec.call.recordings as { id: string }[])[0]!.id, "CR2026");
  const sum = normalizeEvent(S.V2026_SUMMARY_COMPLETED);
  assert.ok(sum.kind === "call");
  assert.deepEqual(sum.call.provider_summary, {
    status: "completed",
    summary: ["Customer asked to move the installation"],
    next_steps: ["Send the invoice"],
  });
  const tr = normalizeEvent(S.V2026_TRANSCRIPT_COMPLETED);
  assert.ok(tr.kind === "call");
  assert.equal((tr.call.provider_transcript as { dialogue: unknown[] }).dialogue.length, 1);
  const msg = normalizeEvent(S.V2026_MESSAGE_RECEIVED);
  assert.ok(msg.kind === "message");
  assert.equal(msg.message.from_number, "+18005550100");
  assert.deepEqual(msg.message.to_numbers, ["+18885550101"]);
});

Deno.test("normalizeEvent() separates unknown types from invalid payloads", () => {
  const unknown = normalizeEvent({ ...S.V2026_CALL_COMPLETED, type: "call.teleported" });
  assert.equal(unknown.kind, "unknown_type");
  const noId = normalizeEvent({
    ...S.V2026_CALL_COMPLETED,
    data: { ...S.V2026_CALL_COMPLETED.data, resource: { status: "ringing" } },
  });
  assert.equal(noId.kind, "invalid");
  const noEnvelope = normalizeEvent({ hello: "world" });
  assert.equal(noEnvelope.kind, "invalid");
  assert.equal(normalizeEvent("a string").kind, "invalid");
  const legacyNoIdentity = normalizeEvent({
    ...S.LEGACY_CALL_COMPLETED_WITH_VOICEMAIL,
    data: { object: { object: "call", status: "completed" } },
  });
  assert.equal(legacyNoIdentity.kind, "invalid");
});

Deno.test("normalizeEvent() accepts the callSummary type from OpenPhone's own sample", () => {
  const e = normalizeEvent({
    id: "EVs",
    object: "event",
    apiVersion: "v3",
    createdAt: "2026-01-01T00:00:00Z",
    type: "callSummary",
    data: {
      object: {
        object: "callSummary",
        callId: "ACx",
        status: "completed",
        summary: ["a"],
        nextSteps: [],
      },
    },
  });
  assert.ok(e.kind === "call");
  assert.equal(e.envelope.type, "call.summary.completed");
  assert.equal(e.call.external_id, "ACx");
});
