/**
 * Resumable uploads (TUS 1.0.0) as Supabase Storage serves them at /storage/v1/upload/resumable
 * (supabase/storage, src/http/routes/tus: @tus/server with Supabase's hooks). The docs recommend
 * this method for anything over 6 MB; clients send 6 MiB chunks.
 *
 *   OPTIONS /upload/resumable[/<id>]  protocol discovery (no credentials needed)
 *   POST    /upload/resumable         create: Upload-Length or Upload-Defer-Length: 1, and
 *                                     Upload-Metadata with bucketName, objectName, contentType,
 *                                     cacheControl, metadata; `x-upsert: true` to replace
 *   HEAD    /upload/resumable/<id>    where the upload stands (Upload-Offset, Upload-Length)
 *   PATCH   /upload/resumable/<id>    application/offset+octet-stream at Upload-Offset; the
 *                                     object is created when the last byte arrives
 *   DELETE  /upload/resumable/<id>    termination (not of a finished upload)
 *
 * Held to the protocol: Tus-Resumable on every request but OPTIONS (412), the offset must match
 * (409), the content type (415), size limits as the server applies them (the smaller of the
 * bucket's and the global limit; 413 at creation or as soon as a chunk passes it), an upload
 * expires 24 hours after creation (410), an existing object needs x-upsert (409). Errors are
 * plain text with the real HTTP status, as @tus/server answers. Ids are base64url of
 * "<bucket>/<object>/<version>", as Supabase's. Only the service role may upload (no RLS here).
 * Not emulated: the signed upload variant (/upload/resumable/sign), concatenation, checksums.
 * In-flight uploads live in memory and tmp/ and do not survive a gateway restart.
 */
import { createHash } from "node:crypto";
import {
  authenticated,
  requireBucketId,
  requireKey,
  type RouteContext,
} from "./storage_context.ts";
import { StorageHttpError } from "./storage_errors.ts";
import { isMimeTypeAllowed } from "./storage_upload.ts";

export const TUS_VERSION = "1.0.0";
export const TUS_EXTENSIONS =
  "creation,creation-with-upload,termination,creation-defer-length,expiration";
export const TUS_EXPIRY_MS = 24 * 60 * 60 * 1000;
const OFFSET_TYPE = "application/offset+octet-stream";

interface TusUpload {
  id: string;
  bucket: string;
  key: string;
  length: number | null;
  offset: number;
  maxBytes: number;
  file: string;
  metadataHeader: string;
  contentType: string;
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
  expiresAt: number;
  done: boolean;
  /** Serialises requests on one upload (the server's per-upload lock). */
  lock: Promise<void>;
}

export interface TusOptions {
  publicUrl: string;
  now?: () => number;
}

class TusError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function base64url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeBase64(value: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new TusError(400, "Upload-Metadata is invalid");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(value), (c) => c.charCodeAt(0)),
    );
  } catch {
    throw new TusError(400, "Upload-Metadata is invalid");
  }
}

/** "key base64,key2 base64,key3": keys unique, values optional. */
export function parseUploadMetadata(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (header === null || header.trim() === "") return out;
  for (const pair of header.split(",")) {
    const parts = pair.trim().split(" ");
    const [key, value] = parts;
    if (!key || parts.length > 2 || !/^[^\s,]+$/.test(key) || out.has(key)) {
      throw new TusError(400, "Upload-Metadata is invalid");
    }
    out.set(key, value === undefined ? "" : decodeBase64(value));
  }
  return out;
}

function nonNegativeInt(value: string | null, header: string): number | null {
  if (value === null) return null;
  if (!/^\d{1,15}$/.test(value.trim())) throw new TusError(400, `Invalid ${header} header`);
  return Number(value.trim());
}

