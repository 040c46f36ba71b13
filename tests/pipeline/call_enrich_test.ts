/**
 * call_enrich against the sandbox's OpenPhone and the throwaway database: calls ingested with
 * what a ringing webhook says are completed from the REST API and end in call_store_recording
 * (eligible) or call_publish (short, outgoing, too old) with the reason recorded; a recording
 * OpenPhone is still processing retries until it is ready; a Drive recording of an OpenPhone
 * call merges into it whichever arrives first; an ambiguous one is flagged, not merged.
 *
 * The stage is drained in-process (drainStage with the sandbox client). While the test runs, the
 * pipeline stages are its own (isolatePipeline): their wake-ups go to a function that does not
 * exist, so the gateway's call-enrich (which has no OpenPhone key in the test platform) does not
 * take these calls first and nothing moves them on from where the drain put them; items other
 * tests left in those stages are hidden. A call of another test that this drain meets all the
 * same is handled as that function would (no OpenPhone key).
 */
import assert from "node:assert/strict";
import { createOpenPhoneClient } from "../../supabase/functions/_shared/adapters/openphone/client.ts";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import {
  budgetKey,
  postgresBudget,
} from "../../supabase/functions/_shared/platform/rate_budget.ts";
import {
  drainStage,
  type StageHandler,
} from "../../supabase/functions/_shared/platform/stage_worker.ts";
import { createEnrichHandler } from "../../supabase/functions/call-enrich/enrich.ts";
import { createEnrichStore } from "../../supabase/functions/call-enrich/store.ts";
import { createOpenPhone } from "../../sandbox/openphone/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { isolatePipeline } from "../support/pipeline.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

const silent = createLogger({}, { write: () => {} });
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const MIN = 60_000;

interface Row {
  external_id: string;
  stage: string;
  status: string;
  pipeline_status: string;
  waiting_for: string | null;
  last_error: { code?: string } | null;
  eligibility: { eligible: boolean; reason: string } | null;
  dedupe: { status?: string; candidates?: number[]; possible_duplicates?: number[] } | null;
  merged_into_call_id: string | null;
  recordings: Record<string, unknown>[];
  id: string;
}

