/**
 * A local stand-in for the Supabase Storage API: the routes `@supabase/supabase-js` (storage-js)
 * calls, with the request and response shapes of the real server (supabase/storage), backed by a
 * directory (see storage_fs.ts for the layout). Mount the handler for paths under /storage/v1/.
 *
 * Resumable (TUS) uploads at /upload/resumable: storage_tus.ts.
 *
 * Not emulated: row-level security (only the service role may write or list; other roles can
 * read objects of public buckets), image transformations, S3 uploads, versioning and list-v2.
 */
import { resolveCaller } from "./storage_auth.ts";
import * as buckets from "./storage_buckets.ts";
import { requireBucketId, requireKey, type RouteContext } from "./storage_context.ts";
import { errors, routeNotFound, StorageHttpError } from "./storage_errors.ts";
import { StorageFs } from "./storage_fs.ts";
import * as objects from "./storage_objects.ts";
import type { Access } from "./storage_objects.ts";
import * as signed from "./storage_signed.ts";
import { createTusHandler } from "./storage_tus.ts";

export interface StorageHandlerOptions {
  /** Where buckets and objects live; created on first use. */
  root: string;
  /** The project's JWT secret: verifies legacy keys and access tokens, signs URL tokens. */
  jwtSecret: string;
  /** New-style secret API keys (`sb_secret_…`), each acting as the service role. */
  secretKeys: string[];
  /**
   * The gateway's public base URL (e.g. http://127.0.0.1:54321). Like the server, every URL the
   * API returns is relative to /storage/v1, so this is only checked to be a URL.
   */
  publicUrl: string;
  /** The largest object any bucket accepts, in bytes; `supabase start`'s default is 50 MiB. */
  fileSizeLimit?: number;
}

export const DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024;

const PREFIX = "/storage/v1/";

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw errors.invalidRequest("The request path is not valid percent-encoding");
  }
}

/** "<bucket>/<key…>" from still-encoded path segments. */
function target(segments: string[]): { bucket: string; key: string } {
  const [bucket = "", ...key] = segments;
  return {
    bucket: requireBucketId(decodeSegment(bucket)),
    key: requireKey(decodeSegment(key.join("/"))),
  };
}

async function routeBucket(
  ctx: RouteContext,
  method: string,
  tail: string[],
): Promise<Response | null> {
  if (tail.length === 0 || (tail.length === 1 && tail[0] === "")) {
    if (method === "GET") return await buckets.listBuckets(ctx);
    if (method === "POST") return await buckets.createBucket(ctx);
    return null;
  }
  // Bucket ids name files on disk: an invalid one (say "..%2F..") must never reach the layer below.
  const id = requireBucketId(decodeSegment(tail[0]!));
  if (tail.length === 1) {
    if (method === "GET") return await buckets.getBucket(ctx, id);
    if (method === "PUT") return await buckets.updateBucket(ctx, id);
    if (method === "DELETE") return await buckets.deleteBucket(ctx, id);
  }
  if (tail.length === 2 && tail[1] === "empty" && method === "POST") {
    return await buckets.emptyBucket(ctx, id);
  }
  return null;
}

async function routeObject(
  ctx: RouteContext,
  method: string,
  tail: string[],
): Promise<Response | null> {
  const [first = "", ...rest] = tail;
  const reading = method === "GET" || method === "HEAD";
  // Fixed words come first, as in the server's router: a bucket named "sign" is shadowed there too.
  switch (first) {
    case "list":
      return method === "POST" && rest.length === 1
        ? await objects.list(ctx, requireBucketId(decodeSegment(rest[0]!)))
        : null;
    case "move":
      return method === "POST" && rest.length === 0 ? await objects.move(ctx) : null;
    case "copy":
      return method === "POST" && rest.length === 0 ? await objects.copy(ctx) : null;
    case "sign": {
      if (method === "POST" && rest.length === 1) {
        return await signed.createSignedUrls(ctx, requireBucketId(decodeSegment(rest[0]!)));
      }
      if (rest.length < 2) return null;
      const { bucket, key } = target(rest);
      if (method === "POST") return await signed.createSignedUrl(ctx, bucket, key);
      return reading ? await signed.getSignedObject(ctx, bucket, key) : null;
    }
    case "upload": {
      if (rest[0] !== "sign" || rest.length < 3) return null;
      const { bucket, key } = target(rest.slice(1));
      if (method === "POST") return await signed.createSignedUploadUrl(ctx, bucket, key);
      return method === "PUT" ? await signed.uploadToSignedUrl(ctx, bucket, key) : null;
    }
    case "public":
    case "authenticated": {
      if (!reading || rest.length < 2) return null;
      const { bucket, key } = target(rest);
      return await objects.download(ctx, bucket, key, first);
    }
    case "info": {
      let access: Access = "optional";
      let path = rest;
      if (rest[0] === "public" || rest[0] === "authenticated") {
        [access, path] = [rest[0], rest.slice(1)];
      }
      if (method !== "GET" || path.length < 2) return null;
      const { bucket, key } = target(path);
      return await objects.info(ctx, bucket, key, access);
    }
  }
  if (tail.length === 1) {
    return method === "DELETE"
      ? await objects.removeMany(ctx, requireBucketId(decodeSegment(first)))
      : null;
  }
  const { bucket, key } = target(tail);
  switch (method) {
    case "POST":
      return await objects.upload(ctx, bucket, key, ctx.req.headers.get("x-upsert") === "true");
    case "PUT":
      return await objects.upload(ctx, bucket, key, true);
    case "GET":
    case "HEAD":
      return await objects.download(ctx, bucket, key, "optional");
    case "DELETE":
      return await objects.removeOne(ctx, bucket, key);
  }
  return null;
}

/** Builds the `(Request) => Promise<Response>` the gateway mounts for /storage/v1/. */
export function createStorageHandler(
  opts: StorageHandlerOptions,
): (req: Request) => Promise<Response> {
  new URL(opts.publicUrl); // Fail at start-up, not on a request, if the gateway passes nonsense.
  const fs = new StorageFs(opts.root);
  const auth = {
    jwtSecret: opts.jwtSecret,
    secretKeys: opts.secretKeys.filter((key) => key !== ""),
  };
  const globalFileSizeLimit = opts.fileSizeLimit ?? DEFAULT_FILE_SIZE_LIMIT;
  const tus = createTusHandler({ publicUrl: opts.publicUrl });

  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (!url.pathname.startsWith(PREFIX)) return routeNotFound(req.method, url.pathname);
    let caller: ReturnType<RouteContext["caller"]> | undefined;
    const ctx: RouteContext = {
      req,
      url,
      fs,
      jwtSecret: opts.jwtSecret,
      globalFileSizeLimit,
      caller: () => (caller ??= resolveCaller(req, auth)),
    };
    const [area, ...tail] = url.pathname.slice(PREFIX.length).split("/");
    try {
      const response = area === "bucket"
        ? await routeBucket(ctx, req.method, tail)
        : area === "object"
        ? await routeObject(ctx, req.method, tail)
        : area === "upload" && tail[0] === "resumable"
        ? await tus(ctx, tail.slice(1))
        : null;
      return response ?? routeNotFound(req.method, url.pathname.slice(PREFIX.length - 1));
    } catch (error) {
      if (error instanceof StorageHttpError) return error.toResponse();
      const message = error instanceof Error ? error.message : String(error);
      return errors.internal(`Internal server error: ${message}`).toResponse();
    }
  };
}
