/**
 * End to end: the sandbox's OpenPhone webhook sender delivers the lifecycle of seeded calls and
 * messages — in the 2026-03-30 shape and the legacy v3 and v4 shapes, signed with both schemes,
 * shuffled and duplicated — to the openphone-webhook function through the gateway. Whatever the
 * mix, each call and message is one row holding everything that was delivered.
 */
import assert from "node:assert/strict";
import { createOpenPhone } from "../../sandbox/openphone/mod.ts";
import {
  BASE_SCENARIO,
  CALL_ANSWERED,
  CALL_VOICEMAIL,
  CONTACT_ALICE,
  MSG_IN,
  PN_MAIN,
} from "../../sandbox/openphone/testing.ts";
import { startSandbox } from "../../sandbox/server.ts";
import {
  platformAvailable,
  TEST_FUNCTIONS_ENV,
  TEST_GATEWAY_URL,
  testDb,
} from "../support/platform.ts";

interface Attempt {
  status: number | null;
}

Deno.test({
  name:
    "webhook sender: both shapes and schemes, shuffled and duplicated, make one row per call and message",
  ignore: !platformAvailable,
  async fn() {
    const sb = startSandbox({ vendors: [createOpenPhone()] });
    const sql = testDb();
    const control = async (path: string, body: unknown, expect = [200, 201, 202]) => {
      const res = await fetch(`${sb.url}/_control${path}`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      const json = await res.json();
      assert.ok(expect.includes(res.status), `${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    try {
      await control("/seed", { openphone: BASE_SCENARIO });
      await control("/openphone/webhooks/config", { dispatch: "manual" });
      const target = `${TEST_GATEWAY_URL}/functions/v1/openphone-webhook`;
      const modern = await control("/openphone/webhooks", {
        url: target,
        format: "2026-03-30",
        secrets: [TEST_FUNCTIONS_ENV.OPENPHONE_WEBHOOK_SECRETS],
      });
      const v3 = await control("/openphone/webhooks", {
        url: target,
        format: "v3",
        key: TEST_FUNCTIONS_ENV.OPENPHONE_LEGACY_WEBHOOK_KEYS,
      });
      const v4 = await control("/openphone/webhooks", {
        url: target,
        format: "v4",
        key: TEST_FUNCTIONS_ENV.OPENPHONE_LEGACY_WEBHOOK_KEYS,
      });
      const lifecycle = [
        "call.ringing",
        "call.completed",
        "call.recording.completed",
        "call.transcript.completed",
        "call.summary.completed",
      ].map((type) => ({ type, resourceId: CALL_ANSWERED }));
      const everyone = [
        ...lifecycle,
        { type: "call.completed", resourceId: CALL_VOICEMAIL },
        { type: "message.received", resourceId: MSG_IN },
        { type: "contact.updated", resourceId: CONTACT_ALICE },
      ];
      await control("/openphone/webhooks/emit", {
        events: everyone,
        webhookIds: [modern.id, v3.id, v4.id],
        order: "shuffle",
        shuffleSeed: "switchboard",
        duplicate: 1,
      });
      await control("/openphone/webhooks/emit", {
        events: [{ type: "call.voicemail.completed", resourceId: CALL_VOICEMAIL }],
        webhookIds: [modern.id],
      });
      const attempts = await control("/openphone/webhooks/flush", {}) as Attempt[];
      assert.ok(attempts.length >= everyone.length * 3 * 2, `${attempts.length} deliveries`);
      assert.deepEqual(
        [...new Set(attempts.map((a) => a.status))],
        [200],
        "every delivery acknowledged",
      );

      const calls = await sql<
        {
          external_id: string;
          n_recordings: number;
          transcript: boolean;
          summary: boolean;
          voicemail: string | null;
        }[]
      >`
        select external_id, jsonb_array_length(recordings) as n_recordings,
               provider_transcript is not null as transcript, provider_summary is not null as summary,
               voicemail ->> 'url' as voicemail
        from switchboard.calls where phone_number_id = ${PN_MAIN} order by started_at`;
      assert.deepEqual(
        calls.map((c) => c.external_id),
        [CALL_ANSWERED, CALL_VOICEMAIL],
        "one row per call, under its real id",
      );
      assert.equal(calls[0]!.n_recordings, 1, "one recording, whichever shapes described it");
      assert.ok(calls[0]!.transcript && calls[0]!.summary, JSON.stringify(calls[0]));
      assert.match(calls[1]!.voicemail ?? "", /voicemails/);
      const [msg] = await sql<
        { n: number }[]
      >`select count(*)::int as n from switchboard.messages where external_id = ${MSG_IN}`;
      assert.equal(msg?.n, 1);
      const [contacts] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.contact_events where external_contact_id = ${CONTACT_ALICE}`;
      assert.ok((contacts?.n ?? 0) >= 1, "contact events are kept for the mirror");
    } finally {
      await sql.end();
      await sb.close();
    }
  },
});
