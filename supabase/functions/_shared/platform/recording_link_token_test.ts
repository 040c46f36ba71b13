import assert from "node:assert/strict";
import {
  canonicalId,
  importLinkKey,
  parseToken,
  type RecordingLinkClaims,
  signToken,
  verifyToken,
} from "./recording_link_token.ts";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const claims: RecordingLinkClaims = {
  keyVersion: 3,
  callId: "4211",
  mediaId: "9034",
  callVersion: 2,
  expiresAt: null,
};

Deno.test("a signed token verifies, is compact and URL-safe, and names one object", async () => {
  const key = await importLinkKey("k".repeat(64));
  const token = await signToken(claims, key);
  assert.match(token, /^r1\.3\.4211\.9034\.2\.0\.[A-Za-z0-9_-]{43}$/);
  assert.equal(encodeURIComponent(token), token);
  assert.ok(token.length < 80, `${token.length} characters`);
  assert.deepEqual(await verifyToken(token, key, NOW), { ok: true, claims });
  // Deterministic: the same claims and key make the same token.
  assert.equal(await signToken(claims, key), token);
});

Deno.test("ids are carried as bigint-safe decimals", async () => {
  const key = await importLinkKey("secret");
  const big = { ...claims, callId: "9223372036854775807", mediaId: "9007199254740993" };
  const token = await signToken(big, key);
  assert.deepEqual(await verifyToken(token, key, NOW), { ok: true, claims: big });
  assert.equal(canonicalId(42), "42");
  assert.equal(canonicalId(42n), "42");
  assert.equal(canonicalId("42"), "42");
  for (const bad of ["042", "0", "-1", "1.5", "", "9223372036854775808", 1.5, 2 ** 60, null]) {
    assert.equal(canonicalId(bad), null, String(bad));
  }
});

Deno.test("tampering with any part of a token is refused", async () => {
  const key = await importLinkKey("k".repeat(64));
  const token = await signToken(claims, key);
  const parts = token.split(".");
  const variants: [string, string[]][] = [
    ["format", ["r2", ...parts.slice(1)]],
    ["key version", [parts[0]!, "4", ...parts.slice(2)]],
    ["call id", [...parts.slice(0, 2), "4212", ...parts.slice(3)]],
    ["media id", [...parts.slice(0, 3), "9035", ...parts.slice(4)]],
    ["media id with a leading zero", [...parts.slice(0, 3), "09034", ...parts.slice(4)]],
    ["call version", [...parts.slice(0, 4), "1", ...parts.slice(5)]],
    ["expiry added", [...parts.slice(0, 5), String(NOW / 1000 + 3600), parts[6]!]],
    ["swapped call and media", [parts[0]!, parts[1]!, parts[3]!, parts[2]!, ...parts.slice(4)]],
  ];
  for (const [what, changed] of variants) {
    const result = await verifyToken(changed.join("."), key, NOW);
    assert.equal(result.ok, false, what);
  }
  // Every single-character change of the signature, including the low bits of its last
  // character (same bytes, non-canonical spelling).
  const sig = parts[6]!;
  for (let i = 0; i < sig.length; i++) {
    const c = sig[i] === "A" ? "B" : "A";
    const forged = [...parts.slice(0, 6), sig.slice(0, i) + c + sig.slice(i + 1)].join(".");
    assert.deepEqual(await verifyToken(forged, key, NOW), { ok: false, reason: "bad_signature" });
  }
  const last = sig.at(-1)!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
  const noncanonical = [...parts.slice(0, 6), sig.slice(0, -1) + sibling].join(".");
  assert.equal((await verifyToken(noncanonical, key, NOW)).ok, false);
});

Deno.test("malformed tokens are refused without a signature check", async () => {
  const key = await importLinkKey("secret");
  const token = await signToken(claims, key);
  for (
    const bad of [
      "",
      "r1",
      token + ".x",
      token.slice(0, -1),
      token + "A",
      token.replace(".3.", ".0."),
      token.replace(".2.0.", ".-1.0."),
      token.replace(".2.0.", ".2.1e9."),
      token.replace(/\.[^.]+$/, ".====="),
      `${token} `,
      "r1." + "1".repeat(250),
    ]
  ) {
    assert.deepEqual(await verifyToken(bad, key, NOW), { ok: false, reason: "malformed" }, bad);
  }
  assert.equal(parseToken(token)?.signed, "r1.3.4211.9034.2.0");
});

Deno.test("a token signed with another key is refused", async () => {
  const ours = await importLinkKey("k".repeat(64));
  const theirs = await importLinkKey("j".repeat(64));
  const token = await signToken(claims, theirs);
  assert.deepEqual(await verifyToken(token, ours, NOW), { ok: false, reason: "bad_signature" });
});

Deno.test("expiry follows the injected clock; 0 means none", async () => {
  const key = await importLinkKey("secret");
  const exp = NOW / 1000 + 60;
  const token = await signToken({ ...claims, expiresAt: exp }, key);
  assert.match(token, new RegExp(`\\.${exp}\\.`));
  assert.equal((await verifyToken(token, key, NOW)).ok, true);
  assert.equal((await verifyToken(token, key, exp * 1000 - 1)).ok, true);
  assert.deepEqual(await verifyToken(token, key, exp * 1000), { ok: false, reason: "expired" });
  const forever = await signToken(claims, key);
  assert.equal((await verifyToken(forever, key, NOW + 100 * 365 * 86_400_000)).ok, true);
});

Deno.test("signToken refuses claims it could not parse back", async () => {
  const key = await importLinkKey("secret");
  for (
    const bad of [
      { ...claims, keyVersion: 0 },
      { ...claims, callVersion: -1 },
      { ...claims, callVersion: 1.5 },
      { ...claims, callId: "01" },
      { ...claims, mediaId: "x" },
      { ...claims, expiresAt: 0 },
    ]
  ) {
    await assert.rejects(signToken(bad, key), /Invalid recording link claims/);
  }
  await assert.rejects(importLinkKey(""), /empty/);
});
