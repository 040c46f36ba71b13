import assert from "node:assert/strict";
import { createTokenProvider, signAssertion } from "./service_account.ts";

async function keyPair() {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const b64 = btoa(String.fromCharCode(...pkcs8)).replace(/(.{64})/g, "$1\n");
  return {
    pem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`,
    publicKey: pair.publicKey,
  };
}

const b64urlDecode = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

Deno.test("signAssertion() makes an RS256 JWT that verifies with the public key", async () => {
  const { pem, publicKey } = await keyPair();
  const jwt = await signAssertion(
    { client_email: "sa@p.iam.gserviceaccount.com", private_key: pem, private_key_id: "k1" },
    { scope: "s", tokenUrl: "http://token", now: 1_700_000_000_000 },
  );
  const [h, c, s] = jwt.split(".");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(b64urlDecode(h!))), {
    alg: "RS256",
    typ: "JWT",
    kid: "k1",
  });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(b64urlDecode(c!))), {
    iss: "sa@p.iam.gserviceaccount.com",
    scope: "s",
    aud: "http://token",
    iat: 1_700_000_000,
    exp: 1_700_003_600,
  });
  const ok = await crypto.subtle.verify(
    "RSASSA-PKCS1-v1_5",
    publicKey,
    b64urlDecode(s!),
    new TextEncoder().encode(`${h}.${c}`),
  );
  assert.equal(ok, true);
});

Deno.test("createTokenProvider() caches the token until a minute before expiry", async () => {
  const { pem } = await keyPair();
  let now = 0;
  let calls = 0;
  const provider = createTokenProvider({
    serviceAccount: { client_email: "sa@x", private_key: pem },
    tokenUrl: "http://token",
    now: () => now,
    fetch: (_url, init) => {
      calls++;
      const form = new URLSearchParams(String(init?.body));
      assert.equal(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
      assert.ok(form.get("assertion"));
      return Promise.resolve(
        Response.json({ access_token: `t${calls}`, expires_in: 3599, token_type: "Bearer" }),
      );
    },
  });
  assert.equal(await provider(), "t1");
  now = 3_000_000;
  assert.equal(await provider(), "t1");
  now = 3_540_000;
  assert.equal(await provider(), "t2");
  assert.equal(calls, 2);
});
