/**
 * Supabase Storage, for streaming large files in with bounded memory. Plain fetch against the
 * Storage API (the same routes storage-js calls), because storage-js has no resumable upload and
 * the docs recommend TUS for anything over 6 MB:
 *
 * - a file that fits in one 6 MiB chunk goes up as one standard upload (`POST /object/…` with
 *   `x-upsert: true`);
 * - anything larger goes through TUS (`/upload/resumable`, Supabase's resumable uploads) in
 *   6 MiB chunks, the size Supabase requires; the object exists only once the last chunk is in,
 *   so an interrupted or short source never leaves a partial object behind, and an upload that
 *   fails after its creation (a source that breaks off or grows past the size limit) is
 *   terminated (TUS `DELETE`, best effort), so no partial upload is left behind either. A chunk
 *   whose PATCH failed in transit is re-sent after asking the server (HEAD) where the upload
 *   stands.
 *
 * Memory stays at one chunk whatever the file's size. Failures are UpstreamError("storage", …)
 * (5xx, 409 lock conflicts and network errors retryable) or, for 413, a permanent
 * StorageTooLargeError.
 */
import { AppError, UpstreamError } from "../../platform/errors.ts";
import type { Logger } from "../../platform/log.ts";
import { type Chunk, type ChunkObserver, ChunkReader } from "./meter.ts";

/** Supabase's required TUS chunk size, and the standard-upload ceiling the docs recommend. */
export const CHUNK_BYTES = 6 * 1024 * 1024;
const TUS_VERSION = "1.0.0";

export interface StorageClientOptions {
  /** The project URL (SUPABASE_URL), or the direct storage host; /storage/v1 is appended. */
  baseUrl: string;
  /** A service-role or secret key. */
  key: string;
  fetch: typeof fetch;
  now: () => number;
  log: Logger;
  /** Per request (one chunk), default 120 s. */
  timeoutMs?: number;
  chunkBytes?: number;
}

export interface UploadOptions {
  contentType: string;
  /** The size when known in advance (TUS Upload-Length); null defers it to the last chunk. */
  length: number | null;
  upsert: boolean;
  cacheControlSeconds?: number;
  /** Sees every piece of the body and its end (a Meter: counts, hashes, checks the size). */
  observer?: ChunkObserver;
}

export interface UploadResult {
  method: "standard" | "resumable";
  chunks: number;
}

/** Storage refused the object as too large (413): permanent. */
export class StorageTooLargeError extends AppError {
  constructor(message: string) {
    super("payload_too_large", message, { status: 413, retryable: false });
  }
}

export interface StorageClient {
  /** Creates the bucket (private) unless it exists; remembered per process. */
  ensureBucket(bucket: string): Promise<void>;
  /** Streams `body` to bucket/path. The body is consumed (or cancelled on failure). */
  upload(
    bucket: string,
    path: string,
    body: ReadableStream<Uint8Array>,
    opts: UploadOptions,
  ): Promise<UploadResult>;
}

function b64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/**
 * A chunk as a stream of views into it: fetch copies a Uint8Array body whole (and the runtime
 * keeps such copies around), a stream of views is sent piece by piece without one.
 */
function views(data: Uint8Array<ArrayBuffer>, piece = 256 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= data.byteLength) return c.close();
      c.enqueue(data.subarray(at, at + piece));
      at += piece;
    },
  });
}

export function objectPathUrl(bucket: string, path: string): string {
  return [bucket, ...path.split("/")].map(encodeURIComponent).join("/");
}

