import assert from "node:assert/strict";
import type { Sql } from "../_shared/platform/db.ts";
import { ConfigError } from "../_shared/platform/errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { buildHandler, openphoneApi } from "./wiring.ts";

const log = createLogger({}, { write: () => {} });
const sql = {} as Sql; // nothing is queried while building
const BASE = { SUPABASE_URL: "http://127.0.0.1:1", SUPABASE_SERVICE_ROLE_KEY: "k" };

Deno.test("wiring: starts without an OpenPhone key (a Drive-only set-up); OpenPhone is then null", () => {
  assert.equal(typeof buildHandler({ sql, log }, BASE), "function");
  assert.equal(openphoneApi(sql, BASE), null);
  assert.equal(openphoneApi(sql, { ...BASE, OPENPHONE_API_KEY: " " }), null);
});

Deno.test("wiring: with a key, OpenPhone's settings are checked (an invalid one refuses to start)", () => {
  const op = openphoneApi(sql, { ...BASE, OPENPHONE_API_KEY: "op_key" });
  assert.deepEqual([op?.apiKey, op?.baseUrl], ["op_key", "https://api.openphone.com"]);
  assert.throws(
    () =>
      buildHandler({ sql, log }, {
        ...BASE,
        OPENPHONE_API_KEY: "op_key",
        OPENPHONE_RATE_LIMIT_PER_SECOND: "many",
      }),
    ConfigError,
  );
});
