/** The signing functions against the Standard Webhooks test vector and independent HMACs. */
import assert from "node:assert/strict";
import { Rng } from "../ids.ts";
import {
  legacySignatureHeader,
  newLegacyKey,
  newWhsecSecret,
  standardSignature,
  standardSignatureHeader,
} from "./sign.ts";

const b64decode = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64encode = (b: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(b)));

/** HMAC-SHA256 with WebCrypto, independent of the node:crypto code under test. */
async function hmac(key: Uint8Array, content: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    key.slice(),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return b64encode(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(content)));
}

Deno.test("openphone: Standard Webhooks signature matches the published test vector", () => {
  const sig = standardSignature(
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "msg_p5jXN8AQM9LWM0D4loKWxJek",
    1614265330,
    '{"test": 2432232314}',
  );
  assert.equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
});

Deno.test("openphone: several secrets give several space-separated signatures", async () => {
  const rng = new Rng("sign");
  const secrets = [newWhsecSecret(rng), newWhsecSecret(rng)];
  assert.match(secrets[0]!, /^whsec_[A-Za-z0-9+/]{32}$/);
  const body = '{"id":"EV1","type":"call.completed"}';
  const header = standardSignatureHeader(secrets, "msg_abc", 1_767_225_600, body);
  const parts = header.split(" ");
  assert.equal(parts.length, 2);
  for (const [i, part] of parts.entries()) {
    const key = b64decode(secrets[i]!.slice("whsec_".length));
    assert.equal(part, `v1,${await hmac(key, `msg_abc.1767225600.${body}`)}`);
  }
});

Deno.test("openphone: legacy openphone-signature is hmac;1;<ms>;<base64> over ms.body", async () => {
  const key = newLegacyKey(new Rng("legacy"));
  const body = '{"id":"EVd39d","object":"event"}';
  const header = legacySignatureHeader(key, 1_639_710_054_089, body);
  const [scheme, version, ts, sig] = header.split(";");
  assert.equal(scheme, "hmac");
  assert.equal(version, "1");
  assert.equal(ts, "1639710054089");
  assert.equal(sig, await hmac(b64decode(key), `1639710054089.${body}`));
});
