/**
 * call_store_recording end to end on the throwaway platform: the real engine (claims, retries),
 * the local Storage API (standard and TUS uploads) and the sandbox's OpenPhone, whose media URLs
 * serve real WAV audio, and Drive's. The stage's worker runs in this process with the sandbox's
 * URLs. While it runs, the pipeline stages are the test's own (isolatePipeline: the test
 * gateway's own call-store-recording, which starts without vendor keys, gets no wake-ups and
 * claims nothing): items other tests left in them are hidden, so the drains meet only this
 * test's calls, and nothing moves those on behind the test's back.
 *
 * T26: a 404 that later works is retried; an expired URL is refreshed through the API; a body
 * cut short is never stored as complete; a retry overwrites the one object.
 *
 * Oversized recordings: a file over RECORDINGS_MAX_BYTES (a small limit here) is recorded as not
 * stored (call_media.skipped_reason 'too_large'), nothing lands in Storage, and the call moves
 * on, whether Content-Length announced the size or the byte count found it while streaming (a
 * TUS upload already under way is terminated). Drive-only: without an OpenPhone key the stage
 * still starts and stores Drive recordings.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import { SECRET_KEY } from "../../local/config.ts";
import { createGDrive, generateServiceAccount } from "../../sandbox/gdrive/mod.ts";
import { createOpenPhone } from "../../sandbox/openphone/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { createTokenProvider } from "../../supabase/functions/_shared/adapters/gdrive/service_account.ts";
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
    const sb = startSandbox({ vendors: [createOpenPhone(), createGDrive()] });
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
    const env = {
      SUPABASE_URL: TEST_GATEWAY_URL,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
      OPENPHONE_API_KEY: apiKey,
      OPENPHONE_API_BASE_URL: `${sb.url}/openphone`,
      RECORDINGS_BUCKET: bucket,
    };
    const handler = buildHandler({ sql, log: silent }, env);
    const drain = (h = handler) =>
      drainStage({
        stage: STAGE,
        handler: h,
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
      opts: { voicemail?: boolean; url?: (u: string) => string; durationSec?: number } = {},
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
            duration: (opts.durationSec ?? 60) + 4,
            recordings: [{ id: recId, status: "completed", duration: opts.durationSec ?? 60 }],
            ...(opts.voicemail
              ? { voicemail: { status: "completed", duration: 21, transcript: null } }
              : {}),
          }],
        },
      });
      // The sandbox holds the key to OpenPhone's rate limit (a burst of 5): wait out a 429.
      let api: Response;
      for (let i = 0;; i++) {
        api = await fetch(`${sb.url}/openphone/v1/call-recordings/${callId}`, {
          headers: { authorization: apiKey },
        });
        if (api.status !== 429 || i === 20) break;
        await api.body?.cancel();
        await new Promise((r) => setTimeout(r, 250));
      }
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

    /** What the stage recorded about a media item that it did not store. */
    const skippedMedia = (id: number) =>
      sql<
        {
          kind: string;
          storage_path: string | null;
          stored_at: Date | null;
          skipped_reason: string | null;
          bytes: string | null;
          size_limit_bytes: string | null;
        }[]
      >`
        select kind, storage_path, stored_at, skipped_reason, bytes, size_limit_bytes
        from switchboard.call_media where call_id = ${id} order by kind, media_key`;
    /** The object names under calls/{id} in the bucket. */
    const objects = async (id: number) =>
      ((await storage.from(bucket).list(`calls/${id}`)).data ?? []).map((o) => o.name);
    /** What the next stages see: nothing to transcribe, and why for the page. */
    const downstream = async (id: number) => {
      const [r] = await sql<{ media: unknown; skipped: { kind: string; reason: string }[] }[]>`
        select switchboard.call_transcribe_context(${id}) -> 'media' as media,
               switchboard.call_publish_inputs(${id}) -> 'skipped_media' as skipped`;
      return { media: r!.media, skipped: r!.skipped };
    };
    /** Serves a media URL again without Content-Length (chunked): its size shows only while streaming. */
    const proxy = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      async (req) => {
        const up = await fetch(new URL(req.url).searchParams.get("u")!);
        return new Response(up.body, {
          status: up.status,
          headers: { "content-type": up.headers.get("content-type") ?? "audio/wav" },
        });
      },
    );
    const unannounced = (u: string) =>
      `http://127.0.0.1:${proxy.addr.port}/media?u=${encodeURIComponent(u)}`;

    let first = 0;
    let oversized = 0;
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

      await t.step(
        "a recording over RECORDINGS_MAX_BYTES (Content-Length): not stored, the reason recorded, the call moves on",
        async () => {
          const call = await callWithRecording();
          const size = (await (await fetch(call.url)).arrayBuffer()).byteLength;
          const limit = 500_000;
          assert.ok(size > limit, `the 60 s recording is ${size} bytes`);
          await drain(buildHandler({ sql, log: silent }, {
            ...env,
            RECORDINGS_MAX_BYTES: String(limit),
          }));
          const it = await item(call.id);
          assert.notEqual(it.stage, STAGE, JSON.stringify(it));
          assert.deepEqual((await attempts(call.id)).map((a) => a.outcome), ["completed"]);
          assert.deepEqual([...await skippedMedia(call.id)], [{
            kind: "recording",
            storage_path: null,
            stored_at: null,
            skipped_reason: "too_large",
            bytes: String(size),
            size_limit_bytes: String(limit),
          }]);
          assert.deepEqual(await objects(call.id), [], "no object in Storage");
          assert.deepEqual(await downstream(call.id), {
            media: null,
            skipped: [{
              kind: "recording",
              reason: "too_large",
              bytes: size,
              size_limit_bytes: limit,
            }],
          }, "transcription finds nothing; the page gets the reason");
          oversized = call.id;
        },
      );

      await t.step(
        "found while streaming (no Content-Length, a TUS upload under way): ends the same way",
        async () => {
          // 480 s ≈ 7.7 MB: the first 6 MiB chunk goes up by TUS before the count passes 7 MiB.
          const call = await callWithRecording({ durationSec: 480, url: unannounced });
          const limit = 7 * 1024 * 1024;
          await drain(buildHandler({ sql, log: silent }, {
            ...env,
            RECORDINGS_MAX_BYTES: String(limit),
          }));
          assert.notEqual((await item(call.id)).stage, STAGE);
          assert.deepEqual((await attempts(call.id)).map((a) => a.outcome), ["completed"]);
          assert.deepEqual(
            (await skippedMedia(call.id)).map((
              r,
            ) => [r.storage_path, r.skipped_reason, r.bytes, r.size_limit_bytes]),
            [[null, "too_large", null, String(limit)]],
            "the size is not known (the download stopped at the limit)",
          );
          assert.deepEqual(await objects(call.id), [], "no object in Storage");
          assert.equal((await downstream(call.id)).media, null);
        },
      );

      await t.step(
        "after the limit is raised, sending it back stores it and clears the skip",
        async () => {
          await enterStage(oversized);
          await drain();
          assert.notEqual((await item(oversized)).stage, STAGE);
          const [row] = await skippedMedia(oversized);
          assert.equal(row!.skipped_reason, null);
          assert.match(row!.storage_path!, new RegExp(`^calls/${oversized}/recording-`));
          assert.equal((await objects(oversized)).length, 1);
          assert.deepEqual((await downstream(oversized)).skipped, []);
        },
      );

      await t.step(
        "Drive-only (no OpenPhone key): the stage starts and stores a Drive recording",
        async () => {
          const sa = await generateServiceAccount({ tokenUri: `${sb.url}/gdrive/token` });
          const folder = `folder${alnum(8)}`;
          const fileId = `${folder}-rec`;
          await control("/seed", {
            gdrive: {
              serviceAccounts: [{
                client_email: sa.key.client_email,
                public_key_pem: sa.publicKeyPem,
              }],
              folders: [{
                id: folder,
                name: "Call recordings",
                sharedWith: [sa.key.client_email],
                files: [{ id: fileId, name: "memo.wav", durationSec: 20 }],
              }],
            },
          });
          const driveOnly = buildHandler({ sql, log: silent }, {
            SUPABASE_URL: TEST_GATEWAY_URL,
            SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
            RECORDINGS_BUCKET: bucket,
            GDRIVE_SERVICE_ACCOUNT_JSON: JSON.stringify(sa.key),
            GDRIVE_API_BASE_URL: `${sb.url}/gdrive`,
            GDRIVE_TOKEN_URL: `${sb.url}/gdrive/token`,
          });
          const [row] = await sql<{ id: string }[]>`
            insert into switchboard.calls (source, external_id, direction, recordings)
            values ('drive', ${fileId}, 'incoming', ${
            sql.json([{ id: fileId, source: "gdrive", type: "audio/wav", status: "completed" }])
          })
            returning id`;
          const id = Number(row!.id);
          await enterStage(id);
          await drain(driveOnly);
          assert.notEqual((await item(id)).stage, STAGE, JSON.stringify(await item(id)));
          assert.deepEqual((await attempts(id)).map((a) => a.outcome), ["completed"]);
          const [m] = await media(id);
          assert.equal(m!.storage_path, `calls/${id}/recording-${fileId}.wav`);
          const token = await createTokenProvider({
            serviceAccount: sa.key,
            tokenUrl: sa.key.token_uri,
            fetch,
            now: Date.now,
          })();
          const original = await (await fetch(
            `${sb.url}/gdrive/drive/v3/files/${fileId}?alt=media`,
            { headers: { authorization: `Bearer ${token}` } },
          )).arrayBuffer();
          const { data, error } = await storage.from(bucket).download(m!.storage_path);
          assert.equal(error, null);
          const bytes = await data!.arrayBuffer();
          assert.equal(sha(bytes), sha(original), "Storage holds the Drive file's bytes");
          assert.equal(m!.sha256, sha(original));
        },
      );
    } finally {
      await pipeline.restore();
      await proxy.shutdown();
      await sql.end();
      await sb.close();
    }
  },
});
