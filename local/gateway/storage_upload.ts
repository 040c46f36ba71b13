/**
 * Receives an upload body into a temp file, hashing and counting as it goes. storage-js sends a
 * Blob or File as multipart/form-data (a `cacheControl` field, optional `metadata`/`contentType`
 * fields, then one file part) and anything else (streams, buffers, strings) as the raw body with
 * `content-type`, `cache-control` and optional base64 JSON `x-metadata` headers. Both are
 * streamed; nothing holds a whole upload in memory.
 */
import { createHash } from "node:crypto";
import { errors } from "./storage_errors.ts";
import type { StorageFs } from "./storage_fs.ts";
import { multipartBoundary, MultipartError, readMultipart } from "./storage_multipart.ts";

export interface ReceivedUpload {
  tempFile: string;
  size: number;
  /** Quoted hex MD5 of the content, as S3 and the server report a single-part object's ETag. */
  eTag: string;
  mimetype: string;
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
}

export interface UploadRules {
  maxBytes: number;
  allowedMimeTypes: string[] | null;
}

/**
 * The server's rule ("image/*" allows any image subtype), applied to the media type's essence:
 * storage-js's default raw content type is "text/plain;charset=UTF-8", which should match
 * "text/plain".
 */
export function isMimeTypeAllowed(mimeType: string, allowed: string[] | null): boolean {
  if (!allowed || allowed.length === 0) return true;
  const [type, subtype] = (mimeType.split(";")[0] ?? "").trim().toLowerCase().split("/");
  if (!type || !subtype) return false;
  return allowed.some((entry) => {
    const [allowedType, allowedSubtype] = entry.trim().toLowerCase().split("/");
    return allowedType === type && (allowedSubtype === "*" || allowedSubtype === subtype);
  });
}

function parseUserMetadata(json: string | null | undefined): Record<string, unknown> | null {
  if (!json) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : null;
  } catch {
    return null; // The server ignores unparsable metadata too.
  }
}

function decodeBase64Utf8(text: string): string | null {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** A temp file that counts and hashes what is written, refusing to grow past the limit. */
class TempWriter {
  readonly #hash = createHash("md5");
  #size = 0;
  #open = true;

  private constructor(
    readonly path: string,
    readonly file: Deno.FsFile,
    readonly maxBytes: number,
  ) {}

  static async open(fs: StorageFs, maxBytes: number): Promise<TempWriter> {
    const path = await fs.tempPath("upload-");
    return new TempWriter(path, await Deno.open(path, { write: true, truncate: true }), maxBytes);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#size += chunk.length;
    if (this.#size > this.maxBytes) throw errors.entityTooLarge();
    this.#hash.update(chunk);
    for (let offset = 0; offset < chunk.length;) {
      offset += await this.file.write(chunk.subarray(offset));
    }
  }

  finish(): { size: number; eTag: string } {
    this.#close();
    return { size: this.#size, eTag: `"${this.#hash.digest("hex")}"` };
  }

  async discard(): Promise<void> {
    this.#close();
    await Deno.remove(this.path).catch(() => {});
  }

  #close(): void {
    if (this.#open) {
      this.#open = false;
      this.file.close();
    }
  }
}

async function receiveRaw(
  req: Request,
  fs: StorageFs,
  rules: UploadRules,
): Promise<ReceivedUpload> {
  const mimetype = req.headers.get("content-type") || "application/octet-stream";
  if (!isMimeTypeAllowed(mimetype, rules.allowedMimeTypes)) throw errors.invalidMimeType(mimetype);
  // Refuse an announced oversize body before reading any of it.
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > rules.maxBytes) throw errors.entityTooLarge();
  const encodedMetadata = req.headers.get("x-metadata");

  const writer = await TempWriter.open(fs, rules.maxBytes);
  const reader = req.body?.getReader();
  try {
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      await writer.write(value);
    }
  } catch (error) {
    await reader?.cancel().catch(() => {});
    await writer.discard();
    throw error;
  }
  return {
    tempFile: writer.path,
    ...writer.finish(),
    mimetype,
    cacheControl: req.headers.get("cache-control") ?? "no-cache",
    userMetadata: parseUserMetadata(encodedMetadata && decodeBase64Utf8(encodedMetadata)),
  };
}

async function receiveMultipart(
  req: Request,
  boundary: string,
  fs: StorageFs,
  rules: UploadRules,
): Promise<ReceivedUpload> {
  if (!req.body) throw errors.noContent();
  // Like the server, only fields that precede the file part count: it reads them before the file.
  const fields = new Map<string, string>();
  let writer: TempWriter | null = null;
  let mimetype = "application/octet-stream";
  try {
    await readMultipart(req.body, boundary, {
      field(name, value) {
        if (!writer) fields.set(name, value);
      },
      async file(part) {
        if (writer) return null; // One file per upload; later ones are skipped.
        mimetype = fields.get("contentType") || part.contentType || "application/octet-stream";
        if (!isMimeTypeAllowed(mimetype, rules.allowedMimeTypes)) {
          throw errors.invalidMimeType(mimetype);
        }
        const opened = await TempWriter.open(fs, rules.maxBytes);
        writer = opened;
        return (chunk) => opened.write(chunk);
      },
    });
  } catch (error) {
    await (writer as TempWriter | null)?.discard();
    if (error instanceof MultipartError) throw errors.invalidRequest(error.message);
    throw error;
  }
  const received = writer as TempWriter | null;
  if (!received) throw errors.noContent();
  const cacheTime = fields.get("cacheControl");
  return {
    tempFile: received.path,
    ...received.finish(),
    mimetype,
    cacheControl: cacheTime ? `max-age=${cacheTime}` : "no-cache",
    userMetadata: parseUserMetadata(fields.get("metadata") ?? fields.get("userMetadata")),
  };
}

/** Streams the request's content into a temp file; the caller commits or removes it. */
export function receiveUpload(
  req: Request,
  fs: StorageFs,
  rules: UploadRules,
): Promise<ReceivedUpload> {
  const contentType = req.headers.get("content-type");
  const boundary = multipartBoundary(contentType);
  if (boundary) return receiveMultipart(req, boundary, fs, rules);
  if (/^multipart\/form-data/i.test(contentType ?? "")) {
    return Promise.reject(errors.invalidRequest("The multipart body has no boundary"));
  }
  return receiveRaw(req, fs, rules);
}
