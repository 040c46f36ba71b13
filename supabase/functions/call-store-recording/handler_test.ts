/**
 * The stage handler with fake sources and a fake Storage: a file over the size limit is recorded
 * as not stored and the call goes on, however its size shows (the provider's figure,
 * Content-Length, the byte count while streaming, Storage's 413); OpenPhone is optional.
 */
import assert from "node:assert/strict";
import type { StorageClient, UploadOptions } from "../_shared/adapters/storage/client.ts";
import { StorageTooLargeError } from "../_shared/adapters/storage/client.ts";
import { AppError } from "../_shared/platform/errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import type { ClaimedItem, StageContext } from "../_shared/platform/stage_worker.ts";
import {
  copyMedia,
  RecordingTooLargeError,
  type SkippedMedia,
  type StoredMedia,
  storeRecordingHandler,
} from "./handler.ts";
import type { OpenPhoneMediaApi } from "./sources.ts";

const log = createLogger({}, { write: () => {} });
const LIMIT = 1000;

/** A body of `n` bytes in 100-byte pieces; `read()` says how many were pulled. */
function body(n: number) {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= n) return c.close();
      const k = Math.min(100, n - sent);
      c.enqueue(new Uint8Array(k).fill(7));
      sent += k;
    },
  });
  return { stream, read: () => sent };
}

interface Served {
  bytes: number;
  contentLength: boolean;
  status?: number;
}

function fakes(opts: {
  served?: Record<string, Served>;
  storage413?: boolean;
  openphone?: OpenPhoneMediaApi | null;
} = {}) {
  const requests: string[] = [];
  const pulled: Record<string, () => number> = {};
  const uploads: string[] = [];
  const stored: StoredMedia[] = [];
  const skipped: SkippedMedia[] = [];
  const fetchFake = (input: RequestInfo | URL): Promise<Response> => {
    const url = String(input);
    requests.push(url);
    const key = Object.keys(opts.served ?? {}).find((k) => url.includes(k));
    const s = key ? opts.served![key]! : null;
    if (!s) return Promise.resolve(new Response("no", { status: 404 }));
    if (s.status && s.status !== 200) {
      return Promise.resolve(new Response("gone", { status: s.status }));
    }
    const b = body(s.bytes);
    pulled[key!] = b.read;
    return Promise.resolve(
      new Response(b.stream, {
        headers: {
          "content-type": "audio/wav",
          ...(s.contentLength ? { "content-length": String(s.bytes) } : {}),
        },
      }),
    );
  };
  const storage: StorageClient = {
    ensureBucket: () => Promise.resolve(),
    async upload(
      _bucket: string,
      path: string,
      stream: ReadableStream<Uint8Array>,
      o: UploadOptions,
    ) {
      uploads.push(path);
      const reader = stream.getReader();
      try {
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          o.observer?.update(r.value);
          if (opts.storage413) throw new StorageTooLargeError("Storage refused the upload");
        }
        o.observer?.finish();
      } catch (e) {
        await reader.cancel(e).catch(() => {});
        throw e;
      }
      return { method: "standard" as const, chunks: 1 };
    },
  };
  const deps = {
    sources: {
      fetch: fetchFake as typeof fetch,
      now: () => 0,
      log,
      openphone: opts.openphone ?? null,
      drive: { baseUrl: "https://drive.test", accessToken: () => Promise.resolve("tok") },
    },
    storage,
    bucket: "rec",
    maxBytes: LIMIT,
    copyTimeoutMs: 10_000,
    record: (m: StoredMedia) => {
      stored.push(m);
      return Promise.resolve();
    },
    recordSkipped: (m: SkippedMedia) => {
      skipped.push(m);
      return Promise.resolve();
    },
  };
  return { deps, requests, pulled, uploads, stored, skipped };
}

const ctx: StageContext = {
  stage: "call_store_recording",
  token: 1,
  attempt: 1,
  deadline: Number.MAX_SAFE_INTEGER,
  now: () => 0,
  log,
  signal: new AbortController().signal,
  extendLease: () => Promise.resolve(true),
};

function callItem(subject: Record<string, unknown>): ClaimedItem {
  return { token: 1, itemId: 1, subjectId: 42, attempt: 1, subject };
}

const openphoneCall = (recordings: unknown[], voicemail: unknown = null) =>
  callItem({ source: "openphone", external_id: "AC1", recordings, voicemail });

Deno.test("too large by Content-Length: recorded as not stored, nothing read or uploaded, the call goes on", async () => {
  const f = fakes({ served: { "/big": { bytes: 5000, contentLength: true } } });
  const result = await storeRecordingHandler(f.deps)(
    openphoneCall([{ id: "CR1", url: "https://media.test/big", type: "audio/wav", duration: 60 }]),
    ctx,
  );
  assert.equal(result, undefined, "the stage completes");
  assert.deepEqual(f.skipped, [{
    callId: 42,
    kind: "recording",
    mediaKey: "CR1",
    source: "openphone",
    reason: "too_large",
    bytes: 5000,
    limitBytes: LIMIT,
    contentType: "audio/wav",
    durationSec: 60,
  }]);
  assert.deepEqual([f.stored, f.uploads], [[], []]);
  assert.ok(f.pulled["/big"]!() <= 200, "the body is cancelled, not downloaded");
});