export function createStorageClient(opts: StorageClientOptions): StorageClient {
  const base = `${opts.baseUrl.replace(/\/$/, "")}/storage/v1`;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  const auth = { authorization: `Bearer ${opts.key}`, apikey: opts.key };
  const buckets = new Map<string, Promise<void>>();

  async function send(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await opts.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const timeout = e instanceof DOMException && e.name === "TimeoutError";
      throw new UpstreamError(
        "storage",
        timeout ? "timeout" : "network",
        `storage ${what} failed`,
        {
          cause: e,
        },
      );
    }
  }

  /** Storage answers most 4xx as HTTP 400 with the real status in the body's statusCode. */
  async function failure(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => "");
    let status = res.status;
    let message = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { statusCode?: unknown; message?: unknown };
      if (typeof body.statusCode === "string" && /^\d{3}$/.test(body.statusCode)) {
        status = Number(body.statusCode);
      }
      if (typeof body.message === "string") message = body.message;
    } catch { /* a plain-text TUS answer */ }
    if (status === 413) {
      throw new StorageTooLargeError(`Storage refused the ${what}: ${message || "too large"}`);
    }
    throw new UpstreamError("storage", "http", `storage ${what} answered ${status}: ${message}`, {
      upstreamStatus: status,
    });
  }

  async function createBucket(bucket: string): Promise<void> {
    const res = await send(`${base}/bucket`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ id: bucket, name: bucket, public: false }),
    }, "bucket creation");
    if (res.ok) {
      await res.body?.cancel();
      opts.log.info("Created the Storage bucket", { bucket });
      return;
    }
    const text = await res.text();
    // An existing bucket is what we wanted.
    if (/"statusCode"\s*:\s*"409"|already exists/i.test(text)) return;
    await failure(new Response(text, { status: res.status }), "bucket creation");
  }

  async function standard(
    bucket: string,
    path: string,
    data: Uint8Array<ArrayBuffer>,
    o: UploadOptions,
  ): Promise<void> {
    const res = await send(`${base}/object/${objectPathUrl(bucket, path)}`, {
      method: "POST",
      headers: {
        ...auth,
        "content-type": o.contentType,
        "cache-control": `max-age=${o.cacheControlSeconds ?? 3600}`,
        "x-upsert": String(o.upsert),
      },
      body: data,
    }, "upload");
    if (!res.ok) await failure(res, "upload");
    await res.body?.cancel();
  }

  async function resumable(
    bucket: string,
    path: string,
    first: Chunk,
    chunks: ChunkReader,
    o: UploadOptions,
  ): Promise<number> {
    const tus = { ...auth, "tus-resumable": TUS_VERSION, "x-upsert": String(o.upsert) };
    const metadata = [
      `bucketName ${b64(bucket)}`,
      `objectName ${b64(path)}`,
      `contentType ${b64(o.contentType)}`,
      `cacheControl ${b64(String(o.cacheControlSeconds ?? 3600))}`,
    ].join(",");
    const created = await send(`${base}/upload/resumable`, {
      method: "POST",
      headers: {
        ...tus,
        "upload-metadata": metadata,
        ...(o.length === null
          ? { "upload-defer-length": "1" }
          : { "upload-length": String(o.length) }),
      },
    }, "resumable upload creation");
    if (created.status !== 201) await failure(created, "resumable upload creation");
    await created.body?.cancel();
    const location = created.headers.get("location");
    if (!location) {
      throw new UpstreamError(
        "storage",
        "contract",
        "storage created an upload without a Location",
      );
    }
    const uploadUrl = new URL(location, base).toString();

    let offset = 0;
    let count = 0;
    try {
      for (let chunk: Chunk | null = first; chunk;) {
        const headers: Record<string, string> = {
          ...tus,
          "content-type": "application/offset+octet-stream",
        };
        if (chunk.last && o.length === null) {
          headers["upload-length"] = String(offset + chunk.data.byteLength);
        }
        offset = await patch(uploadUrl, offset, chunk.data, headers);
        count++;
        if (chunk.last) break;
        chunk = await chunks.next();
      }
    } catch (e) {
      await terminate(uploadUrl, e);
      throw e;
    }
    return count;
  }

  /**
   * Ends an unfinished upload (TUS termination: Supabase frees its parts), so a failed copy
   * leaves nothing behind. Best effort: a failure here is logged, and the upload then expires
   * on its own (24 hours); the copy's own error is what the caller sees.
   */
  async function terminate(uploadUrl: string, cause: unknown): Promise<void> {
    try {
      const res = await opts.fetch(uploadUrl, {
        method: "DELETE",
        headers: { ...auth, "tus-resumable": TUS_VERSION },
        signal: AbortSignal.timeout(Math.min(timeoutMs, 10_000)),
      });
      await res.body?.cancel();
      // 404/410: Storage already dropped it (e.g. after refusing a chunk as too large).
      if (!res.ok && res.status !== 404 && res.status !== 410) {
        opts.log.warn("Could not terminate an unfinished upload", { status: res.status });
      }
    } catch (e) {
      opts.log.warn("Could not terminate an unfinished upload", {
        error: e instanceof Error ? e.message : String(e),
        cause: cause instanceof Error ? cause.name : typeof cause,
      });
    }
  }

  /** Sends one chunk at `offset`; after a failure in transit, asks where the upload stands once. */
  async function patch(
    url: string,
    offset: number,
    data: Uint8Array<ArrayBuffer>,
    headers: Record<string, string>,
  ): Promise<number> {
    for (let attempt = 0;; attempt++) {
      let res: Response;
      try {
        res = await send(url, {
          method: "PATCH",
          headers: { ...headers, "upload-offset": String(offset) },
          body: views(data),
        }, "chunk upload");
      } catch (e) {
        if (attempt > 0 || !(e instanceof UpstreamError)) throw e;
        const head = await send(url, {
          method: "HEAD",
          headers: { ...auth, "tus-resumable": TUS_VERSION },
        }, "upload status");
        const at = Number(head.headers.get("upload-offset"));
        if (head.ok && at === offset + data.byteLength) return at;
        if (head.ok && at === offset) continue;
        throw e;
      }
      if (res.status !== 204) await failure(res, "chunk upload");
      await res.body?.cancel();
      const at = Number(res.headers.get("upload-offset"));
      if (at !== offset + data.byteLength) {
        throw new UpstreamError(
          "storage",
          "contract",
          `storage reports offset ${at} after a chunk`,
        );
      }
      return at;
    }
  }

  return {
    ensureBucket(bucket) {
      let pending = buckets.get(bucket);
      if (!pending) {
        pending = createBucket(bucket).catch((e) => {
          buckets.delete(bucket);
          throw e;
        });
        buckets.set(bucket, pending);
      }
      return pending;
    },
    async upload(bucket, path, body, o) {
      const chunks = new ChunkReader(body, chunkBytes, o.observer ?? null);
      try {
        const first = await chunks.next();
        if (first === null || first.last) {
          await standard(bucket, path, first?.data ?? new Uint8Array(0), o);
          return { method: "standard", chunks: 1 };
        }
        const count = await resumable(bucket, path, first, chunks, o);
        return { method: "resumable", chunks: count };
      } catch (e) {
        await chunks.cancel(e);
        throw e;
      }
    },
  };
}
