/**
 * The openphone-webhook function through the gateway, against the throwaway database: the
 * intake guarantees of reliability-catalogue T01–T13 and T22. Every request is signed here with
 * the test gateway's secrets (TEST_FUNCTIONS_ENV).
 */
import assert from "node:assert/strict";
import {
  signLegacy,
  signStandard,
} from "../../supabase/functions/_shared/adapters/openphone/webhook_signature.ts";
import * as S from "../../supabase/functions/_shared/adapters/openphone/testdata/samples.ts";
import {
  platformAvailable,
  TEST_FUNCTIONS_ENV,
  TEST_GATEWAY_URL,
  testDb,
} from "../support/platform.ts";

const URL_ = `${TEST_GATEWAY_URL}/functions/v1/openphone-webhook`;
const SECRET = TEST_FUNCTIONS_ENV.OPENPHONE_WEBHOOK_SECRETS ?? "";
const LEGACY_KEY = TEST_FUNCTIONS_ENV.OPENPHONE_LEGACY_WEBHOOK_KEYS ?? "";
const enc = new TextEncoder();
const uid = () => crypto.randomUUID().replaceAll("-", "").slice(0, 16);

interface SendOptions {
  id?: string;
  timestamp?: number;
  secret?: string;
  extraSignature?: string;
  headers?: Record<string, string>;
  contentType?: string;
}

async function sendStandard(body: string | Uint8Array, o: SendOptions = {}): Promise<Response> {
  const id = o.id ?? `msg_${uid()}`;
  const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
  const raw = typeof body === "string" ? enc.encode(body) : body;
  const sig = await signStandard(o.secret ?? SECRET, id, ts, raw);
  return await fetch(URL_, {
    method: "POST",
    headers: {
      "content-type": o.contentType ?? "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": o.extraSignature ? `${o.extraSignature} ${sig}` : sig,
      ...o.headers,
    },
    body: raw as Uint8Array<ArrayBuffer>,
  });
}

async function sendLegacy(body: string, timestampMs = Date.now()): Promise<Response> {
  return await fetch(URL_, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "openphone-signature": await signLegacy(LEGACY_KEY, timestampMs, body),
    },
    body,
  });
}

async function outcome(res: Response): Promise<[number, string | undefined]> {
  const body = await res.json().catch(() => ({}));
  return [res.status, body.outcome ?? body.error?.code];
}

/** A 2026 call.completed for a fresh call id (so tests never collide). */
function event2026(callId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...S.V2026_CALL_COMPLETED,
    id: `EV${uid()}`,
    data: {
      ...S.V2026_CALL_COMPLETED.data,
      resource: { ...S.V2026_CALL_COMPLETED.data.resource, id: callId },
    },
    ...over,
  };
}

function withCall<T extends { data: { resource: Record<string, unknown> } }>(
  e: T,
  callId: string,
): T {
  const resource = "callId" in e.data.resource
    ? { ...e.data.resource, callId }
    : { ...e.data.resource, id: callId };
  return { ...e, id: `EV${uid()}`, data: { ...e.data, resource } };
}

