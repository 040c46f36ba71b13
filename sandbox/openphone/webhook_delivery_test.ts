/**
 * Contract tests for webhook delivery: Svix retries (manual and compressed time), duplicates,
 * reordering, delays, replays, secret rotation, refusals and a real HTTP endpoint.
 */
import assert from "node:assert/strict";
import {
  BASE_SCENARIO,
  CALL_ANSWERED,
  CALL_PROCESSING,
  jsonOf,
  MSG_IN,
  withSandbox,
} from "./testing.ts";

import {
  advance,
  createWebhook,
  emit,
  flush,
  type Json,
  receiver,
  verifyStandard,
} from "./webhook_testing.ts";

Deno.test("openphone: a non-2xx answer is retried on the Svix schedule", async () => {
  const rx = receiver([500, 500, 502, 503, 500, 404, 500, 200]);
  await withSandbox(async (s) => {
    await createWebhook(s, { url: "https://hooks.example.com/flaky" });
    await emit(s, { events: [{ type: "call.completed", resourceId: CALL_ANSWERED }] });
    const start = s.clock.now();
    assert.equal((await flush(s)).length, 1);
    const delays = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
    for (const delay of delays) {
      assert.equal((await advance(s, delay - 1)).length, 0, "not due before its time");
      assert.equal((await advance(s, 1)).length, 1, "due exactly on schedule");
    }
    const [d] = await jsonOf<Json[]>(await s.control("/openphone/webhooks/deliveries"), 200);
    assert.equal(d!.status, "succeeded");
    const attempts = d!.attempts as Json[];
    assert.deepEqual(attempts.map((a) => a.status), [500, 500, 502, 503, 500, 404, 500, 200]);
    const offsets = attempts.map((a) => (a.scheduledAt as number) - start);
    assert.deepEqual(offsets, [
      0,
      5_000,
      305_000,
      2_105_000,
      9_305_000,
      27_305_000,
      63_305_000,
      99_305_000,
    ]);
    // Retries repeat the message: same webhook-id and body, a fresh signature each time.
    assert.equal(new Set(rx.received.map((r) => r.headers.get("webhook-id"))).size, 1);
    assert.equal(new Set(rx.received.map((r) => r.body)).size, 1);
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});

Deno.test("openphone: after eight failed attempts a delivery is failed and stops", async () => {
  const rx = receiver(Array(20).fill(500));
  await withSandbox(async (s) => {
    await createWebhook(s, { url: "https://hooks.example.com/down" });
    await emit(s, { events: [{ type: "call.completed", resourceId: CALL_ANSWERED }] });
    await flush(s);
    for (let i = 0; i < 10; i++) await advance(s, 36_000_000);
    assert.equal(rx.received.length, 8);
    const [d] = await jsonOf<Json[]>(await s.control("/openphone/webhooks/deliveries"), 200);
    assert.equal(d!.status, "failed");
    assert.equal(d!.nextAt, null);
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});

Deno.test("openphone: auto dispatch with timeScale compresses the 27-hour schedule", async () => {
  const rx = receiver(Array(20).fill(500));
  await withSandbox(async (s) => {
    await createWebhook(s, { url: "https://hooks.example.com/down" });
    await emit(s, { events: [{ type: "call.completed", resourceId: CALL_ANSWERED }] });
    const deadline = Date.now() + 5_000;
    let d: Json | undefined;
    while (Date.now() < deadline) {
      [d] = await jsonOf<Json[]>(await s.control("/openphone/webhooks/deliveries"), 200);
      if (d?.status === "failed") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(d?.status, "failed");
    const at = (d!.attempts as Json[]).map((a) => a.scheduledAt as number);
    assert.equal(at.length, 8);
    assert.deepEqual(
      at.slice(1).map((t, i) => t - at[i]!),
      [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    );
  }, {
    scenario: BASE_SCENARIO,
    fetch: rx.fetch,
    vendor: { webhooks: { dispatch: "auto", timeScale: 1_000_000 } },
  });
});

Deno.test("openphone: deliveries can be duplicated, reordered, delayed and replayed", async () => {
  const rx = receiver();
  await withSandbox(async (s) => {
    const wh = await createWebhook(s, { url: "https://hooks.example.com/quo" });
    const [secret] = wh.secrets as string[];
    await emit(s, {
      events: [
        { type: "call.completed", resourceId: CALL_ANSWERED },
        { type: "call.recording.completed", resourceId: CALL_ANSWERED },
        { type: "call.transcript.completed", resourceId: CALL_ANSWERED },
      ],
      order: "reverse",
      duplicate: 1,
    });
    await flush(s);
    const types = rx.received.map((r) => JSON.parse(r.body).type);
    assert.deepEqual(types, [
      "call.transcript.completed",
      "call.transcript.completed",
      "call.recording.completed",
      "call.recording.completed",
      "call.completed",
      "call.completed",
    ]);
    // A duplicate is the same message: same webhook-id, same event id, same bytes.
    assert.equal(
      rx.received[0]!.headers.get("webhook-id"),
      rx.received[1]!.headers.get("webhook-id"),
    );
    assert.equal(rx.received[0]!.body, rx.received[1]!.body);
    assert.notEqual(
      rx.received[0]!.headers.get("webhook-id"),
      rx.received[2]!.headers.get("webhook-id"),
    );

    // Delayed: nothing until the delay has passed on the sender's clock.
    await emit(s, { events: [{ type: "message.received", resourceId: MSG_IN }], delayMs: 60_000 });
    assert.equal((await flush(s)).length, 0);
    assert.equal((await advance(s, 60_000)).length, 1);

    // Replay an earlier delivery later on: same message, newly signed.
    const deliveries = await jsonOf<Json[]>(await s.control("/openphone/webhooks/deliveries"), 200);
    const first = deliveries[0]!;
    s.clock.advance(3_600_000);
    const replay = await jsonOf(
      await s.control(`/openphone/webhooks/deliveries/${first.id}/replay`, {}),
      202,
    );
    assert.equal(replay.kind, "replay");
    await flush(s);
    const last = rx.received.at(-1)!;
    assert.equal(last.headers.get("webhook-id"), first.msgId);
    assert.equal(last.body, first.body);
    assert.equal(last.headers.get("webhook-timestamp"), String(Math.floor(s.clock.now() / 1000)));
    assert.ok(await verifyStandard(secret!, last, Math.floor(s.clock.now() / 1000)));

    const byEvent = await jsonOf<Json[]>(
      await s.control(`/openphone/webhooks/events/${first.eventId}/replay`, {}),
      202,
    );
    assert.equal(byEvent.length, 1);
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});

Deno.test("openphone: rotating a secret signs with both until the old one is dropped", async () => {
  const rx = receiver();
  await withSandbox(async (s) => {
    const wh = await createWebhook(s, { url: "https://hooks.example.com/quo" });
    const rotated = await jsonOf(await s.control(`/openphone/webhooks/${wh.id}/rotate`, {}), 200);
    const [oldSecret, newSecret] = rotated.secrets as string[];
    await emit(s, { events: [{ type: "message.received", resourceId: MSG_IN }] });
    await flush(s);
    const now = Math.floor(s.clock.now() / 1000);
    assert.equal(rx.received[0]!.headers.get("webhook-signature")!.split(" ").length, 2);
    assert.ok(await verifyStandard(oldSecret!, rx.received[0]!, now));
    assert.ok(await verifyStandard(newSecret!, rx.received[0]!, now));
    await jsonOf(await s.control(`/openphone/webhooks/${wh.id}/rotate`, { dropOld: true }), 200);
    await emit(s, { events: [{ type: "message.received", resourceId: MSG_IN }] });
    await flush(s);
    assert.equal(rx.received[1]!.headers.get("webhook-signature")!.split(" ").length, 1);
    assert.ok(!(await verifyStandard(oldSecret!, rx.received[1]!, now)));
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});

Deno.test("openphone: the sender refuses events the resource could not have produced", async () => {
  const rx = receiver();
  await withSandbox(async (s) => {
    await createWebhook(s, { url: "https://hooks.example.com/quo" });
    for (
      const [type, resourceId] of [
        ["call.transcript.completed", CALL_PROCESSING],
        ["call.recording.completed", CALL_PROCESSING],
        ["call.missed", CALL_ANSWERED],
        ["message.delivered", MSG_IN],
        ["call.completed", "ACnosuchcall"],
      ]
    ) {
      const body = await emit(s, { events: [{ type, resourceId }] }, 409);
      assert.equal(typeof body.error, "string");
    }
    assert.equal(rx.received.length, 0);
  }, { scenario: BASE_SCENARIO, fetch: rx.fetch });
});

Deno.test("openphone: webhooks reach a real HTTP endpoint; a redirect counts as a failure", async () => {
  const hits: { status: number; signature: string | null }[] = [];
  let answer = 302;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    await req.text();
    hits.push({ status: answer, signature: req.headers.get("webhook-signature") });
    return answer === 302
      ? new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } })
      : new Response(null, { status: 204 });
  });
  try {
    await withSandbox(async (s) => {
      await createWebhook(s, { url: `http://127.0.0.1:${server.addr.port}/hook` });
      await emit(s, { events: [{ type: "call.completed", resourceId: CALL_ANSWERED }] });
      const [first] = await flush(s);
      assert.equal(first!.status, 302);
      answer = 204;
      const [second] = await advance(s, 5_000);
      assert.equal(second!.status, 204);
      assert.equal(hits.length, 2);
      assert.ok(hits.every((h) => h.signature?.startsWith("v1,")));
    }, { scenario: BASE_SCENARIO });
  } finally {
    await server.shutdown();
  }
});
