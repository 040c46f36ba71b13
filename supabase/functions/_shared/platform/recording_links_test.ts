import assert from "node:assert/strict";
import { ConfigError, ValidationError } from "./errors.ts";
import { importLinkKey, signToken } from "./recording_link_token.ts";
import {
  checkRecordingLink,
  createLinkKeyCache,
  createRecordingLinks,
  type LinkTarget,
  recordingLinkBaseUrl,
  type RecordingLinkStore,
} from "./recording_links.ts";

const BASE = "https://ref.supabase.co/functions/v1/recording";

/** The database side in memory: the key, its version, per-call versions, stored media. */
function fakeStore() {
  const state = {
    key: "a".repeat(64),
    keyVersion: 1,
    calls: new Map<string, number>(),
    media: new Map<string, { callId: string; path: string }>([
      ["10", { callId: "1", path: "calls/1/recording-a.mp3" }],
      ["20", { callId: "2", path: "calls/2/recording-b.mp3" }],
    ]),
    reads: { key: 0, target: 0 },
    ttl: 60,
  };
  const store: RecordingLinkStore = {
    readKey() {
      state.reads.key++;
      return Promise.resolve({ version: state.keyVersion, key: state.key });
    },
    versions(callId) {
      return Promise.resolve({
        keyVersion: state.keyVersion,
        callVersion: state.calls.get(callId) ?? 0,
      });
    },
    target(callId, mediaId): Promise<LinkTarget> {
      state.reads.target++;
      const m = state.media.get(mediaId);
      return Promise.resolve({
        storagePath: m && m.callId === callId ? m.path : null,
        keyVersion: state.keyVersion,
        callVersion: state.calls.get(callId) ?? 0,
        urlTtlSeconds: state.ttl,
      });
    },
  };
  return {
    state,
    store,
    revokeCall(callId: string) {
      state.calls.set(callId, (state.calls.get(callId) ?? 0) + 1);
    },
    revokeAll() {
      state.keyVersion++;
      state.key = crypto.randomUUID();
    },
  };
}

function harness(clock = { t: Date.UTC(2026, 10, 29) }) {
  const db = fakeStore();
  const now = () => clock.t;
  const keys = createLinkKeyCache({ read: () => db.store.readKey(), now });
  const links = createRecordingLinks({ store: db.store, baseUrl: BASE, now, keys });
  // The function's own cache, separate from the publisher's, as in production.
  const fnKeys = createLinkKeyCache({ read: () => db.store.readKey(), now });
  const check = (url: string) =>
    checkRecordingLink(new URL(url).searchParams.get("t")!, { keys: fnKeys, store: db.store, now });
  return { db, links, check, clock };
}

Deno.test("recordingLinkFor makes a link the check accepts for that object", async () => {
  const { links, check } = harness();
  const url = await links.recordingLinkFor({ id: "10", call_id: "1" });
  assert.match(
    url,
    /^https:\/\/ref\.supabase\.co\/functions\/v1\/recording\?t=r1\.1\.1\.10\.0\.0\./,
  );
  assert.deepEqual(await check(url), {
    ok: true,
    callId: "1",
    mediaId: "10",
    storagePath: "calls/1/recording-a.mp3",
    urlTtlSeconds: 60,
  });
  // Numbers and bigints from any driver give the same link.
  assert.equal(await links.recordingLinkFor({ id: 10, call_id: 1n }), url);
});

Deno.test("recordingLinkFor refuses rows it cannot link", async () => {
  const { links } = harness();
  await assert.rejects(links.recordingLinkFor({ id: "x", call_id: "1" }), ValidationError);
  await assert.rejects(
    links.recordingLinkFor({ id: "10", call_id: "1", storage_path: null }),
    /not stored yet/,
  );
  await assert.rejects(
    links.recordingLinkFor({ id: "10", call_id: "1" }, { expiresInSeconds: 0 }),
    ValidationError,
  );
});

Deno.test("per-call revocation refuses that call's older links only", async () => {
  const { db, links, check } = harness();
  const a = await links.recordingLinkFor({ id: "10", call_id: "1" });
  const b = await links.recordingLinkFor({ id: "20", call_id: "2" });
  db.revokeCall("1");
  assert.deepEqual(await check(a), { ok: false, reason: "revoked_call", callId: "1" });
  assert.equal((await check(b)).ok, true);
  const again = await links.recordingLinkFor({ id: "10", call_id: "1" });
  assert.match(again, /r1\.1\.1\.10\.1\.0\./);
  assert.equal((await check(again)).ok, true);
});

