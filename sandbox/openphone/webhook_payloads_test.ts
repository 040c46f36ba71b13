/**
 * Contract tests for webhook payloads: the 2026-03-30 and legacy (v3, v4) bodies and their
 * signature schemes, verified independently of the sender.
 */
import assert from "node:assert/strict";
import {
  ALICE,
  BASE_SCENARIO,
  CALL_ANSWERED,
  CALL_VOICEMAIL,
  CONTACT_ALICE,
  jsonOf,
  MAIN_NUMBER,
  MSG_IN,
  MSG_OUT,
  OWNER,
  PN_MAIN,
  withSandbox,
} from "./testing.ts";

import {
  createWebhook,
  emit,
  flush,
  type Json,
  receiver,
  verifyLegacy,
  verifyStandard,
} from "./webhook_testing.ts";

const ALL_2026 = [
  { type: "call.ringing", resourceId: CALL_ANSWERED },
  { type: "call.completed", resourceId: CALL_ANSWERED },
  { type: "call.missed", resourceId: CALL_VOICEMAIL },
  { type: "call.recording.completed", resourceId: CALL_ANSWERED },
  { type: "call.transcript.completed", resourceId: CALL_ANSWERED },
  { type: "call.summary.completed", resourceId: CALL_ANSWERED },
  { type: "call.voicemail.completed", resourceId: CALL_VOICEMAIL },
  { type: "message.received", resourceId: MSG_IN },
  { type: "message.delivered", resourceId: MSG_OUT },
  { type: "contact.updated", resourceId: CONTACT_ALICE },
  { type: "contact.deleted", resourceId: CONTACT_ALICE },
];

