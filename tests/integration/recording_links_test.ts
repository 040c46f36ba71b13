/**
 * Recording links end to end through the throwaway platform's gateway (T39): a recording in the
 * private `recordings` bucket, its call and call_media rows, a link from recordingLinkFor, and the
 * `recording` function as a browser meets it (302 → Storage signed URL → the bytes).
 *
 * Must hold: the bucket is private (its public URL and an anonymous download are refused); a
 * link yields the object's exact bytes; tampered, foreign, dangling and expired tokens get 403;
 * per-call revocation refuses that call's links only, global revocation every link; the signed
 * URL a click yields works until it expires and then fails.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { SECRET_KEY } from "../../local/config.ts";
import {
  importLinkKey,
  signToken,
} from "../../supabase/functions/_shared/platform/recording_link_token.ts";
import { recordingLinksFor } from "../../supabase/functions/_shared/platform/recording_links.ts";
import { platformAvailable, TEST_GATEWAY_URL, testDb } from "../support/platform.ts";

const BUCKET = "recordings";

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

Deno.test({
  name: "recording links: private bucket, 302 to the bytes, 403 when tampered, revoked or expired",
  ignore: !platformAvailable,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const sql = testDb(2);
    const storage = createClient(TEST_GATEWAY_URL!, SECRET_KEY, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    }).storage;
    const links = recordingLinksFor(sql, { SUPABASE_URL: TEST_GATEWAY_URL! });
    const fn = `${TEST_GATEWAY_URL}/functions/v1/recording`;
    const run = crypto.randomUUID().slice(0, 8);

    /** GET without following: the status, the Location, the body consumed. */
    const click = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, { redirect: "manual", ...init });
      const body = await res.text();
      return { status: res.status, location: res.headers.get("location"), body };
    };

    try {
      const { error: bucketError } = await storage.createBucket(BUCKET, { public: false });
      if (bucketError && !/already exists/i.test(bucketError.message)) throw bucketError;
      const { data: bucket } = await storage.getBucket(BUCKET);
      assert.equal(bucket?.public, false, "the recordings bucket is private");

      /** A call with one stored recording: the object in Storage and its rows. */
      const callWithRecording = async (name: string) => {
        const [call] = await sql<{ id: string }[]>`
          insert into switchboard.calls (source, external_id, direction)
          values ('drive', ${`t-reclink-${run}-${name}`}, 'incoming') returning id`;
        const bytes = randomBytes(40_000 + Math.floor(Math.random() * 1000));
        const path = `calls/${call!.id}/recording-t-${run}-${name}.mp3`;
        const { error } = await storage.from(BUCKET).upload(path, bytes, {
          contentType: "audio/mpeg",
          upsert: true,
        });
        if (error) throw error;
        const [stored] = await sql<{ id: string }[]>`
          select switchboard.record_call_media(${call!.id}::bigint, 'recording',
            ${`t-${run}-${name}`}, 'drive', ${path}, 'audio/mpeg', ${bytes.length}::bigint,
            ${"0".repeat(64)}) as id`;
        const [media] = await sql<{ id: string; call_id: string; storage_path: string }[]>`
          select m.id, m.call_id, m.storage_path from switchboard.call_media m
          where m.id = ${stored!.id}::bigint`;
        return { callId: call!.id, media: media!, path, bytes };
      };

      const a = await callWithRecording("a");
      const b = await callWithRecording("b");

      await t.step(
        "the bucket is private: public URL and anonymous download are refused",
        async () => {
          const { data } = storage.from(BUCKET).getPublicUrl(a.path);
          const pub = await click(data.publicUrl);
          assert.ok(pub.status >= 400 && pub.status < 500, `public URL answered ${pub.status}`);
          const anon = await click(`${TEST_GATEWAY_URL}/storage/v1/object/${BUCKET}/${a.path}`);
          assert.ok(
            anon.status >= 400 && anon.status < 500,
            `anonymous GET answered ${anon.status}`,
          );
        },
      );

      const linkA = await links.recordingLinkFor(a.media);
      const linkB = await links.recordingLinkFor(b.media);

      await t.step(
        "a link redirects to a short-lived signed URL that serves the bytes",
        async () => {
          assert.ok(linkA.startsWith(`${fn}?t=r1.`), linkA);
          const first = await click(linkA);
          assert.equal(first.status, 302, first.body);
          assert.ok(
            first.location?.startsWith(`${TEST_GATEWAY_URL}/storage/v1/object/sign/${BUCKET}/`),
            first.location ?? "no location",
          );
          const followed = await fetch(linkA);
          assert.equal(followed.status, 200);
          assert.deepEqual(new Uint8Array(await followed.arrayBuffer()), a.bytes);
          // The path form works too.
          const token = new URL(linkA).searchParams.get("t")!;
          const pathForm = await fetch(`${fn}/${token}`);
          assert.deepEqual(new Uint8Array(await pathForm.arrayBuffer()), a.bytes);
          const res = await fetch(linkB);
          assert.deepEqual(new Uint8Array(await res.arrayBuffer()), b.bytes);
        },
      );

      await t.step("other methods get 405", async () => {
        assert.equal((await click(linkA, { method: "POST" })).status, 405);
      });

      await t.step("tampered, foreign, dangling and expired tokens get the same 403", async () => {
        const token = new URL(linkA).searchParams.get("t")!;
        const parts = token.split(".");
        const sig = parts[6]!;
        const [row] = await sql<{ version: number; key: string }[]>`
          select version, key from switchboard.recording_link_key()`;
        const key = await importLinkKey(row!.key);
        const claims = {
          keyVersion: row!.version,
          callId: a.callId,
          mediaId: a.media.id,
          callVersion: 0,
          expiresAt: null,
        };
        const bad = [
          [...parts.slice(0, 6), (sig[0] === "A" ? "B" : "A") + sig.slice(1)].join("."),
          [...parts.slice(0, 3), b.media.id, ...parts.slice(4)].join("."),
          [...parts.slice(0, 2), b.callId, ...parts.slice(3)].join("."),
          // Signed with another key.
          await signToken(claims, await importLinkKey("another key, not ours")),
          // Properly signed, but naming another call's recording or nothing at all.
          await signToken({ ...claims, mediaId: b.media.id }, key),
          await signToken({ ...claims, mediaId: "999999999" }, key),
          "not-a-token",
        ];
        const bodies = new Set<string>();
        for (const t of bad) {
          const res = await click(`${fn}?t=${encodeURIComponent(t)}`);
          assert.equal(res.status, 403, t);
          assert.equal(res.location, null);
          bodies.add(res.body);
        }
        assert.equal(bodies.size, 1, "every refusal reads the same");

        const expiring = await links.recordingLinkFor(a.media, { expiresInSeconds: 1 });
        await new Promise((r) => setTimeout(r, 1_100));
        assert.equal((await click(expiring)).status, 403, "an expired link");
      });

      await t.step("the redirect's signed URL works until it expires, then fails", async () => {
        await sql`update switchboard.settings set value = interval '2 seconds'
          where name = 'recording_url_ttl'`;
        try {
          const { location } = await click(linkA);
          assert.ok(location);
          const ok = await fetch(location);
          assert.equal(ok.status, 200);
          assert.deepEqual(new Uint8Array(await ok.arrayBuffer()), a.bytes);
          await new Promise((r) => setTimeout(r, 3_100));
          const late = await click(location);
          assert.ok(late.status >= 400 && late.status < 500, `expired URL answered ${late.status}`);
          assert.ok(late.body.length < 1_000, "a refusal, not the audio");
          // The link itself still works: it yields a new URL.
          assert.equal((await fetch(linkA)).status, 200);
        } finally {
          await sql`update switchboard.settings set value = interval '60 seconds'
            where name = 'recording_url_ttl'`;
        }
      });

      await t.step("per-call revocation refuses that call's links only", async () => {
        await sql`select switchboard.revoke_recording_links(${a.callId}::bigint)`;
        assert.equal((await click(linkA)).status, 403);
        assert.equal((await click(linkB)).status, 302, "other calls keep working");
        const again = await links.recordingLinkFor(a.media);
        assert.notEqual(again, linkA);
        const res = await fetch(again);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), a.bytes);
      });

      await t.step("global revocation refuses every link; new links work", async () => {
        const before = [linkA, linkB, await links.recordingLinkFor(a.media)];
        assert.equal((await click(before[2]!)).status, 302);
        await sql`select switchboard.revoke_all_recording_links()`;
        for (const link of before) assert.equal((await click(link)).status, 403, link);
        const fresh = await links.recordingLinkFor(b.media);
        const res = await fetch(fresh);
        assert.equal(res.status, 200);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), b.bytes);
      });
    } finally {
      await sql.end();
    }
  },
});