Deno.test({
  name:
    "call_enrich: REST enrichment, eligibility, not-ready retries, Drive merges both ways, ambiguity",
  ignore: !platformAvailable,
  async fn() {
    const sb = startSandbox({ vendors: [createOpenPhone()] });
    const sql = testDb(4);
    const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
    const apiKey = `op_test_${tag}`;
    const own = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    let n = 0;
    const caller = () =>
      `+1555${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}${n++ % 10}`;
    const pn = `PN${tag}`;
    const seed = async (calls: Record<string, unknown>[]) => {
      const res = await fetch(`${sb.url}/_control/seed`, {
        method: "POST",
        body: JSON.stringify({
          openphone: { apiKeys: [apiKey], phoneNumbers: [{ id: pn, number: own }], calls },
        }),
      });
      assert.ok(res.ok, await res.text());
    };
    // What a call.ringing webhook leaves: the REST API has to complete the rest.
    const ring = async (
      id: string,
      participant: string,
      startedAt: string,
      direction = "incoming",
    ) => {
      await sql`select switchboard.merge_call('openphone', ${
        sql.json({
          external_id: id,
          phone_number_id: pn,
          direction,
          provider_status: "ringing",
          participants: [participant],
          started_at: startedAt,
        })
      }, ${startedAt}::timestamptz)`;
    };
    const driveFile = async (
      id: string,
      number: string,
      startedAt: string,
      durationSec: number,
    ) => {
      await sql`select switchboard.merge_call('drive', ${
        sql.json({
          external_id: id,
          direction: "incoming",
          participants: [number],
          from_number: number,
          started_at: startedAt,
          duration_sec: durationSec,
          provider_status: "completed",
          recordings: [{
            id,
            source: "gdrive",
            type: "audio/mp4",
            size: 4096,
            status: "completed",
          }],
          source_metadata: { folder_id: "f" },
        })
      }, now())`;
    };
    const row = async (externalId: string): Promise<Row> => {
      const [r] = await sql<Row[]>`
        select c.id::text, c.external_id, w.stage, w.status, c.pipeline_status, w.waiting_for, w.last_error,
          c.eligibility, c.dedupe, c.merged_into_call_id::text, c.recordings
        from switchboard.calls c
        join switchboard.work_items w on w.subject_kind = 'call' and w.subject_id = c.id
        where c.external_id = ${externalId}`;
      assert.ok(r, `call ${externalId} exists`);
      return r;
    };

    const client = createOpenPhoneClient({
      baseUrl: `${sb.url}/openphone`,
      apiKey,
      fetch,
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      budget: postgresBudget(sql, await budgetKey("openphone", apiKey), 9),
    });
    const store = createEnrichStore(sql);
    const mine = createEnrichHandler({ client, store, now: Date.now, log: silent });
    const others = createEnrichHandler({ client: null, store, now: Date.now, log: silent });
    const handler: StageHandler = (item, ctx) =>
      String(item.subject.external_id).includes(tag) ? mine(item, ctx) : others(item, ctx);
    const drain = async () => {
      for (let i = 0; i < 5; i++) {
        const r = await drainStage({
          stage: "call_enrich",
          handler,
          store: sqlEngineStore(sql),
          log: silent,
          now: Date.now,
          budgetMs: 30_000,
          workerId: `call-enrich-test:${tag}:${i}`,
        });
        if (r.slot !== null) return r;
        await new Promise((res) => setTimeout(res, 200));
      }
      throw new Error("no worker slot for the test drain");
    };
    /** The item's retry is due now (its backoff is the engine's business, tested elsewhere). */
    const due = async (externalId: string) => {
      await sql`
        with w as (
          update switchboard.work_items w set run_after = now()
          from switchboard.calls c
          where c.external_id = ${externalId} and w.subject_kind = 'call' and w.subject_id = c.id
          returning w.msg_id)
        select pgmq.set_vt('call_enrich_jobs', w.msg_id, 0) from w`;
    };

    const pipeline = await isolatePipeline();
    try {
      const p = {
        eligible: caller(),
        short: caller(),
        outgoing: caller(),
        old: caller(),
        wait: caller(),
      };
      const ids = {
        eligible: `AC${tag}e`,
        short: `AC${tag}s`,
        outgoing: `AC${tag}o`,
        old: `AC${tag}d`,
        wait: `AC${tag}w`,
      };
      const answered = (
        id: string,
        participant: string,
        msAgo: number,
        duration: number,
        extra = {},
      ) => ({
        id,
        phoneNumberId: pn,
        participant,
        direction: "incoming",
        status: "completed",
        createdAt: iso(msAgo),
        answeredAt: iso(msAgo - 4000),
        completedAt: iso(msAgo - duration * 1000),
        duration,
        recordings: [{
          id: `CR${id.slice(2)}`,
          status: "completed",
          duration: Math.max(1, duration - 4),
        }],
        ...extra,
      });
      await seed([
        answered(ids.eligible, p.eligible, 30 * MIN, 95),
        answered(ids.short, p.short, 30 * MIN, 12),
        { ...answered(ids.outgoing, p.outgoing, 30 * MIN, 95), direction: "outgoing" },
        answered(ids.old, p.old, 10 * 24 * 60 * MIN, 95),
        answered(ids.wait, p.wait, 20 * MIN, 95, {
          recordings: [{ id: `CR${tag}w`, status: "processing", duration: 91 }],
        }),
      ]);
      await ring(ids.eligible, p.eligible, iso(30 * MIN));
      await ring(ids.short, p.short, iso(30 * MIN));
      await ring(ids.outgoing, p.outgoing, iso(30 * MIN), "outgoing");
      await ring(ids.old, p.old, iso(10 * 24 * 60 * MIN));
      await ring(ids.wait, p.wait, iso(20 * MIN));
      await drain();

      const eligible = await row(ids.eligible);
      assert.equal(eligible.stage, "call_store_recording", "eligible → the paid stages");
      assert.equal(eligible.pipeline_status, "recording_pending");
      assert.equal(eligible.eligibility?.reason, "eligible");
      assert.equal(eligible.recordings.length, 1, "the recording came from the REST API");
      assert.match(String(eligible.recordings[0]!.url), /\/media\/recordings\//);
      const [details] = await sql<
        { provider_status: string; duration_sec: number; participants: string[] }[]
      >`
        select provider_status, duration_sec, participants from switchboard.calls where external_id = ${ids.eligible}`;
      assert.deepEqual(details, {
        provider_status: "completed",
        duration_sec: 95,
        participants: [p.eligible],
      });
      for (
        const [id, reason] of [[ids.short, "too_short"], [ids.outgoing, "direction_not_enabled"], [
          ids.old,
          "too_old",
        ]]
      ) {
        const r = await row(id!);
        assert.deepEqual([r.stage, r.eligibility?.eligible, r.eligibility?.reason], [
          "call_publish",
          false,
          reason,
        ], id);
      }

      // The recording OpenPhone is still processing: a retryable "not ready", then it is done.
      let waiting = await row(ids.wait);
      assert.deepEqual([waiting.stage, waiting.status, waiting.last_error?.code], [
        "call_enrich",
        "pending",
        "recording_not_ready",
      ]);
      await seed([answered(ids.wait, p.wait, 20 * MIN, 95)]);
      await due(ids.wait);
      await drain();
      waiting = await row(ids.wait);
      assert.equal(waiting.stage, "call_store_recording", "retried once the recording is ready");

      // OpenPhone first, Drive later: the OpenPhone call had no audio; the Drive file gives it one.
      const pm = caller();
      const om = `AC${tag}m`;
      await seed([answered(om, pm, 40 * MIN, 120, { recordings: [] })]);
      await ring(om, pm, iso(40 * MIN));
      await drain();
      assert.equal((await row(om)).eligibility?.reason, "no_audio");
      assert.equal((await row(om)).stage, "call_publish");
      const dm = `drive${tag}m`;
      await driveFile(dm, pm, iso(40 * MIN - 5000), 114);
      await drain();
      const mergedDrive = await row(dm);
      assert.deepEqual([mergedDrive.status, mergedDrive.pipeline_status], ["done", "merged"]);
      const survivor = await row(om);
      assert.equal(mergedDrive.merged_into_call_id, survivor.id);
      assert.equal(
        survivor.stage,
        "call_store_recording",
        "sent back, and eligible with the Drive audio",
      );
      assert.deepEqual(
        survivor.recordings.map((r) => [r.source, r.drive_file_id]),
        [["gdrive", dm]],
      );
      const [merge] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.call_merges where drive_file_id = ${dm} and recording_attached`;
      assert.equal(merge!.n, 1, "the merge is recorded");

      // Drive first: the recording waits for OpenPhone, which merges it when it arrives.
      const pd = caller();
      const od = `AC${tag}f`;
      const df = `drive${tag}f`;
      await driveFile(df, pd, iso(3 * MIN - 3000), 60);
      await drain();
      const early = await row(df);
      assert.deepEqual([early.status, early.waiting_for, early.pipeline_status], [
        "pending",
        "awaiting_match",
        "awaiting_match",
      ]);
      await seed([answered(od, pd, 3 * MIN, 66)]);
      await ring(od, pd, iso(3 * MIN));
      await drain();
      assert.equal((await row(od)).stage, "call_store_recording");
      assert.equal((await row(od)).dedupe?.status, "survivor");
      const late = await row(df);
      assert.deepEqual([late.status, late.pipeline_status, late.merged_into_call_id], [
        "done",
        "merged",
        (await row(od)).id,
      ]);

      // Two OpenPhone calls with one caller a minute apart, and one recording between them.
      const pa = caller();
      const [oa1, oa2, da] = [`AC${tag}a1`, `AC${tag}a2`, `drive${tag}a`];
      await seed([answered(oa1, pa, 50 * MIN, 60), answered(oa2, pa, 49 * MIN, 60)]);
      await ring(oa1, pa, iso(50 * MIN));
      await ring(oa2, pa, iso(49 * MIN));
      await drain();
      await driveFile(da, pa, iso(49.5 * MIN), 60);
      await drain();
      const ambiguous = await row(da);
      assert.equal(ambiguous.dedupe?.status, "ambiguous");
      assert.deepEqual(ambiguous.dedupe?.candidates?.map(String), [
        (await row(oa1)).id,
        (await row(oa2)).id,
      ]);
      assert.equal(ambiguous.merged_into_call_id, null, "not merged");
      assert.equal(ambiguous.stage, "call_store_recording", "it goes on as a call of its own");
      assert.deepEqual((await row(oa1)).dedupe?.possible_duplicates?.map(String), [ambiguous.id]);
    } finally {
      await pipeline.restore();
      await sql.end();
      await sb.close();
    }
  },
});
