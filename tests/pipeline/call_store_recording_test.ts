/**
 * call_store_recording end to end on the throwaway platform: the real engine (claims, retries),
 * the local Storage API (standard and TUS uploads) and the sandbox's OpenPhone, whose media URLs
 * serve real WAV audio. The stage's worker runs in this process with the sandbox's URLs (the
 * test gateway's function has no OpenPhone key, so it refuses to start and claims nothing).
 * While it runs, the pipeline stages are the test's own (isolatePipeline): items other tests
 * left in them are hidden, so the drains meet only this test's calls, and nothing moves those
 * on behind the test's back.
 *
 * T26: a 404 that later works is retried; an expired URL is refreshed through the API; a body
 * cut short is never stored as complete; a retry overwrites the one object.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import { SECRET_KEY } from "../../local/config.ts";
import { createOpenPhone } from "../../sandbox/openphone/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { drainStage } from "../../supabase/functions/_shared/platform/stage_worker.ts";
import { buildHandler } from "../../supabase/functions/call-store-recording/wiring.ts";
import { isolatePipeline } from "../support/pipeline.ts";
import { platformAvailable, TEST_GATEWAY_URL, testDb } from "../support/platform.ts";

const STAGE = "call_store_recording";
const silent = createLogger({}, { write: () => {} });

function alnum(n: number): string {
  const a = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => a[b % a.length]).join("");
}

Deno.test({
  name: "call_store_recording: recordings land in Storage with their checksum; T26 faults",
  ignore: !platformAvailable,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const sb = startSandbox({ vendors: [createOpenPhone()] });
    const sql = testDb(4);
    const apiKey = `op_test_${alnum(16)}`;
    const bucket = `rec-${alnum(8).toLowerCase()}`;
    const storage = createClient(TEST_GATEWAY_URL!, SECRET_KEY).storage;
    const control = async (path: string, body: unknown) => {
      const res = await fetch(`${sb.url}/_control${path}`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.ok, text);
      return text;
    };
    const handler = buildHandler({ sql, log: silent }, {
      SUPABASE_URL: TEST_GATEWAY_URL,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
      OPENPHONE_API_KEY: apiKey,
      OPENPHONE_API_BASE_URL: `${sb.url}/openphone`,
      RECORDINGS_BUCKET: bucket,
    });
    const drain = () =>
      drainStage({
        stage: STAGE,
        handler,
        store: sqlEngineStore(sql),
        log: silent,
        now: Date.now,
        budgetMs: 30_000,
        workerId: `test:${alnum(6)}`,
      });

    const phone = `PN${alnum(8)}`;
    await control("/seed", {
      openphone: {
        workspace: { mediaUrlTtlSec: 3600 },
        apiKeys: [apiKey],
        phoneNumbers: [{ id: phone, number: "+14155550142", name: "Main" }],
      },
    });

    /** Seeds an OpenPhone call with a 60 s recording, inserts its row, puts it in our stage. */
    async function callWithRecording(
      opts: { voicemail?: boolean; url?: (u: string) => string } = {},
    ) {
      const callId = `AC${crypto.randomUUID().replaceAll("-", "")}`;
      const recId = `CR${alnum(8)}`;
      await control("/seed", {
        openphone: {
          calls: [{
            id: callId,
            phoneNumberId: phone,
            participant: "+14155550199",
            direction: "incoming",
            status: "completed",
            createdAt: new Date(Date.now() - 600_000).toISOString(),
            duration: 64,
            recordings: [{ id: recId, status: "completed", duration: 60 }],
            ...(opts.voicemail
              ? { voicemail: { status: "completed", duration: 21, transcript: null } }
              : {}),
          }],
        },
      });
      const api = await fetch(`${sb.url}/openphone/v1/call-recordings/${callId}`, {
        headers: { authorization: apiKey },
      });
      const rec = (await api.json()).data[0];
      const recordings = [{
        id: rec.id,
        url: opts.url ? opts.url(rec.url) : rec.url,
        type: rec.type,
        duration_sec: rec.duration,
        status: rec.status,
      }];
      let voicemail = null;
      if (opts.voicemail) {
        const vm = (await (await fetch(`${sb.url}/openphone/v1/call-voicemails/${callId}`, {
          headers: { authorization: apiKey },
        })).json()).data;
        voicemail = {
          id: vm.id,
          url: vm.recordingUrl,
          type: "audio/wav",
          duration_sec: vm.duration,
        };
      }
      const [row] = await sql<{ id: string }[]>`
        insert into switchboard.calls (source, external_id, direction, recordings, voicemail)
        values ('openphone', ${callId}, 'incoming', ${sql.json(recordings)}, ${
        voicemail ? sql.json(voicemail) : null
      })
        returning id`;
      const id = Number(row!.id);
      await enterStage(id);
      return { id, callId, recId, url: rec.url as string };
    }

    /** Moves the call's work item into our stage (whatever call_enrich does meanwhile). */
    async function enterStage(id: number) {
      for (let i = 0; i < 200; i++) {
        const [ok] = await sql<{ ok: boolean }[]>`
          select switchboard.send_back('call', ${id}::bigint, ${STAGE}) as ok`;
        if (ok!.ok) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("could not put the call into the stage");
    }

    const item = async (id: number) =>
      (await sql<{ stage: string; status: string; attempts: number; last_error: unknown }[]>`
        select stage, status, attempts, last_error from switchboard.work_items
        where subject_kind = 'call' and subject_id = ${id}`)[0]!;
    const media = (id: number) =>
      sql<
        { kind: string; media_key: string; storage_path: string; bytes: string; sha256: string }[]
      >`
        select kind, media_key, storage_path, bytes, sha256 from switchboard.call_media
        where call_id = ${id} order by kind, media_key`;
    const attempts = (id: number) =>
      sql<{ outcome: string; error_code: string | null }[]>`
        select a.outcome, a.error_code from switchboard.stage_attempts a
        join switchboard.work_items w on w.id = a.item_id
        where w.subject_kind = 'call' and w.subject_id = ${id} and a.stage = ${STAGE}
        order by a.id`;
    /** Lets a retrying item run now instead of after its backoff. */
    const runNow = async (id: number) => {
      const [w] = await sql<{ msg_id: string }[]>`
        update switchboard.work_items set run_after = now()
        where subject_kind = 'call' and subject_id = ${id} and status = 'pending'
        returning msg_id`;
      await sql`select pgmq.set_vt(${`${STAGE}_jobs`}, ${w!.msg_id}::bigint, 0)`;
    };
    const sha = (bytes: ArrayBuffer) =>
      createHash("sha256").update(new Uint8Array(bytes)).digest("hex");

    let first = 0;
    const pipeline = await isolatePipeline();
    try {
      await t.step(
        "a call's recording and voicemail are stored; the item moves to transcription",
        async () => {
          const call = await callWithRecording({ voicemail: true });
          await drain();
          const it = await item(call.id);
          assert.notEqual(it.stage, STAGE, JSON.stringify(it));
          assert.deepEqual((await attempts(call.id)).map((a) => a.outcome), ["completed"]);
          const rows = await media(call.id);
          assert.deepEqual(rows.map((r) => [r.kind, r.storage_path]), [
            ["recording", `calls/${call.id}/recording-${call.recId}.wav`],
            ["voicemail", rows[1]!.storage_path],
          ]);
          assert.match(
            rows[1]!.storage_path,
            new RegExp(`^calls/${call.id}/voicemail-VM\\w+\\.wav$`),
          );
          const original = await (await fetch(call.url)).arrayBuffer();
          for (const r of rows) {
            const { data, error } = await storage.from(bucket).download(r.storage_path);
            assert.equal(error, null);
            const bytes = await data!.arrayBuffer();
            assert.equal(sha(bytes), r.sha256, "Storage holds exactly the bytes that were hashed");
            assert.equal(bytes.byteLength, Number(r.bytes));
          }
          assert.equal(rows[0]!.sha256, sha(original), "and they are the recording's bytes");
          first = call.id;
        },
      );

      await t.step("a retry overwrites: still one object per media, one row each", async () => {
        await enterStage(first);
        await drain();
        assert.notEqual((await item(first)).stage, STAGE);
        const { data } = await storage.from(bucket).list(`calls/${first}`);
        assert.equal(data!.length, 2);
        assert.equal((await media(first)).length, 2);
      });

      await t.step("T26: a recording URL that answers 404, then works, is retried", async () => {
        const call = await callWithRecording();
        // The URL and its refreshed twin both 404 (not ready yet): the attempt is retried.
        await control("/faults", {
          vendor: "openphone",
          path: `^/media/recordings/${call.recId}`,
          status: 404,
          times: 2,
        });
        await drain();
        let it = await item(call.id);
        assert.deepEqual([it.stage, it.status], [STAGE, "pending"]);
        assert.equal((await media(call.id)).length, 0);
        await runNow(call.id);
        await drain();
        it = await item(call.id);
        assert.notEqual(it.stage, STAGE);
        assert.deepEqual((await attempts(call.id)).map((a) => [a.outcome, a.error_code]), [
          ["retry", "upstream_failed"],
          ["completed", null],
        ]);
        assert.equal((await media(call.id)).length, 1);
      });

      await t.step("T26: an expired media URL is refreshed through the API once", async () => {
        const call = await callWithRecording({
          url: (u) => u.replace(/Expires=\d+/, `Expires=${Math.floor(Date.now() / 1000) - 60}`),
        });
        const refreshes = async () => {
          const log = await (await fetch(`${sb.url}/_control/requests?vendor=openphone`)).json();
          return (log as { path: string }[]).filter((r) =>
            r.path.endsWith(`/v1/call-recordings/${call.callId}`)
          ).length;
        };
        const before = await refreshes();
        await drain();
        assert.notEqual((await item(call.id)).stage, STAGE);
        assert.equal(await refreshes(), before + 1, "the API was asked for a fresh URL once");
        assert.equal((await media(call.id)).length, 1);
      });

      await t.step(
        "T26: a body cut short is not stored; the next attempt stores it whole",
        async () => {
          const call = await callWithRecording();
          await control("/faults", {
            vendor: "openphone",
            path: `^/media/recordings/${call.recId}`,
            drop: "after",
            times: 1,
          });
          await drain();
          assert.deepEqual([(await item(call.id)).status, (await media(call.id)).length], [
            "pending",
            0,
          ]);
          const { data } = await storage.from(bucket).list(`calls/${call.id}`);
          assert.equal(data!.length, 0, "no partial object");
          await runNow(call.id);
          await drain();
          assert.equal((await media(call.id)).length, 1);
        },
      );

      await t.step("a call with neither recording nor voicemail completes at once", async () => {
        const [row] = await sql<{ id: string }[]>`
          insert into switchboard.calls (source, external_id, direction)
          values ('openphone', ${`AC${crypto.randomUUID().replaceAll("-", "")}`}, 'incoming')
          returning id`;
        const id = Number(row!.id);
        await enterStage(id);
        await drain();
        assert.notEqual((await item(id)).stage, STAGE);
        assert.deepEqual((await attempts(id)).map((a) => a.outcome), ["completed"]);
        assert.equal((await media(id)).length, 0);
      });
    } finally {
      await pipeline.restore();
      await sql.end();
      await sb.close();
    }
  },
});
