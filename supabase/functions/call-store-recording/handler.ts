/**
 * The call_store_recording stage: each recording and voicemail of the call is streamed from its
 * source into the private recordings bucket at a deterministic path (upsert, so a retry
 * overwrites), counted and SHA-256-hashed on the way, checked against the announced size, and
 * recorded in switchboard.call_media with one SQL call. A call with nothing to store completes
 * at once (call_transcribe skips it). Memory stays at one 6 MiB chunk per copy.
 *
 * A file over the size limit is not stored, and that does not fail the call: it is recorded as
 * skipped ('too_large', with its size and the limit) and the stage completes, so the call still
 * reaches its Notion page, which says why there is no recording. Whichever way the size shows —
 * the provider's figure or Content-Length up front (nothing is downloaded), the byte count while
 * streaming (the download stops at the limit and an unfinished TUS upload is terminated), or
 * Storage's own 413 — it ends the same way: a skipped row, no object, the call moves on.
 */
import { Meter, SizeMismatchError, TooLargeError } from "../_shared/adapters/storage/meter.ts";
import {
  type StorageClient,
  StorageTooLargeError,
  type UploadResult,
} from "../_shared/adapters/storage/client.ts";
import { tooLargeText } from "../_shared/domain/recordings/not_stored.ts";
import { AppError, UpstreamError } from "../_shared/platform/errors.ts";
import type { StageContext, StageHandler } from "../_shared/platform/stage_worker.ts";
import { essence, extensionFor, mediaOf, type MediaRef, storagePath } from "./media.ts";
import { openMedia, type SourceDeps } from "./sources.ts";

export interface StoredMedia {
  callId: number;
  kind: MediaRef["kind"];
  mediaKey: string;
  source: MediaRef["source"];
  storagePath: string;
  contentType: string;
  bytes: number;
  sha256: string;
  durationSec: number | null;
}

/** A media item that was not stored, and why (switchboard.record_call_media_skipped). */
export interface SkippedMedia {
  callId: number;
  kind: MediaRef["kind"];
  mediaKey: string;
  source: MediaRef["source"];
  reason: "too_large";
  /** The size when announced; null when it only showed while streaming (over the limit). */
  bytes: number | null;
  /** The limit it is over; null when Storage refused it with its own limit. */
  limitBytes: number | null;
  contentType: string | null;
  durationSec: number | null;
}

/**
 * The file is over the size limit: not stored. The stage records it as skipped and goes on;
 * should it escape (copyMedia called on its own), it is a permanent failure.
 */
export class RecordingTooLargeError extends AppError {
  constructor(
    readonly kind: MediaRef["kind"],
    readonly bytes: number | null,
    readonly limitBytes: number | null,
  ) {
    super("payload_too_large", `The ${kind} is not stored: ${tooLargeText(bytes, limitBytes)}`, {
      status: 413,
      retryable: false,
    });
  }
}

export interface StoreRecordingDeps {
  sources: SourceDeps;
  storage: StorageClient;
  bucket: string;
  /** Storage's file size limit (the project's global limit, or lower). */
  maxBytes: number;
  /** Longest one copy may take, from request to last byte. */
  copyTimeoutMs: number;
  /** switchboard.record_call_media: one statement. */
  record: (m: StoredMedia) => Promise<void>;
  /** switchboard.record_call_media_skipped: one statement. */
  recordSkipped: (m: SkippedMedia) => Promise<void>;
}

/** What copying one item needs (the bench calls it on its own). */
export type CopyDeps = Pick<
  StoreRecordingDeps,
  "sources" | "storage" | "bucket" | "maxBytes" | "copyTimeoutMs"
>;

/** The announced size: Content-Length of an unencoded body, else the provider's own figure. */
export function announcedSize(res: Response, providerSize: number | null): number | null {
  const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
  const length = res.headers.get("content-length");
  if (!encoded && length !== null && /^\d+$/.test(length.trim())) return Number(length);
  return providerSize;
}

/**
 * Streams one media item into Storage; returns what was stored. A file over the limit throws
 * RecordingTooLargeError (nothing stored, nothing left behind); see the header.
 */
