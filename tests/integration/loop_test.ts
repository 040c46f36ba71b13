/**
 * The loop every stage relies on, end to end on the local platform: an INSERT fires the
 * trigger → pgmq.send + wake → net.http_post → gateway → the probe function, which reads its
 * queue message and writes the answer back.
 */
import assert from "node:assert/strict";
import { eventually, platformAvailable, testDb } from "../support/platform.ts";

Deno.test({
  name: "loop: an inserted probe is answered by the probe function through pg_net",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb();
    try {
      const [probe] = await sql<{ id: number }[]>`
        insert into switchboard.probes default values returning id`;
      const answered = await eventually(async () => {
        const [row] = await sql<{ answered_by: string | null }[]>`
          select answered_by from switchboard.probes where id = ${probe!.id}`;
        return row?.answered_by;
      });
      assert.match(answered, /^probe:/);
      const [queued] = await sql<{ n: number }[]>`
        select count(*)::int as n from pgmq.q_probe_jobs where (message ->> 'id')::bigint = ${
        probe!.id
      }`;
      assert.equal(queued!.n, 0, "the queue message is deleted once handled");
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "loop: a lost wake-up is recovered by the cron sweep",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb();
    try {
      // Insert a probe and drop its wake-up before commit, as a lost pg_net request would be.
      // Its message is hidden for now, so no drain already running can take it behind our back.
      const { probeId, msgId } = await sql.begin(async (tx) => {
        const [p] = await tx<
          { id: number }[]
        >`insert into switchboard.probes default values returning id`;
        await tx`delete from net.http_request_queue where url like '%/functions/v1/probe'`;
        const [m] = await tx<{ msg_id: string }[]>`
          select msg_id::text from pgmq.q_probe_jobs where (message ->> 'id')::bigint = ${p!.id}`;
        await tx`select pgmq.set_vt('probe_jobs', ${m!.msg_id}::bigint, 3600)`;
        return { probeId: p!.id, msgId: m!.msg_id };
      });
      const [state] = await sql<{ queued: number; wakes: number; answered: boolean }[]>`
        select
          (select count(*)::int from pgmq.q_probe_jobs where msg_id = ${msgId}::bigint) as queued,
          (select count(*)::int from net.http_request_queue where url like '%/functions/v1/probe') as wakes,
          (select answered_at is not null from switchboard.probes where id = ${probeId}) as answered`;
      assert.equal(state!.queued, 1, "the work is still owed: its message is queued");
      assert.equal(state!.wakes, 0, "no wake-up is on its way");
      assert.equal(state!.answered, false, "and nothing has answered it");
      // The visibility timeout ends (as it would after a crashed worker's lease).
      await sql`select pgmq.set_vt('probe_jobs', ${msgId}::bigint, 0)`;

      // What pg_cron runs on its schedule.
      const [job] = await sql<{ command: string }[]>`
        select command from cron.job where jobname = 'switchboard-sweep'`;
      assert.equal(job?.command, "select switchboard.sweep()");
      await sql.unsafe(job!.command);

      const answeredBy = await eventually(async () => {
        const [row] = await sql<{ answered_by: string | null }[]>`
          select answered_by from switchboard.probes where id = ${probeId}`;
        return row?.answered_by;
      });
      assert.match(answeredBy, /^probe:/);
    } finally {
      await sql.end();
    }
  },
});
