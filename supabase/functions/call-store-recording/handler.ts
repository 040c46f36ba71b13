/**
 * The call_store_recording stage: each recording and voicemail of the call is streamed from its
 * source into the private recordings bucket at a deterministic path (upsert, so a retry
 * overwrites), counted and SHA-256-hashed on the way, checked against the announced size, and
 * recorded in switchboard.call_media with one SQL call. A call with nothing to store completes
 * at once (call_transcribe skips it). Memory stays at one 6 MiB chunk per copy.
 */
import { Meter, SizeMismatchError, TooLargeError } from "../_shared/adapters/storage/meter.ts";
import type { StorageClient, UploadResult } from "../_shared/adapters/storage/client.ts";
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
}

/** The announced size: Content-Length of an unencoded body, else the provider's own figure. */
export function announcedSize(res: Response, providerSize: number | null): number | null {
  const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
  const length = res.headers.get("content-length");
  if (!encoded && length !== null && /^\d+$/.test(length.trim())) return Number(length);
  return providerSize;
}

/** Streams one media item into Storage; returns what was stored. */
export async function copyMedia(
  deps: StoreRecordingDeps,
  call: { id: number; externalId: string | null },
  m: MediaRef,
  ctx: Pick<StageContext, "signal" | "log">,
): Promise<StoredMedia & { upload: UploadResult }> {
  const vendor = m.source === "drive" ? "gdrive" : "openphone_media";
  if (m.size !== null && m.size > deps.maxBytes) {
    throw tooLarge(new TooLargeError(deps.maxBytes, m.size));
  }
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(deps.copyTimeoutMs)]);
  const res = await openMedia(deps.sources, call.externalId, m, signal);
  const responseType = essence(res.headers.get("content-type"));
  const contentType = responseType && /^(audio|video)\//.test(responseType)
    ? responseType
    : essence(m.type) ?? "application/octet-stream";
  const path = storagePath(call.id, m, extensionFor(m.type ?? contentType));
  let metered: Meter;
  try {
    metered = new Meter({ expectedBytes: announcedSize(res, m.size), maxBytes: deps.maxBytes });
  } catch (e) {
    await res.body?.cancel();
    throw e instanceof TooLargeError ? tooLarge(e) : e;
  }
  const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  let upload: UploadResult;
  try {
    upload = await deps.storage.upload(deps.bucket, path, body, {
      contentType,
      length: announcedSize(res, m.size),
      upsert: true,
      observer: metered,
    });
  } catch (e) {
    if (e instanceof TooLargeError) throw tooLarge(e);
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
    durationSec: m.durationSec === null ? null : Math.round(m.durationSec),
    upload,
  };
}

function tooLarge(e: TooLargeError): AppError {
  return new AppError("payload_too_large", `${e.message} (RECORDINGS_MAX_BYTES)`, {
    status: 413,
    retryable: false,
  });
}

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
      const stored = await copyMedia(deps, { id: item.subjectId, externalId }, m, ctx);
      await deps.record(stored);
    }
  };
}