const db = () => testDb(4);
const opts = { ignore: !platformAvailable, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name:
    "webhook T01: a Standard Webhooks delivery is applied; each broken one gets 401 and writes nothing",
  async fn() {
    const sql = db();
    try {
      const callId = `AC${uid()}`;
      const body = JSON.stringify(event2026(callId));
      assert.deepEqual(await outcome(await sendStandard(body)), [200, "applied"]);
      const [row] =
        await sql`select provider_status, duration_sec from switchboard.calls where external_id = ${callId}`;
      assert.equal(row?.provider_status, "answered");

      const id = `msg_${uid()}`;
      const ts = Math.floor(Date.now() / 1000);
      const sig = await signStandard(SECRET, id, ts, body);
      const full = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig };
      for (const drop of Object.keys(full)) {
        const headers: Record<string, string> = { ...full };
        delete headers[drop];
        const res = await fetch(URL_, { method: "POST", headers, body });
        assert.equal(res.status, 401, `without ${drop}`);
        await res.body?.cancel();
      }
      for (const bad of ["v1,AAAA", sig.slice(0, -6), "v2," + sig.slice(3), "garbage"]) {
        const res = await fetch(URL_, {
          method: "POST",
          headers: { ...full, "webhook-signature": bad },
          body,
        });
        assert.equal(res.status, 401, bad);
        await res.body?.cancel();
      }
      const nonNumeric = await fetch(URL_, {
        method: "POST",
        headers: { ...full, "webhook-timestamp": "soon" },
        body,
      });
      assert.equal(nonNumeric.status, 401);
      await nonNumeric.body?.cancel();
      const [n] = await sql<
        { n: number }[]
      >`select count(*)::int as n from switchboard.webhook_deliveries where delivery_id = ${id}`;
      assert.equal(n?.n, 0, "refused deliveries write nothing");

      // Several signatures, one valid (rotation); a wrong secret alone is refused.
      const other = `whsec_${btoa("another secret of thirty-two b!!")}`;
      const rotated = await sendStandard(JSON.stringify(event2026(`AC${uid()}`)), {
        extraSignature: await signStandard(other, "x", 1, "y"),
      });
      assert.equal(rotated.status, 200);
      await rotated.body?.cancel();
      const wrong = await sendStandard(body, { secret: other });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook T02/T03/T06: tolerance both ways, raw-body integrity, replay inside and outside the window",
  async fn() {
    const now = Math.floor(Date.now() / 1000);
    for (const skew of [-290, 290]) {
      const res = await sendStandard(JSON.stringify(event2026(`AC${uid()}`)), {
        timestamp: now + skew,
      });
      assert.equal(res.status, 200, `skew ${skew}`);
      await res.body?.cancel();
    }
    for (const skew of [-310, 310]) {
      const res = await sendStandard(JSON.stringify(event2026(`AC${uid()}`)), {
        timestamp: now + skew,
      });
      assert.equal(res.status, 401, `skew ${skew}`);
      await res.body?.cancel();
    }

    // Re-serialised JSON (a proxy that reformats) no longer verifies.
    const body = JSON.stringify(event2026(`AC${uid()}`));
    const id = `msg_${uid()}`;
    const sig = await signStandard(SECRET, id, now, body);
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    const res = await fetch(URL_, {
      method: "POST",
      headers: { "webhook-id": id, "webhook-timestamp": String(now), "webhook-signature": sig },
      body: reformatted,
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();

    // Replay: the same captured delivery inside the window is a dedupe hit; outside it, 401.
    const captured = JSON.stringify(event2026(`AC${uid()}`));
    const replayId = `msg_${uid()}`;
    assert.deepEqual(
      await outcome(await sendStandard(captured, { id: replayId, timestamp: now })),
      [200, "applied"],
    );
    assert.deepEqual(
      await outcome(await sendStandard(captured, { id: replayId, timestamp: now })),
      [200, "duplicate_delivery"],
    );
    const late = await sendStandard(captured, { id: replayId, timestamp: now - 600 });
    assert.equal(late.status, 401);
    await late.body?.cancel();
  },
});

Deno.test({
  ...opts,
  name: "webhook T05: the published legacy samples, signed the legacy way, make the right rows",
  async fn() {
    const sql = db();
    try {
      const pn = `PN${uid()}`;
      const completed = structuredClone(S.LEGACY_CALL_COMPLETED_WITH_VOICEMAIL);
      completed.id = `EV${uid()}`;
      completed.data.object.phoneNumberId = pn;
      assert.deepEqual(await outcome(await sendLegacy(JSON.stringify(completed))), [
        200,
        "applied",
      ]);
      const recording = structuredClone(S.LEGACY_RECORDING_COMPLETED);
      recording.id = `EV${uid()}`;
      recording.data.object.phoneNumberId = pn;
      assert.deepEqual(await outcome(await sendLegacy(JSON.stringify(recording))), [
        200,
        "applied",
      ]);
      const message = structuredClone(S.LEGACY_MESSAGE_RECEIVED);
      message.id = `EV${uid()}`;
      message.data.object.id = `AC${uid()}`;
      assert.deepEqual(await outcome(await sendLegacy(JSON.stringify(message))), [200, "applied"]);

      const calls = await sql<
        {
          external_id: string;
          voicemail: { url: string } | null;
          recordings: unknown[];
          participants: string[];
        }[]
      >`
        select external_id, voicemail, recordings, participants from switchboard.calls
        where phone_number_id = ${pn} order by started_at`;
      assert.equal(calls.length, 2, "two calls, one per sample");
      assert.equal(
        calls[0]!.voicemail?.url,
        "https://m.openph.one/static/15ad4740be6048e4a80efb268d347482.mp3",
      );
      assert.deepEqual(calls[0]!.participants, ["+18005550100"]);
      assert.equal(calls[1]!.recordings.length, 1);
      const [msg] =
        await sql`select body, to_numbers from switchboard.messages where external_id = ${message.data.object.id}`;
      assert.equal(msg?.body, "test");
      assert.deepEqual(msg?.to_numbers, ["+18885550101"]);

      // Tampered (signed, then changed) and stale legacy deliveries make nothing.
      const tampered = structuredClone(S.LEGACY_MESSAGE_RECEIVED);
      tampered.id = `EV${uid()}`;
      tampered.data.object.id = `AC${uid()}`;
      const signed = await signLegacy(LEGACY_KEY, Date.now(), JSON.stringify(tampered));
      tampered.data.object.text = "changed";
      const res = await fetch(URL_, {
        method: "POST",
        headers: { "openphone-signature": signed },
        body: JSON.stringify(tampered),
      });
      assert.equal(res.status, 401);
      await res.body?.cancel();
      const stale = await sendLegacy(JSON.stringify(tampered), Date.now() - 10 * 60_000);
      assert.equal(stale.status, 401);
      await stale.body?.cancel();
      const [none] = await sql<
        { n: number }[]
      >`select count(*)::int as n from switchboard.messages where external_id = ${tampered.data.object.id}`;
      assert.equal(none?.n, 0);
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook T08: hostile input is quarantined or recorded and acknowledged, never half-written",
  async fn() {
    const sql = db();
    try {
      const notJson = `msg_${uid()}`;
      assert.deepEqual(await outcome(await sendStandard("this is not json", { id: notJson })), [
        200,
        "quarantined",
      ]);
      const [q] =
        await sql`select outcome, raw_body, detail from switchboard.webhook_deliveries where delivery_id = ${notJson}`;
      assert.equal(q?.raw_body, "this is not json");
      assert.equal(q?.detail, "Body is not JSON");

      const noCallId = event2026("x");
      (noCallId.data as { resource: Record<string, unknown> }).resource = { status: "completed" };
      assert.deepEqual(await outcome(await sendStandard(JSON.stringify(noCallId))), [
        200,
        "quarantined",
      ]);

      assert.deepEqual(
        await outcome(
          await sendStandard(JSON.stringify(event2026(`AC${uid()}`, { type: "call.teleported" }))),
        ),
        [
          200,
          "unknown_type",
        ],
      );

      const huge = new Uint8Array(5 * 1024 * 1024).fill(32);
      const big = await sendStandard(huge);
      assert.equal(big.status, 413);
      await big.body?.cancel();

      const plainType = `AC${uid()}`;
      assert.deepEqual(
        await outcome(
          await sendStandard(JSON.stringify(event2026(plainType)), { contentType: "text/plain" }),
        ),
        [
          200,
          "applied",
        ],
      );
      const bomCall = `AC${uid()}`;
      const withBom = new Uint8Array([
        0xef,
        0xbb,
        0xbf,
        ...enc.encode(JSON.stringify(event2026(bomCall))),
      ]);
      assert.deepEqual(await outcome(await sendStandard(withBom)), [200, "applied"]);
      const [rows] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.calls where external_id in (${plainType}, ${bomCall})`;
      assert.equal(rows?.n, 2);
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook T10/T11: a storm of one delivery makes one row, all acknowledged; a new delivery id of one event applies nothing",
  async fn() {
    const sql = db();
    try {
      const callId = `AC${uid()}`;
      const body = JSON.stringify(event2026(callId));
      const id = `msg_${uid()}`;
      const now = Math.floor(Date.now() / 1000);
      const storm = await Promise.all(
        Array.from({ length: 50 }, () => sendStandard(body, { id, timestamp: now })),
      );
      const resigned = await Promise.all(
        Array.from({ length: 10 }, (_, i) => sendStandard(body, { id, timestamp: now - i - 1 })),
      );
      for (const r of [...storm, ...resigned]) {
        assert.equal(r.status, 200);
        await r.body?.cancel();
      }
      const [counts] = await sql<{ deliveries: number; calls: number; queued: number }[]>`
        select
          (select count(*)::int from switchboard.webhook_deliveries where delivery_id = ${id}) as deliveries,
          (select count(*)::int from switchboard.calls where external_id = ${callId}) as calls,
          -- Work items, not queue messages: call_enrich is live and may already have taken it.
          (select count(*)::int from switchboard.work_items where subject_kind = 'call' and subject_id =
            (select id from switchboard.calls where external_id = ${callId})) as queued`;
      assert.deepEqual(counts, { deliveries: 1, calls: 1, queued: 1 });

      // The same envelope under a new webhook-id (a manual provider retry).
      assert.deepEqual(await outcome(await sendStandard(body)), [200, "duplicate_event"]);
      const [after] = await sql<
        { n: number }[]
      >`select count(*)::int as n from switchboard.calls where external_id = ${callId}`;
      assert.equal(after?.n, 1);
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook T12/T13: an out-of-order lifecycle makes one call holding every artifact; a stale update loses",
  async fn() {
    const sql = db();
    try {
      const callId = `AC${uid()}`;
      // Transcript and summary before the call completes, then the recording, then a stale ringing.
      for (const e of [S.V2026_TRANSCRIPT_COMPLETED, S.V2026_SUMMARY_COMPLETED]) {
        assert.deepEqual(await outcome(await sendStandard(JSON.stringify(withCall(e, callId)))), [
          200,
          "applied",
        ]);
      }
      assert.deepEqual(await outcome(await sendStandard(JSON.stringify(event2026(callId)))), [
        200,
        "applied",
      ]);
      assert.deepEqual(
        await outcome(
          await sendStandard(JSON.stringify(withCall(S.V2026_RECORDING_COMPLETED, callId))),
        ),
        [200, "applied"],
      );
      const ringing = event2026(callId, {
        type: "call.ringing",
        createdAt: "2026-03-04T14:00:00.500Z",
      });
      (ringing.data as { resource: Record<string, unknown> }).resource = {
        ...S.V2026_CALL_COMPLETED.data.resource,
        id: callId,
        status: "ringing",
        answeredAt: null,
        completedAt: null,
        duration: 0,
      };
      assert.deepEqual(await outcome(await sendStandard(JSON.stringify(ringing))), [200, "stale"]);

      const rows = await sql`
        select provider_status, duration_sec, jsonb_array_length(recordings) as recordings,
               provider_summary ->> 'status' as summary, jsonb_array_length(provider_transcript -> 'dialogue') as dialogue
        from switchboard.calls where external_id = ${callId}`;
      assert.equal(rows.length, 1, "one row for the call");
      assert.deepEqual({ ...rows[0] }, {
        provider_status: "answered",
        duration_sec: 595,
        recordings: 1,
        summary: "completed",
        dialogue: 1,
      });
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook T22: when intake fails midway, nothing is stored and the provider is told to retry",
  async fn() {
    const sql = db();
    const callId = `ACfail${uid()}`;
    try {
      // Fail the transaction after the inbox row and the call row are written (at the enqueue).
      await sql.unsafe(`
        create or replace function public.t22_fail() returns trigger language plpgsql as $$
        begin
          if new.external_id like 'ACfail%' then raise exception 'injected intake failure'; end if;
          return null;
        end $$;
        create trigger t22_fail after insert on switchboard.calls for each row execute function public.t22_fail();`);
      const id = `msg_${uid()}`;
      const body = JSON.stringify(event2026(callId));
      const failed = await sendStandard(body, { id });
      assert.equal(failed.status, 500);
      await failed.body?.cancel();
      const [state] = await sql<{ deliveries: number; calls: number }[]>`
        select (select count(*)::int from switchboard.webhook_deliveries where delivery_id = ${id}) as deliveries,
               (select count(*)::int from switchboard.calls where external_id = ${callId}) as calls`;
      assert.deepEqual(state, { deliveries: 0, calls: 0 }, "both rows or neither");

      await sql.unsafe(
        `drop trigger t22_fail on switchboard.calls; drop function public.t22_fail();`,
      );
      assert.deepEqual(
        await outcome(await sendStandard(body, { id })),
        [200, "applied"],
        "the redelivery is applied",
      );
    } finally {
      await sql.unsafe(
        `drop trigger if exists t22_fail on switchboard.calls; drop function if exists public.t22_fail();`,
      );
      await sql.end();
    }
  },
});

/** The inbox rows of one delivery, with the body as the runbook's query reads it. */
async function inbox(sql: ReturnType<typeof db>, deliveryId: string) {
  return await sql<
    {
      outcome: string;
      event_id: string | null;
      detail: string;
      payload: unknown;
      body: string | null;
      bytes: Uint8Array | null;
    }[]
  >`
    select outcome, event_id, detail, payload,
           coalesce(raw_body, encode(raw_body_bytes, 'escape')) as body, raw_body_bytes as bytes
    from switchboard.webhook_deliveries where delivery_id = ${deliveryId}`;
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    out[2 + 2 * i] = text.charCodeAt(i) & 0xff;
    out[3 + 2 * i] = text.charCodeAt(i) >> 8;
  }
  return out;
}

Deno.test({
  ...opts,
  name:
    "webhook T08 (issue 7): each class of body Postgres refuses is quarantined once, acknowledged, and readable",
  async fn() {
    const sql = db();
    try {
      const callId = `ACq${uid()}`;
      const base = JSON.stringify(event2026(callId));
      const withResource = (over: Record<string, unknown>) => {
        const e = event2026(callId);
        const data = e.data as { resource: Record<string, unknown> };
        data.resource = { ...data.resource, ...over };
        return JSON.stringify(e);
      };
      const deep = base.replace(
        `"id":"${callId}"`,
        `"id":"${callId}","x":${"[".repeat(40_000)}${"]".repeat(40_000)}`,
      );
      assert.notEqual(deep, base);
      // [name, body, detail pattern, stored as bytes?]
      const cases: [string, string | Uint8Array, RegExp, boolean][] = [
        ["raw NUL byte", base.replace('"answered"', '"ans\u0000wered"'), /NUL/, true],
        ["\\u0000 escape", withResource({ status: "a\u0000b" }), /status holds a NUL/, false],
        ["UTF-16 body", utf16le(base), /not valid UTF-8/, true],
        ["lone surrogate", withResource({ status: "split \ud83d" }), /lone surrogate/, false],
        ["negative duration", withResource({ duration: -30 }), /duration/, false],
        ["fractional duration", withResource({ duration: 59.5 }), /duration/, false],
        ["absurd duration", withResource({ duration: 9e15 }), /duration/, false],
        ["createdAt not a date", withResource({ createdAt: "last tuesday" }), /createdAt/, false],
        [
          "answeredAt bad offset",
          withResource({ answeredAt: "2026-03-04T14:00:05+20:00" }),
          /answeredAt/,
          false,
        ],
        [
          "completedAt impossible",
          withResource({ completedAt: "2026-02-31T00:00:00Z" }),
          /completedAt/,
          false,
        ],
        [
          "envelope createdAt",
          JSON.stringify(event2026(callId, { createdAt: "2026-03-04T99:00:00Z" })),
          /createdAt/,
          false,
        ],
        ["nesting 40,000 deep", deep, /nests deeper than 64/, false],
        ["300 KB call id", withResource({ id: "AC" + "x".repeat(300_000) }), /\bid\b/, false],
        [
          "300 KB event id",
          JSON.stringify(event2026(callId, { id: "EV" + "y".repeat(300_000) })),
          /envelope \(id/,
          false,
        ],
      ];
      for (const [name, body, detail, asBytes] of cases) {
        const id = `msg_${uid()}`;
        assert.deepEqual(
          await outcome(await sendStandard(body, { id })),
          [200, "quarantined"],
          name,
        );
        // The provider retries anyway (a lost response): still one row.
        assert.deepEqual(
          await outcome(await sendStandard(body, { id })),
          [200, "duplicate_delivery"],
          `${name} (redelivered)`,
        );
        const rows = await inbox(sql, id);
        assert.equal(rows.length, 1, name);
        const row = rows[0]!;
        assert.equal(row.outcome, "quarantined", name);
        assert.match(row.detail, detail, name);
        assert.equal(row.payload, null, name);
        const bytes = typeof body === "string" ? enc.encode(body) : body;
        if (asBytes) {
          assert.deepEqual(new Uint8Array(row.bytes!), bytes, `${name}: exact bytes kept`);
          assert.ok(
            row.body && row.body.length > 0,
            `${name}: readable through encode(…, 'escape')`,
          );
        } else {
          assert.equal(row.body, body, `${name}: kept as text`);
          assert.equal(row.bytes, null, name);
        }
        assert.ok((row.event_id ?? "").length <= 255, name);
      }
      const [calls] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.calls where external_id = ${callId}`;
      assert.equal(calls?.n, 0, "nothing quarantined was applied");

      // Unsigned or badly signed, the same bodies still write nothing.
      const id = `msg_${uid()}`;
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(URL_, {
        method: "POST",
        headers: {
          "webhook-id": id,
          "webhook-timestamp": String(ts),
          "webhook-signature": "v1,AAAA",
        },
        body: base.replace('"answered"', '"ans\u0000wered"'),
      });
      assert.equal(res.status, 401);
      await res.body?.cancel();
      assert.equal((await inbox(sql, id)).length, 0);
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook (issue 7): what the database still refuses is quarantined and acknowledged; the redelivery is a duplicate",
  async fn() {
    const sql = db();
    const callId = `ACrefuse${uid()}`;
    try {
      // A refusal validation cannot foresee, raised where intake writes the call (SQLSTATE 22023).
      await sql.unsafe(`
        create or replace function public.issue7_refuse() returns trigger language plpgsql as $$
        begin
          if new.external_id like 'ACrefuse%' then
            raise exception 'refused' using errcode = 'invalid_parameter_value';
          end if;
          return new;
        end $$;
        create trigger issue7_refuse before insert on switchboard.calls
          for each row execute function public.issue7_refuse();`);
      const id = `msg_${uid()}`;
      const body = JSON.stringify(event2026(callId));
      assert.deepEqual(await outcome(await sendStandard(body, { id })), [200, "quarantined"]);
      assert.deepEqual(await outcome(await sendStandard(body, { id })), [
        200,
        "duplicate_delivery",
      ]);
      const rows = await inbox(sql, id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.outcome, "quarantined");
      assert.equal(rows[0]!.detail, "Refused by the database (SQLSTATE 22023)");
      assert.equal(rows[0]!.body, body);
      assert.ok(rows[0]!.event_id?.startsWith("EV"));
      const [calls] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.calls where external_id = ${callId}`;
      assert.equal(calls?.n, 0);
    } finally {
      await sql.unsafe(
        `drop trigger if exists issue7_refuse on switchboard.calls; drop function if exists public.issue7_refuse();`,
      );
      await sql.end();
    }
  },
});
