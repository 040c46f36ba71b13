/**
 * The handler's decisions with the database faked: what is quarantined, what is applied, and
 * what each kind of database failure answers. The real SQL runs in
 * tests/integration/openphone_webhook_test.ts.
 */
import assert from "node:assert/strict";
import * as S from "../_shared/adapters/openphone/testdata/samples.ts";
import { SignatureError } from "../_shared/adapters/openphone/webhook_signature.ts";
import { DbTimeoutError } from "../_shared/platform/db_errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import {
  createHandler,
  deliveryKey,
  type DeliveryRow,
  type IngestRecord,
  type QuarantineRow,
  type WebhookDeps,
} from "./handler.ts";

const enc = new TextEncoder();

function pgError(code: string): Error {
  return Object.assign(new Error("value too long: +15555550100"), {
    name: "PostgresError",
    code,
    detail: "Failing row contains (+15555550100).",
    constraint_name: code === "23514" ? "calls_duration_sec_check" : undefined,
  });
}

interface Harness {
  handler: (req: Request) => Promise<Response>;
  ingested: { delivery: DeliveryRow; record: IngestRecord; timeoutMs: number }[];
  quarantined: QuarantineRow[];
  logs: string[];
}

function harness(over: Partial<WebhookDeps> = {}): Harness {
  const h: Harness = {
    ingested: [],
    quarantined: [],
    logs: [],
    handler: () => Promise.reject(new Error("unset")),
  };
  h.handler = createHandler({
    maxBodyBytes: 1_048_576,
    dbTimeoutMs: 4000,
    log: createLogger({}, { write: (l) => h.logs.push(l) }),
    verify: (headers) => {
      if (headers.get("x-test-bad")) {
        return Promise.reject(new SignatureError("no_valid_signature", "No valid signature"));
      }
      return Promise.resolve({
        scheme: "standard",
        deliveryId: headers.get("webhook-id") ?? "msg_1",
        timestampMs: Date.now(),
      });
    },
    ingest: (delivery, record, timeoutMs) => {
      h.ingested.push({ delivery, record, timeoutMs });
      return Promise.resolve({ outcome: "applied" });
    },
    quarantine: (row) => {
      h.quarantined.push(row);
      return Promise.resolve({ outcome: "quarantined" });
    },
    ...over,
  });
  return h;
}

const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  new Request("http://x/", {
    method: "POST",
    headers: { "webhook-id": "msg_1", ...headers },
    body: (typeof body === "string" ? enc.encode(body) : body) as Uint8Array<ArrayBuffer>,
  });

const callBody = (resource: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...S.V2026_CALL_COMPLETED,
    data: {
      ...S.V2026_CALL_COMPLETED.data,
      resource: { ...S.V2026_CALL_COMPLETED.data.resource, ...resource },
    },
  });

async function outcome(res: Response): Promise<[number, string | undefined]> {
  const body = await res.json();
  return [res.status, body.outcome ?? body.error?.code];
}

Deno.test("a bad signature answers 401 and touches nothing", async () => {
  const h = harness();
  assert.deepEqual(await outcome(await h.handler(post(callBody(), { "x-test-bad": "1" }))), [
    401,
    "unauthorized",
  ]);
  assert.equal(h.ingested.length + h.quarantined.length, 0);
});

Deno.test("a valid event is ingested once with the remaining database budget", async () => {
  const h = harness();
  assert.deepEqual(await outcome(await h.handler(post(callBody()))), [200, "applied"]);
  assert.equal(h.ingested.length, 1);
  assert.equal(h.quarantined.length, 0);
  assert.ok(h.ingested[0]!.timeoutMs > 3900 && h.ingested[0]!.timeoutMs <= 4000);
  assert.equal(h.ingested[0]!.delivery.event_id, "EV2026completed");
});

