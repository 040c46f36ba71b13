import assert from "node:assert/strict";
import { createServiceKeyAuth, presentedKey, secretKeysFromEnv } from "./service_key_auth.ts";
import { AuthError, ConfigError } from "./errors.ts";

const SERVICE = "eyJhbGciOiJIUzI1NiJ9.service.sig";
const SECRET = "sb_secret_abc";

Deno.test("service key auth: the keys come from SUPABASE_SERVICE_ROLE_KEY and SUPABASE_SECRET_KEYS", () => {
  assert.deepEqual(
    secretKeysFromEnv({
      SUPABASE_SERVICE_ROLE_KEY: SERVICE,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET, other: "" }),
    }),
    [SERVICE, SECRET],
  );
  assert.deepEqual(secretKeysFromEnv({ SUPABASE_SECRET_KEYS: "not json" }), []);
});

Deno.test("service key auth: Bearer or apikey with a secret key passes", async () => {
  const auth = createServiceKeyAuth([SERVICE, SECRET]);
  await auth(new Request("http://x", { headers: { authorization: `Bearer ${SERVICE}` } }));
  await auth(new Request("http://x", { headers: { authorization: `bearer ${SECRET}` } }));
  await auth(new Request("http://x", { headers: { apikey: SECRET } }));
});

Deno.test("service key auth: anon, another key, nothing → 401", async () => {
  const auth = createServiceKeyAuth([SERVICE, SECRET]);
  for (
    const headers of [
      { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.anon.sig" },
      { apikey: "sb_publishable_xyz" },
      { authorization: `Basic ${SECRET}` },
      {},
    ] as Record<string, string>[]
  ) {
    await assert.rejects(auth(new Request("http://x", { headers })), AuthError);
  }
  // A Bearer token wins over apikey: the anon JWT as Bearer with the secret as apikey fails.
  await assert.rejects(
    auth(new Request("http://x", { headers: { authorization: "Bearer anon", apikey: SECRET } })),
    AuthError,
  );
  assert.equal(presentedKey(new Request("http://x", { headers: { apikey: " k " } })), "k");
});

Deno.test("service key auth: no key configured is a configuration error, not an open door", async () => {
  await assert.rejects(
    createServiceKeyAuth([])(new Request("http://x", { headers: { apikey: "" } })),
    ConfigError,
  );
});
