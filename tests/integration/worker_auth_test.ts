/**
 * T07: with verify_jwt off, each function is its own gate. Worker functions refuse callers
 * without the worker secret (or with a wrong one) before doing anything; with it, they run.
 */
import assert from "node:assert/strict";
import { platformAvailable, TEST_GATEWAY_URL } from "../support/platform.ts";

// Stage workers answer 202 and drain in the background; the pull-based doors answer 200 with
// their report.
const WORKERS: Record<string, number> = {
  "probe": 202,
  "openphone-backfill": 200,
  "drive-discover": 200,
};
const SECRET = Deno.env.get("SWITCHBOARD_TEST_WORKER_SECRET") ?? "";

Deno.test({
  name: "worker functions refuse callers without the worker secret and run with it",
  ignore: !platformAvailable,
  async fn() {
    for (const [fn, ok] of Object.entries(WORKERS)) {
      const url = `${TEST_GATEWAY_URL}/functions/v1/${fn}`;
      const none = await fetch(url, { method: "POST", body: "{}" });
      assert.equal(none.status, 401, `${fn} without a secret`);
      await none.body?.cancel();
      const wrong = await fetch(url, {
        method: "POST",
        body: "{}",
        headers: { "x-switchboard-worker-secret": "guess" },
      });
      assert.equal(wrong.status, 401, `${fn} with a wrong secret`);
      await wrong.body?.cancel();
      const right = await fetch(url, {
        method: "POST",
        body: "{}",
        headers: { "x-switchboard-worker-secret": SECRET },
      });
      const body = await right.json();
      assert.equal(right.status, ok, `${fn} with the secret: ${JSON.stringify(body)}`);
    }
  },
});
