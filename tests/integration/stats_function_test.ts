/**
 * The stats function through the gateway, against the throwaway platform: the project's secret
 * keys (service-role JWT, sb_secret_) get switchboard.stats() as JSON; the anon and publishable
 * keys, and no key, get 401.
 */
import assert from "node:assert/strict";
import { ANON_KEY, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from "../../local/config.ts";
import { platformAvailable, TEST_GATEWAY_URL, testDb } from "../support/platform.ts";

const url = () => `${TEST_GATEWAY_URL}/functions/v1/stats`;

Deno.test({
  name:
    "stats function: the secret keys get the ops figures as JSON, as switchboard.stats() has them",
  ignore: !platformAvailable,
  async fn() {
    for (
      const headers of [
        { authorization: `Bearer ${SERVICE_ROLE_KEY}` },
        { authorization: `Bearer ${SECRET_KEY}` },
        { apikey: SECRET_KEY },
      ]
    ) {
      const res = await fetch(url(), { headers });
      assert.equal(res.status, 200, JSON.stringify(Object.keys(headers)));
      assert.equal(res.headers.get("cache-control"), "no-store");
      const body = await res.json();
      for (
        const key of [
          "generated_at",
          "ok",
          "health",
          "pipeline",
          "queues",
          "dead_letters",
          "latency",
          "spend",
          "notion",
          "cron",
          "incidents",
        ]
      ) {
        assert.ok(key in body, `${key} is in the document`);
      }
      const sql = testDb(1);
      try {
        const [row] = await sql<{ stages: string[] }[]>`
          select array_agg(s ->> 'stage' order by o) as stages
          from jsonb_array_elements(switchboard.stats() -> 'pipeline') with ordinality as e(s, o)`;
        assert.deepEqual(
          body.pipeline.map((s: { stage: string }) => s.stage),
          row!.stages,
          "the same stages in the same order as the SQL function",
        );
      } finally {
        await sql.end();
      }
      assert.ok(
        body.pipeline.some((s: { stage: string; kind: string }) =>
          s.stage === "call_enrich" && s.kind === "call"
        ),
      );
      assert.equal(typeof body.spend.today.daily_max_calls, "number");
    }
  },
});

Deno.test({
  name: "stats function: anon, publishable or no key → 401; POST → 405",
  ignore: !platformAvailable,
  async fn() {
    for (
      const headers of [
        {},
        { authorization: `Bearer ${ANON_KEY}` },
        { apikey: ANON_KEY },
        { apikey: PUBLISHABLE_KEY },
        { authorization: `Bearer ${PUBLISHABLE_KEY}`, apikey: PUBLISHABLE_KEY },
        { authorization: "Bearer sb_secret_wrong" },
      ] as Record<string, string>[]
    ) {
      const res = await fetch(url(), { headers });
      assert.equal(res.status, 401, JSON.stringify(Object.keys(headers)));
      assert.equal((await res.json()).error.code, "unauthorized");
    }
    const post = await fetch(url(), {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_ROLE_KEY}` },
      body: "{}",
    });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  },
});
