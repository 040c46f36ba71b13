/**
 * Alerts end to end on the throwaway platform: the webhook URL (Vault:
 * switchboard_alert_webhook_url) points at a local HTTP listener; switchboard.evaluate_alerts()
 * runs again and again; the pg_net dispatcher delivers after commit. Exactly one POST per
 * incident (and one per resolution), Slack's {"text": …} body, and a recurrence is a new incident
 * with a new POST. The incident under test is a watched job that pg_cron does not have, so it is
 * this test's alone; other tests' incidents may be announced meanwhile, and are held to the same
 * rule.
 */
import assert from "node:assert/strict";
import { eventually, platformAvailable, testDb } from "../support/platform.ts";

interface Post {
  text: string;
  keys: string[];
  contentType: string | null;
}

Deno.test({
  name:
    "alerts: one POST per incident to the webhook URL, one per resolution, a new one on recurrence",
  ignore: !platformAvailable,
  async fn() {
    const posts: Post[] = [];
    const listener = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const body = await req.json();
        posts.push({
          text: body.text,
          keys: Object.keys(body),
          contentType: req.headers.get("content-type"),
        });
        return new Response("ok");
      },
    );
    const hook = `http://127.0.0.1:${listener.addr.port}/hook`;
    const job = `switchboard-alerts-it-${crypto.randomUUID().slice(0, 8)}`;
    const sql = testDb(2);
    const mine = (kind: "alert" | "resolved") =>
      posts.filter((p) =>
        p.text.includes(`\`${job}\``) && p.text.startsWith(`Switchboard ${kind}:`)
      );
    const evaluate = () => sql`select switchboard.evaluate_alerts()`;
    try {
      await sql`select switchboard.set_secret('switchboard_alert_webhook_url', ${hook})`;
      await sql`insert into switchboard.scheduled_jobs (jobname, stale_after) values (${job}, interval '1 hour')`;
      for (let i = 0; i < 3; i++) await evaluate();
      await eventually(() => Promise.resolve(mine("alert").length ? true : null), 15_000);
      // More evaluations, and time for any duplicate to arrive.
      for (let i = 0; i < 3; i++) await evaluate();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(mine("alert").length, 1, "one POST for the incident");
      const first = mine("alert")[0]!;
      assert.deepEqual(first.keys, ["text"], "Slack's incoming-webhook body");
      assert.match(first.contentType ?? "", /application\/json/);
      assert.match(first.text, /is not scheduled \(not in cron\.job\).*\[incident \d+\]$/);

      // Cleared: one resolution message.
      await sql`delete from switchboard.scheduled_jobs where jobname = ${job}`;
      for (let i = 0; i < 3; i++) await evaluate();
      await eventually(() => Promise.resolve(mine("resolved").length ? true : null), 15_000);
      // Back again: a new incident, a new POST.
      await sql`insert into switchboard.scheduled_jobs (jobname, stale_after) values (${job}, interval '1 hour')`;
      for (let i = 0; i < 3; i++) await evaluate();
      await eventually(() => Promise.resolve(mine("alert").length === 2 ? true : null), 15_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(mine("alert").length, 2, "the recurrence is announced once");
      assert.equal(mine("resolved").length, 1, "the resolution was announced once");
      const ids = mine("alert").map((p) => p.text.match(/\[incident (\d+)\]$/)?.[1]);
      assert.notEqual(ids[0], ids[1], "as a new incident");

      // Every incident announced meanwhile (this test's or another's): at most once each way.
      const seen = new Map<string, number>();
      for (const p of posts) {
        const m = p.text.match(/^Switchboard (alert|resolved):.*\[incident (\d+)\]$/s);
        assert.ok(m, `an alert message: ${p.text.slice(0, 60)}`);
        const k = `${m[1]}/${m[2]}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      for (const [k, n] of seen) assert.equal(n, 1, `${k} sent once`);
      const [row] = await sql<{ notified: number }[]>`
        select count(*)::int as notified from switchboard.incidents
        where key = ${job} and notified_at is not null and notify_attempts = 1`;
      assert.equal(row?.notified, 2, "both incidents recorded as announced, in one attempt");
    } finally {
      await sql`select switchboard.set_secret('switchboard_alert_webhook_url', '')`;
      await sql`delete from switchboard.scheduled_jobs where jobname = ${job}`;
      await evaluate();
      await sql`delete from switchboard.incidents where key = ${job}`;
      await sql.end();
      await listener.shutdown();
    }
  },
});