Deno.test("global revocation refuses every older link at once, even with a cached key", async () => {
  const { db, links, check } = harness();
  const a = await links.recordingLinkFor({ id: "10", call_id: "1" });
  const b = await links.recordingLinkFor({ id: "20", call_id: "2" });
  assert.equal((await check(a)).ok, true); // the function has the old key cached
  db.revokeAll();
  assert.deepEqual(await check(a), { ok: false, reason: "revoked_key", callId: "1" });
  // That answer taught the function the new key: older links now fail without a query.
  const before = db.state.reads.target;
  assert.deepEqual(await check(b), { ok: false, reason: "unknown_key" });
  assert.equal(db.state.reads.target, before);
  // New links carry the new version: the publisher re-reads the key, and so does the function.
  const fresh = await links.recordingLinkFor({ id: "10", call_id: "1" });
  assert.match(fresh, /r1\.2\.1\.10\.0\.0\./);
  assert.equal((await check(fresh)).ok, true);
});

Deno.test("foreign, tampered, expired and dangling tokens are refused", async () => {
  const { db, links, check, clock } = harness();
  const good = await links.recordingLinkFor({ id: "10", call_id: "1" });
  const token = new URL(good).searchParams.get("t")!;
  const foreignKey = await importLinkKey("b".repeat(64));
  const claims = { keyVersion: 1, callId: "1", mediaId: "10", callVersion: 0, expiresAt: null };
  const foreign = await signToken(claims, foreignKey);
  const url = (t: string) => `${BASE}?t=${t}`;
  assert.deepEqual(await check(url(foreign)), { ok: false, reason: "bad_signature" });
  assert.deepEqual(await check(url(token.replace(".10.", ".20."))), {
    ok: false,
    reason: "bad_signature",
  });
  assert.deepEqual(await check(url("nonsense")), { ok: false, reason: "malformed" });
  // Properly signed, but for another call's recording or for nothing at all.
  const key = await importLinkKey(db.state.key);
  const crossCall = await signToken({ ...claims, mediaId: "20" }, key);
  assert.deepEqual(await check(url(crossCall)), { ok: false, reason: "no_object", callId: "1" });
  const missing = await signToken({ ...claims, mediaId: "99" }, key);
  assert.deepEqual(await check(url(missing)), { ok: false, reason: "no_object", callId: "1" });
  // An expiring link, with the injected clock.
  const short = await links.recordingLinkFor({ id: "10", call_id: "1" }, { expiresInSeconds: 30 });
  assert.equal((await check(short)).ok, true);
  clock.t += 30_000;
  assert.deepEqual(await check(short), { ok: false, reason: "expired" });
  assert.equal((await check(good)).ok, true, "links without expiry keep working");
});

Deno.test("forged newer key versions re-read the key at most once per interval", async () => {
  const clock = { t: 1_000_000 };
  let reads = 0;
  const keys = createLinkKeyCache({
    read: () => {
      reads++;
      return Promise.resolve({ version: 1, key: "k" });
    },
    now: () => clock.t,
    cacheMs: 60_000,
    minRereadMs: 5_000,
  });
  assert.ok(await keys.forVersion(1, true));
  assert.equal(reads, 1);
  for (let i = 0; i < 100; i++) assert.equal(await keys.forVersion(2 + i, true), null);
  assert.equal(reads, 1, "a flood within the interval costs no read");
  assert.equal(await keys.forVersion(0, true), null, "older versions never cost a read");
  clock.t += 5_000;
  assert.equal(await keys.forVersion(7, true), null);
  assert.equal(reads, 2, "one read per interval");
  // Trusted callers (the publisher, after reading versions from the database) re-read at once.
  assert.equal(await keys.forVersion(9, false), null);
  assert.equal(reads, 3);
  // The cache expires.
  clock.t += 60_000;
  assert.ok(await keys.forVersion(1, true));
  assert.equal(reads, 4);
});

Deno.test("concurrent first uses share one key read; a failed read is not cached", async () => {
  let reads = 0;
  let fail = true;
  const keys = createLinkKeyCache({
    read: async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error("database away");
      return { version: 1, key: "k" };
    },
    now: Date.now,
  });
  const all = await Promise.allSettled([1, 2, 3].map(() => keys.forVersion(1, true)));
  assert.ok(all.every((r) => r.status === "rejected"));
  assert.equal(reads, 1);
  fail = false;
  assert.ok(await keys.forVersion(1, true));
  assert.equal(reads, 2);
});

Deno.test("recordingLinkBaseUrl: the project's functions URL, or an explicit base", () => {
  assert.equal(
    recordingLinkBaseUrl({ SUPABASE_URL: "https://ref.supabase.co/" }),
    "https://ref.supabase.co/functions/v1/recording",
  );
  assert.equal(
    recordingLinkBaseUrl({
      SUPABASE_URL: "https://ref.supabase.co",
      RECORDING_LINK_BASE_URL: "https://rec.example.com/r/",
    }),
    "https://rec.example.com/r",
  );
  assert.throws(() => recordingLinkBaseUrl({}), ConfigError);
  assert.throws(() => recordingLinkBaseUrl({ RECORDING_LINK_BASE_URL: "ftp://x" }), ConfigError);
});
