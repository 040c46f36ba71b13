/** Contract tests for a call's recordings, voicemail, summary and transcript. */
import assert from "node:assert/strict";
import {
  ALICE,
  assertV1Error,
  BASE_SCENARIO,
  CALL_ANSWERED,
  CALL_NO_RECORDING,
  CALL_PROCESSING,
  CALL_VOICEMAIL,
  CALL_VOICEMAIL_PENDING,
  CAROL,
  jsonOf,
  MAIN_NUMBER,
  OWNER,
  withSandbox,
} from "./testing.ts";

type Json = Record<string, unknown>;
type Page = { data: Json[]; totalItems: number; nextPageToken: string | null };

Deno.test("openphone: call recordings: completed, still processing, and none", async () => {
  await withSandbox(async (s) => {
    const done = await jsonOf<{ data: Json[] }>(
      await s.api(`/v1/call-recordings/${CALL_ANSWERED}`),
      200,
    );
    assert.deepEqual(done.data, [{
      duration: 60,
      id: "CRanswer01",
      startTime: "2026-01-05T10:00:04.000Z",
      status: "completed",
      type: "audio/wav",
      url: `${s.url}/openphone/media/recordings/CRanswer01.wav`,
    }]);
    const processing = await jsonOf<{ data: Json[] }>(
      await s.api(`/v1/call-recordings/${CALL_PROCESSING}`),
      200,
    );
    assert.equal(processing.data[0]!.status, "processing");
    assert.equal(processing.data[0]!.url, null);
    assert.equal(processing.data[0]!.duration, null);
    assert.equal(processing.data[0]!.type, null);
    const none = await jsonOf(await s.api(`/v1/call-recordings/${CALL_NO_RECORDING}`), 200);
    assert.deepEqual(none, { data: [] });
    const missing = await jsonOf(await s.api("/v1/call-recordings/ACmissing"), 404);
    assertV1Error(missing, 404, "0900404", "Not Found");
    assert.equal(missing.message, "Call Recording with ID ACmissing not found");
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: call voicemails: completed, in progress, and none", async () => {
  await withSandbox(async (s) => {
    const vm = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-voicemails/${CALL_VOICEMAIL}`),
      200,
    );
    assert.equal(vm.data.status, "completed");
    assert.equal(vm.data.duration, 21);
    assert.match(
      vm.data.recordingUrl as string,
      /\/openphone\/media\/voicemails\/VM[0-9a-f]+\.wav$/,
    );
    assert.ok((vm.data.transcript as string).length > 10);
    const pending = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-voicemails/${CALL_VOICEMAIL_PENDING}`),
      200,
    );
    assert.equal(pending.data.status, "in-progress");
    assert.equal(pending.data.duration, null);
    assert.equal(pending.data.transcript, null);
    assert.equal(pending.data.recordingUrl, null);
    const none = await jsonOf(await s.api(`/v1/call-voicemails/${CALL_ANSWERED}`), 404);
    assertV1Error(none, 404, "1200404", "Not Found");
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: summaries and transcripts follow their status", async () => {
  await withSandbox(async (s) => {
    const summary = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-summaries/${CALL_ANSWERED}`),
      200,
    );
    assert.equal(summary.data.status, "completed");
    assert.ok(Array.isArray(summary.data.summary) && summary.data.summary.length > 0);
    assert.ok(Array.isArray(summary.data.nextSteps));
    const transcript = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-transcripts/${CALL_ANSWERED}`),
      200,
    );
    assert.equal(transcript.data.status, "completed");
    assert.equal(transcript.data.duration, 64);
    const dialogue = transcript.data.dialogue as Json[];
    assert.ok(dialogue.length > 0);
    assert.deepEqual(
      new Set(dialogue.map((d) => d.identifier)),
      new Set([MAIN_NUMBER, ALICE]),
    );
    for (const d of dialogue) assert.equal(d.userId, d.identifier === ALICE ? null : OWNER);

    const pending = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-transcripts/${CALL_PROCESSING}`),
      200,
    );
    assert.equal(pending.data.status, "in-progress");
    assert.equal(pending.data.dialogue, null);
    const noSummary = await jsonOf(await s.api(`/v1/call-summaries/${CALL_NO_RECORDING}`), 404);
    assertV1Error(noSummary, 404, "0500404", "Not Found");
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: summaries and transcripts are gated to Business and Scale plans", async () => {
  await withSandbox(async (s) => {
    const summary = await jsonOf(await s.api(`/v1/call-summaries/${CALL_ANSWERED}`), 403);
    assertV1Error(summary, 403, "0500403", "Forbidden");
    const transcript = await jsonOf(await s.api(`/v1/call-transcripts/${CALL_ANSWERED}`), 403);
    assertV1Error(transcript, 403, "0600403", "Forbidden");

    await s.seed({ workspace: { aiGate: "absent" } });
    const absent = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-summaries/${CALL_ANSWERED}`),
      200,
    );
    assert.deepEqual(absent.data, {
      callId: CALL_ANSWERED,
      nextSteps: null,
      status: "absent",
      summary: null,
      jobs: null,
    });
    const absentTranscript = await jsonOf<{ data: Json }>(
      await s.api(`/v1/call-transcripts/${CALL_ANSWERED}`),
      200,
    );
    assert.equal(absentTranscript.data.status, "absent");
    assert.equal(absentTranscript.data.dialogue, null);
  }, { scenario: { ...BASE_SCENARIO, workspace: { plan: "starter" } } });
});

Deno.test("openphone: re-seeding a call upserts it (recording in progress, then completed)", async () => {
  await withSandbox(async (s) => {
    const call = {
      id: "AC9999999999999999999999999999999a",
      phoneNumberId: MAIN_NUMBER,
      participant: CAROL,
      direction: "incoming",
      createdAt: "2026-01-20T10:00:00.000Z",
      duration: 40,
    };
    await s.seed({
      calls: [{ ...call, recordings: [{ id: "CRupsert01", status: "in-progress" }] }],
    });
    let recs = await jsonOf<{ data: Json[] }>(await s.api(`/v1/call-recordings/${call.id}`), 200);
    assert.equal(recs.data[0]!.url, null);
    await s.seed({ calls: [{ ...call, recordings: [{ id: "CRupsert01", status: "completed" }] }] });
    recs = await jsonOf<{ data: Json[] }>(await s.api(`/v1/call-recordings/${call.id}`), 200);
    assert.equal(recs.data[0]!.url, `${s.url}/openphone/media/recordings/CRupsert01.wav`);
    const bad = await s.control("/seed", {
      openphone: { calls: [{ ...call, participant: "555" }] },
    });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /participant/);
  }, { scenario: BASE_SCENARIO });
});