export function createTusHandler(
  opts: TusOptions,
): (ctx: RouteContext, tail: string[]) => Promise<Response | null> {
  const uploads = new Map<string, TusUpload>();
  const now = opts.now ?? Date.now;
  const base = `${opts.publicUrl.replace(/\/$/, "")}/storage/v1/upload/resumable`;

  const headers = (extra: Record<string, string> = {}) => ({
    "tus-resumable": TUS_VERSION,
    "access-control-expose-headers":
      "Location, Upload-Offset, Upload-Length, Upload-Expires, Tus-Resumable, Upload-Metadata",
    ...extra,
  });
  const expires = (u: TusUpload) => new Date(u.expiresAt).toUTCString();

  function find(id: string): TusUpload {
    const upload = uploads.get(id);
    if (!upload) throw new TusError(404, "The file for this url was not found");
    if (!upload.done && now() > upload.expiresAt) {
      uploads.delete(id);
      void Deno.remove(upload.file).catch(() => {});
      throw new TusError(410, "The file for this url no longer exists");
    }
    return upload;
  }

  async function locked<T>(upload: TusUpload, work: () => Promise<T>): Promise<T> {
    const previous = upload.lock;
    let release = () => {};
    upload.lock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }

  async function requireService(ctx: RouteContext): Promise<void> {
    const caller = await authenticated(ctx);
    if (caller.kind !== "service") {
      throw new StorageHttpError(403, "AccessDenied", "new row violates row-level security policy");
    }
  }

  /** Appends the request body at the upload's offset; returns the bytes written. */
  async function receive(ctx: RouteContext, upload: TusUpload): Promise<void> {
    if (!ctx.req.body) return;
    const file = await Deno.open(upload.file, { write: true });
    const reader = ctx.req.body.getReader();
    try {
      await file.seek(upload.offset, Deno.SeekMode.Start);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const limit = upload.length ?? upload.maxBytes;
        if (upload.offset + value.byteLength > limit) {
          await reader.cancel().catch(() => {});
          throw new TusError(
            413,
            upload.length === null ? "Maximum size exceeded" : "Upload's size exceeded",
          );
        }
        for (let at = 0; at < value.byteLength;) at += await file.write(value.subarray(at));
        upload.offset += value.byteLength;
      }
    } catch (e) {
      // Bytes that arrived before a dropped connection stay: the client resumes from HEAD.
      if (e instanceof TusError) throw e;
    } finally {
      file.close();
    }
  }

  async function finish(ctx: RouteContext, upload: TusUpload): Promise<void> {
    const hash = createHash("md5");
    const file = await Deno.open(upload.file, { read: true });
    try {
      for await (const chunk of file.readable) hash.update(chunk);
    } catch (e) {
      file.close();
      throw e;
    }
    const upsert = ctx.req.headers.get("x-upsert") === "true";
    const committed = await ctx.fs.commitObject(upload.bucket, upload.key, upload.file, {
      mimetype: upload.contentType,
      cacheControl: upload.cacheControl,
      size: upload.offset,
      eTag: `"${hash.digest("hex")}"`,
      owner: null,
      userMetadata: upload.userMetadata,
    }, upsert);
    upload.done = true;
    if (committed === "exists") throw new TusError(409, "The resource already exists");
  }

  async function create(ctx: RouteContext): Promise<Response> {
    await requireService(ctx);
    const h = ctx.req.headers;
    const length = nonNegativeInt(h.get("upload-length"), "Upload-Length");
    const defer = h.get("upload-defer-length");
    if ((length === null) === (defer === null)) {
      throw new TusError(400, "Upload-Length or Upload-Defer-Length header required");
    }
    if (defer !== null && defer !== "1") {
      throw new TusError(400, "Invalid Upload-Defer-Length header");
    }
    const metadataHeader = h.get("upload-metadata") ?? "";
    const metadata = parseUploadMetadata(metadataHeader);
    const bucketName = metadata.get("bucketName");
    const objectName = metadata.get("objectName");
    if (!bucketName || !objectName) {
      throw new TusError(400, "Metadata bucketName and objectName are required");
    }
    const bucket = requireBucketId(bucketName);
    const key = requireKey(objectName);
    const record = await ctx.fs.getBucket(bucket);
    if (!record) throw new TusError(404, "Bucket not found");
    const maxBytes = Math.min(record.file_size_limit ?? Infinity, ctx.globalFileSizeLimit);
    if (length !== null && length > maxBytes) throw new TusError(413, "Maximum size exceeded");
    const contentType = metadata.get("contentType") || "application/octet-stream";
    if (!isMimeTypeAllowed(contentType, record.allowed_mime_types)) {
      throw new TusError(415, `mime type ${contentType} is not supported`);
    }
    if (h.get("x-upsert") !== "true" && await ctx.fs.getObject(bucket, key)) {
      throw new TusError(409, "The resource already exists");
    }
    const cache = metadata.get("cacheControl") ?? "";
    let userMetadata: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(metadata.get("metadata") ?? "null");
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        userMetadata = parsed as Record<string, unknown>;
      }
    } catch { /* ignored, as the server does */ }
    const id = base64url(`${bucket}/${key}/${crypto.randomUUID()}`);
    const upload: TusUpload = {
      id,
      bucket,
      key,
      length,
      offset: 0,
      maxBytes,
      file: await ctx.fs.tempPath("tus-"),
      metadataHeader,
      contentType,
      cacheControl: /^-?\d+$/.test(cache) ? `max-age=${cache}` : "no-cache",
      userMetadata,
      expiresAt: now() + TUS_EXPIRY_MS,
      done: false,
      lock: Promise.resolve(),
    };
    uploads.set(id, upload);
    const extra: Record<string, string> = {};
    // creation-with-upload: the first bytes may ride on the POST.
    if (h.get("content-type") === OFFSET_TYPE && ctx.req.body) {
      await locked(upload, async () => {
        await receive(ctx, upload);
        if (upload.length !== null && upload.offset === upload.length) await finish(ctx, upload);
      });
      extra["upload-offset"] = String(upload.offset);
    } else {
      await ctx.req.body?.cancel();
    }
    if (length === 0) await locked(upload, () => finish(ctx, upload));
    return new Response(null, {
      status: 201,
      headers: headers({ location: `${base}/${id}`, "upload-expires": expires(upload), ...extra }),
    });
  }

  async function patch(ctx: RouteContext, id: string): Promise<Response> {
    await requireService(ctx);
    const h = ctx.req.headers;
    if ((h.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase() !== OFFSET_TYPE) {
      throw new TusError(415, "Invalid Content-Type header");
    }
    const offset = nonNegativeInt(h.get("upload-offset"), "Upload-Offset");
    if (offset === null) throw new TusError(403, "Upload-Offset header required");
    const upload = find(id);
    return await locked(upload, async () => {
      if (upload.done) throw new TusError(400, "Upload is already complete");
      if (offset !== upload.offset) {
        throw new TusError(409, "Upload-Offset header does not match current offset");
      }
      const declared = nonNegativeInt(h.get("upload-length"), "Upload-Length");
      if (declared !== null) {
        if (upload.length !== null && declared !== upload.length) {
          throw new TusError(400, "Upload-Length cannot be changed");
        }
        if (declared < upload.offset) throw new TusError(400, "Invalid Upload-Length header");
        if (declared > upload.maxBytes) throw new TusError(413, "Maximum size exceeded");
        upload.length = declared;
      }
      await receive(ctx, upload);
      const extra: Record<string, string> = {};
      if (upload.length !== null && upload.offset === upload.length) {
        await finish(ctx, upload);
        extra["tus-complete"] = "1";
      }
      return new Response(null, {
        status: 204,
        headers: headers({
          "upload-offset": String(upload.offset),
          "upload-expires": expires(upload),
          ...extra,
        }),
      });
    });
  }

  async function head(ctx: RouteContext, id: string): Promise<Response> {
    await authenticated(ctx);
    const upload = find(id);
    await upload.lock;
    return new Response(null, {
      status: 200,
      headers: headers({
        "cache-control": "no-store",
        "upload-offset": String(upload.offset),
        ...(upload.length === null
          ? { "upload-defer-length": "1" }
          : { "upload-length": String(upload.length) }),
        ...(upload.metadataHeader ? { "upload-metadata": upload.metadataHeader } : {}),
        ...(upload.done ? {} : { "upload-expires": expires(upload) }),
      }),
    });
  }

  async function terminate(ctx: RouteContext, id: string): Promise<Response> {
    await requireService(ctx);
    const upload = find(id);
    return await locked(upload, async () => {
      if (upload.done) throw new TusError(400, "Cannot terminate an already completed upload");
      uploads.delete(id);
      await Deno.remove(upload.file).catch(() => {});
      return new Response(null, { status: 204, headers: headers() });
    });
  }

  return async (ctx, tail) => {
    const method = ctx.req.method;
    const id = tail.length === 1 && tail[0] !== "" ? tail[0]! : null;
    if (tail.length > 1 || (tail.length === 1 && tail[0] === "sign")) return null;
    if (method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: headers({
          "tus-version": TUS_VERSION,
          "tus-extension": TUS_EXTENSIONS,
          "tus-max-size": String(ctx.globalFileSizeLimit),
        }),
      });
    }
    try {
      if (ctx.req.headers.get("tus-resumable") !== TUS_VERSION) {
        await ctx.req.body?.cancel();
        return new Response("Unsupported TUS version", {
          status: 412,
          headers: headers({ "tus-version": TUS_VERSION }),
        });
      }
      if (id === null) return method === "POST" ? await create(ctx) : null;
      if (method === "PATCH") return await patch(ctx, id);
      if (method === "HEAD") return await head(ctx, id);
      if (method === "DELETE") return await terminate(ctx, id);
      return null;
    } catch (e) {
      await ctx.req.body?.cancel().catch(() => {});
      if (e instanceof TusError) {
        return new Response(method === "HEAD" ? null : e.message, {
          status: e.status,
          headers: headers({ "content-type": "text/plain; charset=utf-8" }),
        });
      }
      if (e instanceof StorageHttpError) {
        return new Response(method === "HEAD" ? null : e.message, {
          status: e.statusCode,
          headers: headers({ "content-type": "text/plain; charset=utf-8" }),
        });
      }
      throw e;
    }
  };
}
