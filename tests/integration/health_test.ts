/** The health function through the gateway, against the throwaway platform. */
import assert from "node:assert/strict";
import { platformAvailable, TEST_GATEWAY_URL } from "../support/platform.ts";

Deno.test({
  name: "health: GET /functions/v1/health reports every part healthy without credentials",
  ignore: !platformAvailable,
  async fn() {
    const res = await fetch(`${TEST_GATEWAY_URL}/functions/v1/health`);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.ok, true);
    for (const part of ["database", "pg_cron", "pg_net", "queues"]) {
      assert.equal(body[part]?.ok, true, `${part} is healthy`);
    }
  },
});