export async function copyMedia(
  deps: CopyDeps,
  call: { id: number; externalId: string | null },
  m: MediaRef,
  ctx: Pick<StageContext, "signal" | "log">,
): Promise<StoredMedia & { upload: UploadResult }> {
  const vendor = m.source === "drive" ? "gdrive" : "openphone_media";
  // The provider's own figure (Drive): over the limit → not even downloaded.
  if (m.size !== null && m.size > deps.maxBytes) {
    throw new RecordingTooLargeError(m.kind, m.size, deps.maxBytes);
  }
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(deps.copyTimeoutMs)]);
  const res = await openMedia(deps.sources, call.externalId, m, signal);
  const responseType = essence(res.headers.get("content-type"));
  const contentType = responseType && /^(audio|video)\//.test(responseType)
    ? responseType
    : essence(m.type) ?? "application/octet-stream";
  const path = storagePath(call.id, m, extensionFor(m.type ?? contentType));
  const announced = announcedSize(res, m.size);
  // Content-Length over the limit → the body is never read.
  if (announced !== null && announced > deps.maxBytes) {
    await res.body?.cancel();
    throw new RecordingTooLargeError(m.kind, announced, deps.maxBytes);
  }
  const metered = new Meter({ expectedBytes: announced, maxBytes: deps.maxBytes });
  const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  let upload: UploadResult;
  try {
    upload = await deps.storage.upload(deps.bucket, path, body, {
      contentType,
      length: announced,
      upsert: true,
      observer: metered,
    });
  } catch (e) {
    // The byte count passed the limit while streaming (the size was not announced): the
    // download stops there, and the upload was cancelled (a TUS one terminated).
    if (e instanceof TooLargeError) throw new RecordingTooLargeError(m.kind, null, deps.maxBytes);
    // Storage's own limit is lower than RECORDINGS_MAX_BYTES (a bucket limit, a lower plan).
    if (e instanceof StorageTooLargeError) {
      throw new RecordingTooLargeError(m.kind, announced, null);
    }
    if (e instanceof SizeMismatchError) {
      throw new UpstreamError(
        vendor,
        "network",
        `The ${m.kind} download was cut short: ${e.message}`,
      );
    }
    if (e instanceof AppError) throw e;
    // The source broke off mid-body (a dropped connection, an aborted read).
    throw new UpstreamError(vendor, "network", `The ${m.kind} download broke off`, { cause: e });
  }
  const { bytes, sha256 } = metered.result();
  ctx.log.info("Stored media", {
    kind: m.kind,
    media: m.key,
    bytes,
    method: upload.method,
    chunks: upload.chunks,
  });
  return {
    callId: call.id,
    kind: m.kind,
    mediaKey: m.key,
    source: m.source,
    storagePath: path,
    contentType,
    bytes,
    sha256,
    durationSec: durationOf(m),
    upload,
  };
}

const durationOf = (m: MediaRef) => m.durationSec === null ? null : Math.round(m.durationSec);

export function storeRecordingHandler(deps: StoreRecordingDeps): StageHandler {
  return async (item, ctx) => {
    const call = item.subject;
    const media = mediaOf(call);
    if (media.length === 0) {
      ctx.log.info("Nothing to store: the call has no recording or voicemail", {
        call: item.subjectId,
      });
      return;
    }
    await deps.storage.ensureBucket(deps.bucket);
    const externalId = typeof call.external_id === "string" && call.source === "openphone"
      ? call.external_id
      : null;
    for (const m of media) {
      // A long copy keeps the claim (the lease outlives the copy's own timeout); a claim that
      // is no longer ours stops here (its completion would be refused anyway).
      if (!await ctx.extendLease(Math.ceil(deps.copyTimeoutMs / 1000) + 60)) return;
      let stored: StoredMedia;
      try {
        stored = await copyMedia(deps, { id: item.subjectId, externalId }, m, ctx);
      } catch (e) {
        if (!(e instanceof RecordingTooLargeError)) throw e;
        // Not stored, and the call goes on: its page says why (call_media.skipped_reason).
        ctx.log.warn("Media over the size limit: not stored", {
          kind: m.kind,
          media: m.key,
          bytes: e.bytes,
          limit: e.limitBytes,
        });
        await deps.recordSkipped({
          callId: item.subjectId,
          kind: m.kind,
          mediaKey: m.key,
          source: m.source,
          reason: "too_large",
          bytes: e.bytes,
          limitBytes: e.limitBytes,
          contentType: essence(m.type),
          durationSec: durationOf(m),
        });
        continue;
      }
      await deps.record(stored);
    }
  };
}
