import assert from "node:assert/strict";
import {
  type CallRow,
  lifecycleRecord,
  needsDetails,
  needsProviderArtifact,
  needsRecordings,
  needsVoicemail,
  notReady,
  recordingEntries,
  summaryEntry,
  transcriptEntry,
  voicemailEntry,
} from "./openphone_enrichment.ts";

const OWN = "+14155550100";
const done: CallRow = {
  id: 7,
  source: "openphone",
  external_id: "AC1",
  phone_number_id: "PN1",
  direction: "incoming",
  provider_status: "completed",
  participants: ["+15550100001"],
  started_at: "2026-03-04T14:00:00Z",
  answered_at: "2026-03-04T14:00:04Z",
  completed_at: "2026-03-04T14:05:00Z",
  duration_sec: 300,
  recordings: [{ id: "CR1", url: "https://m/CR1", status: "completed" }],
};
const opts = {
  nowMs: Date.parse("2026-03-04T14:06:00Z"),
  mediaWaitMs: 3_600_000,
  waitForTranscript: true,
};

Deno.test("lifecycleRecord() keeps only the external participant and fills from/to", () => {
  const r = lifecycleRecord(
    {
      id: "AC1",
      phoneNumberId: "PN1",
      userId: "US1",
      direction: "outgoing",
      status: "completed",
      participants: ["+15550100001", OWN],
      createdAt: "2026-03-04T14:00:00Z",
      answeredAt: null,
      completedAt: "2026-03-04T14:01:00Z",
      duration: 60,
    },
    OWN,
    { ...done, participants: [] },
  );
  assert.deepEqual(r.participants, ["+15550100001"]);
  assert.equal(r.from_number, OWN);
  assert.equal(r.to_number, "+15550100001");
  assert.equal(r.external_id, "AC1");
  assert.equal(r.duration_sec, 60);
});

Deno.test("lifecycleRecord() without the own number keeps the participants the webhooks gave", () => {
  const call = {
    id: "AC1",
    participants: ["+15550100001", OWN],
    createdAt: "2026-03-04T14:00:00Z",
  };
  assert.equal(lifecycleRecord(call, null, done).participants, undefined);
  assert.deepEqual(lifecycleRecord(call, null, { ...done, participants: [] }).participants, [
    "+15550100001",
    OWN,
  ]);
});

Deno.test("needs*() ask only for what the webhooks did not deliver", () => {
  assert.equal(needsDetails(done), false);
  assert.equal(needsRecordings(done), false);
  assert.equal(needsVoicemail(done), false);
  assert.equal(needsDetails({ ...done, provider_status: "ringing", completed_at: null }), true);
  assert.equal(needsDetails({ ...done, duration_sec: null }), true);
  assert.equal(needsRecordings({ ...done, recordings: [] }), true);
  assert.equal(
    needsRecordings({ ...done, recordings: [{ id: "CR1", status: "processing" }] }),
    true,
  );
  assert.equal(
    needsRecordings({ ...done, recordings: [{ id: "f", source: "gdrive" }] }),
    true,
    "a Drive copy does not stand for OpenPhone's own recording",
  );
  const missed = { ...done, answered_at: null, recordings: [] };
  assert.equal(needsRecordings(missed), false, "an unanswered call has no recording");
  assert.equal(needsVoicemail(missed), true);
  assert.equal(needsVoicemail({ ...missed, direction: "outgoing" }), false);
  assert.equal(
    needsVoicemail({
      ...missed,
      voicemail: { id: "VM1", url: "https://m/VM1", status: "completed" },
    }),
    false,
  );
  assert.equal(needsProviderArtifact(done, null), true);
  assert.equal(needsProviderArtifact(done, { status: "completed" }), false);
  assert.equal(needsProviderArtifact(missed, null), false, "no recording, no provider transcript");
});

Deno.test("notReady() says why a call must wait, until media_wait after it ended", () => {
  assert.equal(notReady(done, opts), null);
  assert.equal(
    notReady({ ...done, provider_status: "in-progress", completed_at: null }, opts)?.code,
    "call_in_progress",
  );
  assert.equal(
    notReady({ ...done, provider_status: "answered", completed_at: null }, opts)?.code,
    "call_in_progress",
    "2026's answered is not the end of a call",
  );
  const processing = { ...done, recordings: [{ id: "CR1", status: "processing" }] };
  assert.equal(notReady(processing, opts)?.code, "recording_not_ready");
  assert.match(notReady(processing, opts)!.message, /processing/);
  assert.equal(
    notReady(processing, { ...opts, nowMs: Date.parse("2026-03-04T15:06:00Z") }),
    null,
    "past media_wait the call goes on without it",
  );
  assert.equal(
    notReady(
      { ...done, recordings: [], answered_at: null, voicemail: { status: "in-progress" } },
      opts,
    )
      ?.code,
    "voicemail_not_ready",
  );
  const transcribing = { ...done, provider_transcript: { status: "in-progress" } };
  assert.equal(notReady(transcribing, opts)?.code, "transcript_not_ready");
  assert.equal(notReady(transcribing, { ...opts, waitForTranscript: false }), null);
  assert.equal(
    notReady({ ...done, provider_status: "in-progress", completed_at: null }, {
      ...opts,
      nowMs: Date.parse("2026-03-05T14:06:00Z"),
    })?.code,
    "call_in_progress",
    "a call in progress always waits",
  );
});

Deno.test("REST artifacts map to the shapes the webhooks store", () => {
  assert.deepEqual(
    recordingEntries([{
      id: "CR1",
      url: null,
      type: null,
      status: "processing",
      startTime: "2026-03-04T14:00:04Z",
      duration: null,
    }]),
    [{
      id: "CR1",
      url: null,
      type: null,
      duration_sec: null,
      started_at: "2026-03-04T14:00:04Z",
      status: "processing",
    }],
  );
  assert.deepEqual(
    voicemailEntry({
      id: "VM1",
      status: "completed",
      duration: 21,
      transcript: "Hi",
      recordingUrl: "u",
    }),
    { id: "VM1", url: "u", duration_sec: 21, transcript: "Hi", status: "completed" },
  );
  assert.equal(transcriptEntry({ status: "absent", dialogue: null }), null, "a plan without AI");
  assert.deepEqual(
    transcriptEntry({ status: "completed", dialogue: [{ content: "Hi" }], duration: 5 }),
    {
      status: "completed",
      dialogue: [{ content: "Hi" }],
      duration: 5,
    },
  );
  assert.deepEqual(summaryEntry({ status: "completed", summary: ["a"], nextSteps: ["b"] }), {
    status: "completed",
    summary: ["a"],
    next_steps: ["b"],
  });
});
