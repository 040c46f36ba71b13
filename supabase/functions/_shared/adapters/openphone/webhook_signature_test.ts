import assert from "node:assert/strict";
import { SignatureError, signLegacy, signStandard, verifyWebhook } from "./webhook_signature.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const enc = new TextEncoder();

const opts = (now = TS * 1000, extra: Partial<Parameters<typeof verifyWebhook>[2]> = {}) => ({
  standardSecrets: [SECRET],
  legacyKeys: [],
  now,
  ...extra,
});

function std(signature: string, ts = String(TS), id = ID): Headers {
  return new Headers({ "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": signature });
}

async function rejects(p: Promise<unknown>, reason: string) {
  await assert.rejects(p, (e: unknown) => e instanceof SignatureError && e.reason === reason);
}

Deno.test("verifyWebhook() matches the Standard Webhooks published test vector", async () => {
  assert.equal(await signStandard(SECRET, ID, TS, BODY), EXPECTED);
  const ok = await verifyWebhook(std(EXPECTED), enc.encode(BODY), opts());
  assert.deepEqual(ok, { scheme: "standard", deliveryId: ID, timestampMs: TS * 1000 });
});

Deno.test("verifyWebhook() accepts the secret with or without its whsec_ prefix", async () => {
  const bare = SECRET.slice("whsec_".length);
  await verifyWebhook(
    std(EXPECTED),
    enc.encode(BODY),
    opts(undefined, { standardSecrets: [bare] }),
  );
});

Deno.test("verifyWebhook() refuses each missing header, bad timestamps and bad signatures", async () => {
  const body = enc.encode(BODY);
  for (const drop of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const h = std(EXPECTED);
    h.delete(drop);
    await rejects(verifyWebhook(h, body, opts()), "missing_headers");
  }
  await rejects(verifyWebhook(std(EXPECTED, "abc"), body, opts()), "bad_timestamp");
  await rejects(verifyWebhook(std("v1,Zm9v"), body, opts()), "no_valid_signature");
  await rejects(verifyWebhook(std(EXPECTED.slice(0, -4)), body, opts()), "no_valid_signature");
  await rejects(verifyWebhook(std("v2," + EXPECTED.slice(3)), body, opts()), "no_valid_signature");
  await rejects(verifyWebhook(new Headers(), body, opts()), "missing_headers");
});

Deno.test("verifyWebhook() verifies the raw bytes: re-serialised JSON fails", async () => {
  const reserialised = JSON.stringify(JSON.parse(BODY));
  assert.notEqual(reserialised, BODY);
  await rejects(
    verifyWebhook(std(EXPECTED), enc.encode(reserialised), opts()),
    "no_valid_signature",
  );
});

Deno.test("verifyWebhook() tolerates 300 s of skew in both directions, not 301", async () => {
  const body = enc.encode(BODY);
  for (const skew of [-299, 299, -300, 300]) {
    await verifyWebhook(std(EXPECTED), body, opts((TS + skew) * 1000));
  }
  for (const skew of [-301, 301]) {
    await rejects(
      verifyWebhook(std(EXPECTED), body, opts((TS + skew) * 1000)),
      "timestamp_out_of_tolerance",
    );
  }
});

Deno.test("verifyWebhook() accepts several signatures during a rotation", async () => {
  const newSecret = "whsec_" + btoa("a brand new secret of 32 bytes!!");
  const both = `${await signStandard(newSecret, ID, TS, BODY)} ${EXPECTED}`;
  const body = enc.encode(BODY);
  await verifyWebhook(std(both), body, opts(undefined, { standardSecrets: [newSecret] }));
  await verifyWebhook(std(both), body, opts(undefined, { standardSecrets: [SECRET, newSecret] }));
  // Old secret removed, only the old signature sent: refused.
  await rejects(
    verifyWebhook(std(EXPECTED), body, opts(undefined, { standardSecrets: [newSecret] })),
    "no_valid_signature",
  );
});

Deno.test("verifyWebhook() verifies the legacy openphone-signature scheme in milliseconds", async () => {
  const key = btoa("legacy signing key bytes");
  const ms = 1639710054089;
  const body = enc.encode('{"id":"EVabc","object":"event"}');
  const header = await signLegacy(key, ms, body);
  assert.match(header, /^hmac;1;1639710054089;[A-Za-z0-9+/]+=*$/);
  const h = new Headers({ "openphone-signature": header });
  const ok = await verifyWebhook(h, body, {
    standardSecrets: [],
    legacyKeys: [key],
    now: ms + 1000,
  });
  assert.equal(ok.scheme, "legacy");
  assert.equal(ok.timestampMs, ms);
  // A second comma-separated entry (future versions) does not break parsing.
  await verifyWebhook(new Headers({ "openphone-signature": `${header},hmac;2;${ms};xyz` }), body, {
    standardSecrets: [],
    legacyKeys: [key],
    now: ms,
  });
  await rejects(
    verifyWebhook(h, body, { standardSecrets: [], legacyKeys: [btoa("other key")], now: ms }),
    "no_valid_signature",
  );
  await rejects(
    verifyWebhook(h, body, { standardSecrets: [], legacyKeys: [key], now: ms + 301_000 }),
    "timestamp_out_of_tolerance",
  );
  await rejects(
    verifyWebhook(new Headers({ "openphone-signature": "hmac;1;notanumber;abc" }), body, {
      standardSecrets: [],
      legacyKeys: [key],
      now: ms,
    }),
    "bad_timestamp",
  );
});

Deno.test("verifyWebhook() refuses when no secret is configured", async () => {
  await rejects(
    verifyWebhook(std(EXPECTED), enc.encode(BODY), opts(undefined, { standardSecrets: [] })),
    "no_secrets",
  );
});
