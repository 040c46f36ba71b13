/**
 * Serving an object's bytes: the headers the server's asset renderer sets
 * (supabase/storage src/storage/renderer/renderer.ts), conditional requests, and single byte
 * ranges, streamed straight from the file.
 */
import { errors } from "./storage_errors.ts";
import type { ObjectRecord, StorageFs } from "./storage_fs.ts";

/** An inclusive byte range within an object. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a Range header against an object of `size` bytes (RFC 9110 §14). Returns null when the
 * whole object should be sent: no header, another unit, several ranges, or a syntactically
 * invalid one (which the RFC says to ignore). "unsatisfiable" becomes a 416.
 */
export function parseRange(
  header: string | null,
  size: number,
): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    // "bytes=-n": the last n bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Infinity : Number(last);
  if (end < start) return null; // "bytes=5-3" is invalid, so it is ignored rather than refused.
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}

/** A stream of `length` bytes from `start`, closing the file when done or cancelled. */
function fileSlice(file: Deno.FsFile, start: number, length: number): ReadableStream<Uint8Array> {
  let remaining = length;
  let positioned = false;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!positioned) {
          await file.seek(start, Deno.SeekMode.Start);
          positioned = true;
        }
        if (remaining <= 0) {
          close();
          controller.close();
          return;
        }
        const chunk = new Uint8Array(Math.min(64 * 1024, remaining));
        const read = await file.read(chunk);
        if (read === null) throw new Error("The object's file is shorter than its record says");
        remaining -= read;
        controller.enqueue(chunk.subarray(0, read));
      } catch (error) {
        close();
        controller.error(error);
      }
    },
    cancel() {
      close();
    },
  });
}

/** The server serves HTML as plain text, so a bucket cannot host pages that run as its origin. */
function servedContentType(mimetype: string): string {
  return mimetype.includes("text/html") ? "text/plain" : mimetype;
}

function contentDisposition(download: string): string {
  if (download === "") return "attachment;";
  const encoded = encodeURIComponent(download);
  return `attachment; filename=${encoded}; filename*=UTF-8''${encoded};`;
}

export interface ServeOptions {
  /** Signed URLs answer with `Expires` (the token's expiry) instead of the object's cache-control. */
  expires?: Date;
}

/** Answers a GET or HEAD for an object, honouring Range, If-Range and If-None-Match. */
export async function serveObject(
  req: Request,
  fs: StorageFs,
  bucket: string,
  key: string,
  options: ServeOptions = {},
): Promise<Response> {
  const opened = await fs.openObject(bucket, key);
  if (!opened) throw errors.noSuchKey();
  const { record, file } = opened;
  let handedOver = false;
  try {
    const response = buildResponse(req, record, file, options);
    handedOver = response.body !== null;
    return response;
  } finally {
    if (!handedOver) file.close();
  }
}

function buildResponse(
  req: Request,
  record: ObjectRecord,
  file: Deno.FsFile,
  options: ServeOptions,
): Response {
  const { metadata } = record;
  const size = metadata.size;
  const headers = new Headers({
    "accept-ranges": "bytes",
    "content-type": servedContentType(metadata.mimetype),
    "etag": metadata.eTag,
    "last-modified": new Date(metadata.lastModified).toUTCString(),
  });
  if (options.expires) headers.set("expires", options.expires.toUTCString());
  else headers.set("cache-control", metadata.cacheControl);
  const download = new URL(req.url).searchParams.get("download");
  if (download !== null) headers.set("content-disposition", contentDisposition(download));

  const ifNoneMatch = req.headers.get("if-none-match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim() === metadata.eTag)) {
    return new Response(null, { status: 304, headers });
  }

  // If-Range: a range only applies to the representation the client already has part of.
  const ifRange = req.headers.get("if-range");
  const rangeApplies = !ifRange || ifRange === metadata.eTag ||
    ifRange === headers.get("last-modified");
  const range = rangeApplies ? parseRange(req.headers.get("range"), size) : null;
  if (range === "unsatisfiable") throw errors.rangeNotSatisfiable(size);

  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
  const status = range ? 206 : 200;
  if (req.method === "HEAD") return new Response(null, { status, headers });
  return new Response(fileSlice(file, start, length), { status, headers });
}
