import assert from "node:assert/strict";
import {
  MAX_DURATION_SECONDS,
  MAX_ID_LENGTH,
  type NormalizedEvent,
  normalizeEvent,
  salvageEnvelope,
} from "./webhook_events.ts";
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

/** The 2026 call.completed sample with its resource changed. */
function call2026(resource: Record<string, unknown>, over: Record<string, unknown> = {}) {
  return {
    ...S.V2026_CALL_COMPLETED,
    ...over,
    data: {
      ...S.V2026_CALL_COMPLETED.data,
      resource: { ...S.V2026_CALL_COMPLETED.data.resource, ...resource },
    },
  };
}

function reasonOf(e: NormalizedEvent): string {
  assert.equal(e.kind, "invalid");
  return e.kind === "invalid" ? e.reason : "";
}

Deno.test("normalizeEvent() refuses durations that are negative, fractional or absurd", () => {
  for (const duration of [-1, 1.5, MAX_DURATION_SECONDS + 1, 2 ** 40, "595"]) {
    assert.match(
      reasonOf(normalizeEvent(call2026({ duration }))),
      /^call resource does not parse: duration: /,
      String(duration),
    );
  }
  for (const duration of [0, 595, MAX_DURATION_SECONDS, null]) {
    assert.equal(normalizeEvent(call2026({ duration })).kind, "call", String(duration));
  }
  const legacy = structuredClone(S.LEGACY_CALL_COMPLETED_WITH_VOICEMAIL) as {
    data: { object: { voicemail: { duration: number } } };
  };
  legacy.data.object.voicemail.duration = -7;
  assert.match(reasonOf(normalizeEvent(legacy)), /voicemail\.duration/);
  const transcript = structuredClone(S.V2026_TRANSCRIPT_COMPLETED) as {
    data: { resource: { duration: number } };
  };
  transcript.data.resource.duration = 1e12;
  assert.match(reasonOf(normalizeEvent(transcript)), /^call transcript does not parse: duration/);
});

Deno.test("normalizeEvent() refuses dates that do not parse or hold impossible offsets", () => {
  for (
    const bad of [
      "yesterday",
      "2026-02-30T10:00:00Z",
      "2026-03-04T14:00:00+15:00",
      "2026-03-04T14:00:00-99:00",
      "0000-01-01T00:00:00Z",
      "2026-03-04T14:00:00", // no offset: which instant?
      "",
    ]
  ) {
    for (const field of ["createdAt", "answeredAt", "completedAt"]) {
      assert.match(
        reasonOf(normalizeEvent(call2026({ [field]: bad }))),
        new RegExp(`^call resource does not parse: ${field}: `),
        `${field} = ${bad}`,
      );
    }
    assert.match(
      reasonOf(normalizeEvent(call2026({}, { createdAt: bad }))),
      /^Not an OpenPhone event envelope \(createdAt: /,
    );
  }
  const fine = normalizeEvent(call2026({ answeredAt: "2026-03-04T19:30:05.123456+05:30" }));
  assert.ok(fine.kind === "call");
  assert.equal(fine.call.answered_at, "2026-03-04T19:30:05.123456+05:30");
  const message = structuredClone(S.LEGACY_MESSAGE_RECEIVED) as {
    data: { object: { createdAt: string } };
  };
  message.data.object.createdAt = "2026-13-01T00:00:00Z";
  assert.match(reasonOf(normalizeEvent(message)), /^message does not parse: createdAt/);
});

Deno.test("normalizeEvent() bounds id lengths and salvages no oversized id", () => {
  const long = "A".repeat(300_000);
  assert.match(
    reasonOf(normalizeEvent(call2026({ id: long }))),
    /^call resource does not parse: id/,
  );
  const longEvent = normalizeEvent(call2026({}, { id: long }));
  assert.equal(longEvent.kind, "invalid");
  assert.deepEqual(longEvent.envelope, { type: "call.completed" }, "the id is not salvaged");
  const ctx = normalizeEvent({
    ...S.V2026_CALL_COMPLETED,
    data: {
      ...S.V2026_CALL_COMPLETED.data,
      context: { ...S.V2026_CALL_COMPLETED.data.context, phoneNumberId: long },
    },
  });
  assert.match(reasonOf(ctx), /^call context does not parse: phoneNumberId/);
  const edge = normalizeEvent(call2026({ id: "A".repeat(MAX_ID_LENGTH) }));
  assert.equal(edge.kind, "call");
  assert.ok(!reasonOf(normalizeEvent(call2026({ id: long }))).includes("AAAA"), "no value echoed");
});

Deno.test("salvageEnvelope() keeps only bounded, storable ids and types", () => {
  assert.deepEqual(salvageEnvelope({ id: "EV1", type: "call.completed" }), {
    eventId: "EV1",
    type: "call.completed",
  });
  assert.deepEqual(salvageEnvelope({ id: "x".repeat(MAX_ID_LENGTH + 1), type: "a\u0000" }), {});
  assert.deepEqual(salvageEnvelope({ id: "\ud800", type: 5 }), {});
  assert.deepEqual(salvageEnvelope(["EV1"]), {});
  assert.deepEqual(salvageEnvelope(undefined), {});
});