Deno.test("bodies Postgres cannot take are quarantined without a database round trip that could fail", async () => {
  const cases: [string | Uint8Array, RegExp, "text" | "bytes"][] = [
    [callBody().replace('"answered"', '"ans\u0000wered"'), /NUL/, "bytes"],
    [callBody({ status: "a\u0000b" }), /data\.resource\.status holds a NUL/, "text"],
    [callBody({ status: "\ud800" }), /lone surrogate/, "text"],
    [callBody({ duration: -5 }), /duration/, "text"],
    [callBody({ duration: 12.5 }), /duration/, "text"],
    [callBody({ duration: 1e15 }), /duration/, "text"],
    [callBody({ answeredAt: "not a date" }), /answeredAt/, "text"],
    [callBody({ completedAt: "2026-03-04T14:10:00+23:00" }), /completedAt/, "text"],
    [callBody({ id: "A".repeat(400_000) }), /resource does not parse: id/, "text"],
    [
      callBody().replace(
        '"id":"AC2026call"',
        `"id":"AC2026call","x":${"[".repeat(30_000)}${"]".repeat(30_000)}`,
      ),
      /nests deeper/,
      "text",
    ],
    [new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), /not valid UTF-8/, "bytes"],
  ];
  for (const [body, reason, form] of cases) {
    const h = harness();
    assert.deepEqual(await outcome(await h.handler(post(body))), [200, "quarantined"]);
    assert.equal(h.ingested.length, 0, String(reason));
    assert.equal(h.quarantined.length, 1);
    const q = h.quarantined[0]!;
    assert.match(q.detail, reason);
    assert.equal(q.delivery_id, "msg_1");
    if (form === "bytes") {
      assert.equal(q.raw_body, null);
      assert.deepEqual(q.raw_body_bytes, typeof body === "string" ? enc.encode(body) : body);
    } else {
      assert.equal(q.raw_body, body);
      assert.equal(q.raw_body_bytes, null);
    }
    assert.ok((q.event_id ?? "").length <= 255);
  }
});

Deno.test("what the database still refuses is quarantined and acknowledged, logged by SQLSTATE only", async () => {
  for (const code of ["22P05", "23514", "54000"]) {
    const h = harness({ ingest: () => Promise.reject(pgError(code)) });
    assert.deepEqual(await outcome(await h.handler(post(callBody()))), [200, "quarantined"]);
    assert.equal(h.quarantined.length, 1);
    assert.match(h.quarantined[0]!.detail, new RegExp(`SQLSTATE ${code}`));
    assert.equal(h.quarantined[0]!.event_id, "EV2026completed");
    assert.equal(h.quarantined[0]!.event_created_at, "2026-03-04T14:10:01.000Z");
    assert.doesNotMatch(h.logs.join("\n"), /5555550100|Failing/);
    assert.match(h.logs.join("\n"), new RegExp(`"sqlstate":"${code}"`));
  }
});

Deno.test("a unique violation is retried once before it counts as a refusal", async () => {
  let calls = 0;
  const h = harness({
    ingest: () =>
      ++calls === 1 ? Promise.reject(pgError("23505")) : Promise.resolve({ outcome: "applied" }),
  });
  assert.deepEqual(await outcome(await h.handler(post(callBody()))), [200, "applied"]);
  assert.equal(calls, 2);
  assert.equal(h.quarantined.length, 0);
});

Deno.test("an unreachable or timed-out database answers 503 with Retry-After; nothing is acknowledged", async () => {
  for (
    const e of [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" }),
      pgError("57P01"),
      pgError("40001"),
      pgError("40P01"),
      pgError("53300"),
      new DbTimeoutError(4000),
    ]
  ) {
    const h = harness({ ingest: () => Promise.reject(e) });
    const res = await h.handler(post(callBody()));
    assert.equal(res.status, 503, String((e as { code?: string }).code));
    assert.equal(res.headers.get("retry-after"), "5");
    await res.body?.cancel();
    assert.equal(h.quarantined.length, 0, "a transient failure is not the input's fault");
    assert.doesNotMatch(h.logs.join("\n"), /5555550100/);
  }
  // A quarantine that cannot reach the database is not acknowledged either.
  const h = harness({
    quarantine: () => Promise.reject(Object.assign(new Error("x"), { code: "ECONNREFUSED" })),
  });
  const res = await h.handler(post("not json"));
  assert.equal(res.status, 503);
  await res.body?.cancel();
});

Deno.test("the quarantine after a refusal gets only what is left of the budget", async () => {
  let clock = 0;
  const h = harness({
    now: () => clock,
    ingest: () => {
      clock += 4500; // the refusal came after the whole budget
      return Promise.reject(pgError("22P02"));
    },
  });
  const res = await h.handler(post(callBody()));
  assert.equal(res.status, 503);
  await res.body?.cancel();
  assert.equal(h.quarantined.length, 0);
});

Deno.test("any other database error is a bug: 500, never 2xx", async () => {
  const h = harness({ ingest: () => Promise.reject(pgError("P0001")) });
  assert.deepEqual(await outcome(await h.handler(post(callBody()))), [500, "internal"]);
  assert.equal(h.quarantined.length, 0);
});

Deno.test("deliveryKey() keeps short ids and hashes oversized ones deterministically", async () => {
  assert.equal(await deliveryKey("msg_2abc"), "msg_2abc");
  const long = "m".repeat(300_000);
  const k = await deliveryKey(long);
  assert.match(k, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await deliveryKey(long), k);
  const h = harness();
  assert.deepEqual(await outcome(await h.handler(post(callBody(), { "webhook-id": long }))), [
    200,
    "applied",
  ]);
  assert.equal(h.ingested[0]!.delivery.delivery_id, k);
});