Deno.test("too large while streaming (no Content-Length): the download stops at the limit; same outcome, size unknown", async () => {
  const f = fakes({ served: { "/big": { bytes: 50_000, contentLength: false } } });
  await storeRecordingHandler(f.deps)(
    openphoneCall([{ id: "CR1", url: "https://media.test/big", type: "audio/wav" }]),
    ctx,
  );
  assert.deepEqual(
    f.skipped.map((s) => [s.kind, s.reason, s.bytes, s.limitBytes]),
    [["recording", "too_large", null, LIMIT]],
  );
  assert.deepEqual(f.stored, []);
  assert.ok(f.pulled["/big"]!() <= LIMIT + 200, `read ${f.pulled["/big"]!()} bytes, not 50,000`);
});

Deno.test("too large by Drive's size: not even downloaded", async () => {
  const f = fakes();
  await storeRecordingHandler(f.deps)(
    callItem({
      source: "drive",
      external_id: "F1",
      recordings: [{ id: "F1", source: "gdrive", size: "75000", type: "audio/mpeg" }],
    }),
    ctx,
  );
  assert.deepEqual(f.requests, []);
  assert.deepEqual(
    f.skipped.map((s) => [s.source, s.bytes, s.limitBytes]),
    [["drive", 75000, LIMIT]],
  );
});

Deno.test("Storage's own 413: not stored, over Storage's limit (unknown to us)", async () => {
  const f = fakes({ served: { "/r": { bytes: 500, contentLength: true } }, storage413: true });
  await storeRecordingHandler(f.deps)(
    openphoneCall([{ id: "CR1", url: "https://media.test/r" }]),
    ctx,
  );
  assert.deepEqual(f.skipped.map((s) => [s.bytes, s.limitBytes]), [[500, null]]);
});

Deno.test("one media too large, the other stored: both recorded, the call goes on", async () => {
  const f = fakes({
    served: {
      "/big": { bytes: 5000, contentLength: true },
      "/vm": { bytes: 300, contentLength: true },
    },
  });
  await storeRecordingHandler(f.deps)(
    openphoneCall([{ id: "CR1", url: "https://media.test/big" }], {
      id: "VM1",
      url: "https://media.test/vm",
      type: "audio/wav",
    }),
    ctx,
  );
  assert.deepEqual(f.skipped.map((s) => s.mediaKey), ["CR1"]);
  assert.deepEqual(f.stored.map((s) => [s.mediaKey, s.bytes]), [["VM1", 300]]);
});

Deno.test("copyMedia alone: an oversized file is a permanent, readable failure", async () => {
  const f = fakes({ served: { "/big": { bytes: 75 * 1024 * 1024, contentLength: true } } });
  await assert.rejects(
    copyMedia(
      { ...f.deps, maxBytes: 50 * 1024 * 1024 },
      { id: 42, externalId: "AC1" },
      {
        kind: "recording",
        key: "CR1",
        source: "openphone",
        url: "https://media.test/big",
        driveFileId: null,
        type: "audio/wav",
        size: null,
        durationSec: null,
        status: null,
      },
      ctx,
    ),
    (e) =>
      e instanceof RecordingTooLargeError && !e.retryable &&
      e.message === "The recording is not stored: 75 MB is over the 50 MB file-size limit",
  );
});

Deno.test("no OpenPhone key: Drive recordings and working OpenPhone URLs are stored", async () => {
  const f = fakes({
    served: {
      "/drive/v3/files/F1": { bytes: 400, contentLength: true },
      "/fresh": { bytes: 200, contentLength: false },
    },
  });
  await storeRecordingHandler(f.deps)(
    callItem({
      source: "drive",
      external_id: "F1",
      recordings: [{ id: "F1", source: "gdrive", size: "400", type: "audio/mpeg" }],
    }),
    ctx,
  );
  await storeRecordingHandler(f.deps)(
    openphoneCall([{ id: "CR1", url: "https://media.test/fresh" }]),
    ctx,
  );
  assert.deepEqual(f.stored.map((s) => [s.source, s.bytes]), [["drive", 400], ["openphone", 200]]);
});

Deno.test("no OpenPhone key: a URL that needs a refresh is a retryable, readable config error", async () => {
  for (const status of [403, 410]) {
    const f = fakes({ served: { "/expired": { bytes: 1, contentLength: true, status } } });
    await assert.rejects(
      storeRecordingHandler(f.deps)(
        openphoneCall([{ id: "CR1", url: "https://media.test/expired" }]),
        ctx,
      ),
      (e) =>
        e instanceof AppError && e.code === "config_invalid" && e.retryable &&
        e.message.includes(`answered ${status}`) && e.message.includes("OPENPHONE_API_KEY"),
    );
    assert.deepEqual([f.stored, f.skipped], [[], []]);
  }
  // No URL at all (it would come from the API): the same.
  const f = fakes();
  await assert.rejects(
    storeRecordingHandler(f.deps)(openphoneCall([{ id: "CR1", status: "completed" }]), ctx),
    (e) => e instanceof AppError && e.retryable && /is missing.*OPENPHONE_API_KEY/.test(e.message),
  );
});