Deno.test("openphone: 2026-03-30 webhooks: Standard Webhooks headers and the documented envelope", async () => {
  const rx = receiver();
  await withSandbox(async (s) => {
    const wh = await createWebhook(s, { url: "https://hooks.example.com/quo" });
    const [secret] = wh.secrets as string[];
    assert.match(secret!, /^whsec_/);
    const out = await emit(s, { events: ALL_2026 });
    assert.equal((out.events as Json[]).length, 11);
    await flush(s);
    assert.equal(rx.received.length, 11);

    const nowSec = Math.floor(s.clock.now() / 1000);
    const byType = new Map<string, Json>();
    for (const r of rx.received) {
      assert.equal(r.url, "https://hooks.example.com/quo");
      assert.equal(r.headers.get("content-type"), "application/json");
      assert.match(r.headers.get("webhook-id")!, /^msg_[A-Za-z0-9]{27}$/);
      assert.equal(r.headers.get("webhook-timestamp"), String(nowSec));
      assert.ok(await verifyStandard(secret!, r, nowSec), "signature verifies");
      assert.equal(r.headers.get("openphone-signature"), null);
      const body = JSON.parse(r.body) as Json;
      assert.equal(r.body, JSON.stringify(body), "compact JSON");
      assert.deepEqual(Object.keys(body), ["id", "apiVersion", "createdAt", "type", "data"]);
      assert.match(body.id as string, /^EV[0-9a-f]{32}$/);
      assert.equal(body.apiVersion, "2026-03-30");
      assert.deepEqual(Object.keys(body.data as Json).sort(), ["context", "links", "resource"]);
      assert.ok(!("object" in body) && !("object" in (body.data as Json)));
      byType.set(body.type as string, body.data as Json);
    }

    const completed = byType.get("call.completed")!;
    assert.deepEqual(completed.resource, {
      answeredAt: "2026-01-05T10:00:04.000Z",
      completedAt: "2026-01-05T10:01:04.000Z",
      createdAt: "2026-01-05T10:00:00.000Z",
      direction: "incoming",
      duration: 64,
      hasVoicemail: false,
      id: CALL_ANSWERED,
      status: "answered",
      updatedAt: "2026-01-05T10:01:04.000Z",
    });
    const context = completed.context as Json;
    assert.deepEqual(context.contacts, { ids: [CONTACT_ALICE], lookupStatus: "matched" });
    assert.deepEqual(context.participants, {
      external: [ALICE],
      resolution: "available",
      workspace: [MAIN_NUMBER],
    });
    assert.equal(context.phoneNumberId, PN_MAIN);
    assert.equal(context.phoneNumberType, "shared");
    assert.equal(context.userId, OWNER);
    assert.match((completed.links as Json).quo as string, /^https:\/\/my\.quo\.com\/inbox\/PN/);

    assert.ok(!("contacts" in (byType.get("call.ringing")!.context as Json)));
    assert.equal((byType.get("call.missed")!.resource as Json).status, "missed");
    const recording = byType.get("call.recording.completed")!.resource as Json;
    const [rec] = recording.recordings as Json[];
    assert.equal(rec!.id, "CRanswer01");
    const audio = await fetch(rec!.url as string);
    assert.equal(audio.status, 200);
    await audio.body?.cancel();
    const summary = byType.get("call.summary.completed")!.resource as Json;
    assert.equal(summary.processingStatus, "completed");
    assert.equal(summary.callId, CALL_ANSWERED);
    assert.ok(Array.isArray(summary.summary));
    const transcript = byType.get("call.transcript.completed")!.resource as Json;
    assert.ok((transcript.dialogue as Json[]).length > 0);
    const voicemail = byType.get("call.voicemail.completed")!.resource as Json;
    assert.equal(voicemail.callId, CALL_VOICEMAIL);
    assert.equal(voicemail.voicemailId, voicemail.id);
    assert.match(voicemail.recordingUrl as string, /\/openphone\/media\/voicemails\/VM/);
    const received = byType.get("message.received")!;
    assert.equal((received.resource as Json).status, "received");
    assert.equal((received.context as Json).senderIdentifier, ALICE);
    assert.deepEqual((received.context as Json).recipientIdentifiers, [MAIN_NUMBER]);
    assert.equal((byType.get("message.delivered")!.resource as Json).status, "delivered");
    assert.equal((byType.get("contact.updated")!.resource as Json).externalId, "crm-alice");
    assert.deepEqual(byType.get("contact.deleted")!.links, { quo: null });

    // Once contact.deleted is out, the contact is gone from the API.
    const contacts = await jsonOf<{ data: Json[] }>(
      await s.api("/v1/contacts?maxResults=10&externalIds=crm-alice"),
      200,
    );
    assert.equal(contacts.data.length, 0);
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});

Deno.test("openphone: legacy v3 and v4 webhooks: their call shapes and openphone-signature", async () => {
  const rx = receiver();
  await withSandbox(async (s) => {
    const v3 = await createWebhook(s, { url: "https://hooks.example.com/v3", format: "v3" });
    const v4 = await createWebhook(s, { url: "https://hooks.example.com/v4", format: "v4" });
    await emit(s, {
      events: [
        { type: "call.completed", resourceId: CALL_VOICEMAIL },
        { type: "call.recording.completed", resourceId: CALL_ANSWERED },
        { type: "call.summary.completed", resourceId: CALL_ANSWERED },
        { type: "message.received", resourceId: MSG_IN },
        // Legacy webhooks have no call.missed: only the 2026 system would send it.
        { type: "call.missed", resourceId: CALL_VOICEMAIL },
      ],
    });
    await flush(s);
    assert.equal(rx.received.length, 8);
    const ms = String(s.clock.now());
    const of = (url: string, type: string) => {
      const r = rx.received.find((x) => x.url.endsWith(url) && JSON.parse(x.body).type === type)!;
      return { r, body: JSON.parse(r.body) as Json };
    };
    for (const r of rx.received) {
      const key = r.url.endsWith("/v3") ? v3.key : v4.key;
      assert.ok(await verifyLegacy(key as string, r), "legacy signature verifies");
      assert.equal(r.headers.get("openphone-signature")!.split(";")[2], ms);
      assert.equal(r.headers.get("webhook-signature"), null);
    }

    const v3Completed = of("/v3", "call.completed").body;
    assert.deepEqual(Object.keys(v3Completed), [
      "id",
      "object",
      "apiVersion",
      "createdAt",
      "type",
      "data",
    ]);
    assert.equal(v3Completed.object, "event");
    assert.equal(v3Completed.apiVersion, "v3");
    const call = (v3Completed.data as Json).object as Json;
    // The Pipedream fixtures of real v3 deliveries: these keys, no call id, no participants.
    assert.deepEqual(Object.keys(call).sort(), [
      "answeredAt",
      "completedAt",
      "conversationId",
      "createdAt",
      "direction",
      "from",
      "media",
      "object",
      "phoneNumberId",
      "status",
      "to",
      "userId",
      "voicemail",
    ]);
    assert.equal(call.answeredAt, null);
    assert.deepEqual(call.media, []);
    assert.equal((call.voicemail as Json).duration, 21);
    assert.equal(call.to, MAIN_NUMBER);
    const v3Recording = (of("/v3", "call.recording.completed").body.data as Json).object as Json;
    assert.equal((v3Recording.media as Json[]).length, 1);
    assert.deepEqual(Object.keys((v3Recording.media as Json[])[0]!).sort(), [
      "duration",
      "type",
      "url",
    ]);

    const v4Recording = of("/v4", "call.recording.completed").body;
    const v4Data = v4Recording.data as Json;
    assert.match(v4Data.deepLink as string, /^https:\/\/my\.quo\.com\/inbox\//);
    const v4Call = v4Data.object as Json;
    assert.equal(v4Call.id, CALL_ANSWERED);
    assert.deepEqual(v4Call.participants, [ALICE, MAIN_NUMBER]);
    assert.deepEqual(v4Call.contactIds, [CONTACT_ALICE]);
    assert.equal((v4Call.recordings as Json[])[0]!.id, "CRanswer01");
    const v4Completed = (of("/v4", "call.completed").body.data as Json).object as Json;
    assert.equal(v4Completed.recordings, null);

    const summary = (of("/v4", "call.summary.completed").body.data as Json).object as Json;
    assert.equal(summary.object, "callSummary");
    assert.equal(summary.status, "completed");
    const message = (of("/v4", "message.received").body.data as Json).object as Json;
    assert.equal(message.object, "message");
    assert.equal(message.to, MAIN_NUMBER, "legacy messages carry `to` as a string");
    assert.equal(message.status, "received");

    const refused = await s.control("/openphone/webhooks", {
      url: "https://hooks.example.com/x",
      format: "v4",
      events: ["call.voicemail.completed"],
    });
    assert.equal(refused.status, 400);
    await refused.body?.cancel();
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});
