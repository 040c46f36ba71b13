/**
 * The health function through the gateway, against the throwaway platform. Other test files run
 * in parallel on the same database and leave dead letters and queued work on purpose (permanent
 * failures, poison messages), so this checks the platform's own parts, and that the answer's
 * status follows the overall verdict; the engine's verdicts have their pgTAP suite
 * (supabase/tests/engine/health_and_ops.test.sql).
 */
import assert from "node:assert/strict";
import { platformAvailable, TEST_GATEWAY_URL } from "../support/platform.ts";

Deno.test({
  name: "health: GET /functions/v1/health reports the platform's parts without credentials",
  ignore: !platformAvailable,
  async fn() {
    const res = await fetch(`${TEST_GATEWAY_URL}/functions/v1/health`);
    const body = await res.json();
    assert.equal(res.status, body.ok ? 200 : 503, JSON.stringify(body));
    for (const part of ["database", "pg_cron", "pg_net", "retention", "transactions", "watchdog"]) {
      assert.equal(body[part]?.ok, true, `${part} is healthy: ${JSON.stringify(body[part])}`);
    }
    for (const part of ["queues", "dead_letters"]) {
      assert.equal(typeof body[part]?.ok, "boolean", `${part} has a verdict`);
    }
    assert.ok(
      body.queues.queues.some((q: { stage: string }) => q.stage === "probe"),
      "every stage's queue is listed",
    );
  },
});
