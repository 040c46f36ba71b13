import assert from "node:assert/strict";
import { ANON_KEY, JWT_SECRET, SERVICE_ROLE_KEY } from "../config.ts";
import { base64UrlEncode, checkJwt, signJwt, verifyJwt } from "./jwt.ts";

const encoder = new TextEncoder();
const NOW = 1_800_000_000;

Deno.test("jwt: verifies the well-known local keys with the local secret", async () => {
  assert.deepEqual(await verifyJwt(ANON_KEY, JWT_SECRET), {
    iss: "supabase-demo",
    role: "anon",
    exp: 1983812996,
  });
  assert.equal((await verifyJwt(SERVICE_ROLE_KEY, JWT_SECRET))?.role, "service_role");
  assert.equal(
    await verifyJwt(SERVICE_ROLE_KEY, "another-secret-with-at-least-32-characters"),
    null,
  );
});

Deno.test("jwt: a signed token round-trips and matches an independent HMAC", async () => {
  const token = await signJwt({ url: "bucket/a b.txt", iat: NOW, exp: NOW + 60 }, JWT_SECRET);
  assert.deepEqual(await verifyJwt(token, JWT_SECRET, NOW), {
    url: "bucket/a b.txt",
    iat: NOW,
    exp: NOW + 60,
  });

  const [header, payload, signature] = token.split(".");
  assert.deepEqual(JSON.parse(atob(header!)), { alg: "HS256", typ: "JWT" });
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(JWT_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const expected = await crypto.subtle.sign("HMAC", key, encoder.encode(`${header}.${payload}`));
  assert.equal(signature, base64UrlEncode(new Uint8Array(expected)));
});

Deno.test("jwt: expiry and not-before are enforced to the second", async () => {
  const token = await signJwt({ exp: NOW + 10, nbf: NOW - 10 }, JWT_SECRET);
  assert.ok(await verifyJwt(token, JWT_SECRET, NOW + 9));
  assert.equal(await verifyJwt(token, JWT_SECRET, NOW + 10), null);
  assert.deepEqual(await checkJwt(token, JWT_SECRET, NOW + 10), { ok: false, reason: "expired" });
  assert.deepEqual(await checkJwt(token, JWT_SECRET, NOW - 11), {
    ok: false,
    reason: "not_yet_valid",
  });
  const noExpiry = await signJwt({ role: "anon" }, JWT_SECRET);
  assert.ok(await verifyJwt(noExpiry, JWT_SECRET));
});

Deno.test("jwt: tampered, re-algorithmed and malformed tokens are refused", async () => {
  const token = await signJwt({ role: "anon", exp: NOW + 60 }, JWT_SECRET);
  const [header, payload, signature] = token.split(".") as [string, string, string];

  const elevated = base64UrlEncode(encoder.encode(JSON.stringify({ role: "service_role" })));
  assert.deepEqual(await checkJwt(`${header}.${elevated}.${signature}`, JWT_SECRET, NOW), {
    ok: false,
    reason: "invalid_signature",
  });
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  assert.equal(await verifyJwt(`${header}.${payload}.${flipped}`, JWT_SECRET, NOW), null);

  const none = base64UrlEncode(encoder.encode(JSON.stringify({ alg: "none", typ: "JWT" })));
  assert.equal(await verifyJwt(`${none}.${payload}.`, JWT_SECRET, NOW), null);

  for (const garbage of ["", "abc", "a.b", "a.b.c.d", `${header}.${payload}`, "!!.??.**"]) {
    assert.equal(await verifyJwt(garbage, JWT_SECRET, NOW), null, garbage);
  }
  const notAnObject = base64UrlEncode(encoder.encode("[1,2]"));
  assert.deepEqual(await checkJwt(`${header}.${notAnObject}.${signature}`, JWT_SECRET, NOW), {
    ok: false,
    reason: "malformed",
  });
});
