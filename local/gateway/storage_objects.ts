/**
 * The object routes (storage-js StorageFileApi) apart from signed URLs. Without row-level
 * security, callers other than the service role get what a role without policies gets in
 * production: downloads and info from public buckets, "not found" or an RLS error otherwise.
 */
import {
  authenticated,
  readJsonBody,
  requireBucketId,
  requireKey,
  requireString,
  type RouteContext,
} from "./storage_context.ts";
import { serveObject } from "./storage_download.ts";
import { errors, jsonResponse } from "./storage_errors.ts";
import { isValidObjectKey, type ObjectRecord } from "./storage_fs.ts";
import { receiveUpload } from "./storage_upload.ts";

/** Who may fetch an object through a route. */
export type Access =
  /** /object/public/…: anyone, public buckets only. */
  | "public"
  /** /object/authenticated/…: valid credentials required. */
  | "authenticated"
  /** /object/<bucket>/…: like the server's allowInvalidJwt routes, either of the above. */
  | "optional";

/** Checks that the caller may read objects of `bucket` through a route with this access. */
async function checkReadAccess(ctx: RouteContext, bucket: string, access: Access): Promise<void> {
  const record = await ctx.fs.getBucket(bucket);
  if (access === "public") {
    if (!record?.public) throw errors.noSuchBucket();
    return;
  }
  const caller = await ctx.caller();
  if (caller.kind === "anonymous") {
    if (access === "authenticated") throw errors.accessDenied(caller.reason);
    // The server answers "bucket not found" rather than reveal a private bucket.
    if (!record?.public) throw errors.noSuchBucket();
  }
  if (!record) throw errors.noSuchBucket();
  if (caller.kind === "user" && !record.public) throw errors.noSuchKey();
}

/**
 * Receives the request body as the content of bucket/key. Shared by plain and signed uploads:
 * the caller has already decided that this upload is allowed.
 */
export async function storeUpload(
  ctx: RouteContext,
  bucket: string,
  key: string,
  upsert: boolean,
  owner: string | null,
): Promise<Response> {
  const record = await ctx.fs.getBucket(bucket);
  if (!record) throw errors.noSuchBucket();
  // Fail before reading a possibly large body; the commit checks again under the key's lock.
  if (!upsert && await ctx.fs.getObject(bucket, key)) throw errors.duplicate();
  const received = await receiveUpload(ctx.req, ctx.fs, {
    maxBytes: Math.min(record.file_size_limit ?? Infinity, ctx.globalFileSizeLimit),
    allowedMimeTypes: record.allowed_mime_types,
  });
  const committed = await ctx.fs.commitObject(bucket, key, received.tempFile, {
    mimetype: received.mimetype,
    cacheControl: received.cacheControl,
    size: received.size,
    eTag: received.eTag,
    owner,
    userMetadata: received.userMetadata,
  }, upsert);
  if (committed === "exists") throw errors.duplicate();
  // storage-js reads exactly these two fields (data.Id, data.Key) and derives the rest.
  return jsonResponse({ Id: committed.id, Key: `${bucket}/${key}` });
}

/** POST (upsert only with `x-upsert: true`) and PUT (always upsert) /object/<bucket>/<key>. */
export async function upload(
  ctx: RouteContext,
  bucket: string,
  key: string,
  upsert: boolean,
): Promise<Response> {
  const caller = await authenticated(ctx);
  if (caller.kind !== "service") throw errors.rlsViolation();
  return await storeUpload(ctx, bucket, key, upsert, null);
}

export async function download(
  ctx: RouteContext,
  bucket: string,
  key: string,
  access: Access,
): Promise<Response> {
  await checkReadAccess(ctx, bucket, access);
  return await serveObject(ctx.req, ctx.fs, bucket, key);
}

/** GET /object/info/…: the server's InfoRenderer body (storage-js camel-cases it). */
export async function info(
  ctx: RouteContext,
  bucket: string,
  key: string,
  access: Access,
): Promise<Response> {
  await checkReadAccess(ctx, bucket, access);
  const record = await ctx.fs.getObject(bucket, key);
  if (!record) throw errors.noSuchKey();
  return jsonResponse(
    {
      id: record.id,
      name: record.name,
      version: record.version,
      bucket_id: record.bucket_id,
      size: record.metadata.size,
      content_type: record.metadata.mimetype,
      cache_control: record.metadata.cacheControl,
      etag: record.metadata.eTag,
      metadata: record.user_metadata,
      last_modified: record.updated_at,
      created_at: record.created_at,
    },
    200,
    { etag: record.metadata.eTag, "cache-control": record.metadata.cacheControl },
  );
}

/** DELETE /object/<bucket> `{ prefixes }`: the records of the objects that were removed. */
export async function removeMany(ctx: RouteContext, bucket: string): Promise<Response> {
  const caller = await authenticated(ctx);
  const body = await readJsonBody(ctx.req);
  const prefixes = body.prefixes;
  if (
    !Array.isArray(prefixes) || prefixes.length === 0 || prefixes.some((p) => typeof p !== "string")
  ) {
    throw errors.invalidRequest('The body\'s "prefixes" must be a non-empty array of strings');
  }
  // Production deletes through RLS: a role without policies silently deletes nothing.
  if (caller.kind !== "service") return jsonResponse([]);
  const removed: ObjectRecord[] = [];
  for (const key of new Set(prefixes as string[])) {
    if (!isValidObjectKey(key)) continue;
    const record = await ctx.fs.deleteObject(bucket, key);
    if (record) removed.push(record);
  }
  return jsonResponse(removed);
}

/** DELETE /object/<bucket>/<key>. */
export async function removeOne(ctx: RouteContext, bucket: string, key: string): Promise<Response> {
  const caller = await authenticated(ctx);
  const removed = caller.kind === "service" ? await ctx.fs.deleteObject(bucket, key) : null;
  if (!removed) throw errors.noSuchKey();
  return jsonResponse({ message: "Successfully deleted" });
}

const LIST_COLUMNS = new Set(["name", "updated_at", "created_at", "last_accessed_at"]);

/**
 * POST /object/list/<bucket>: one folder level, like the storage.search() SQL function: folders
 * first (`id: null`), then objects; `search` is a case-insensitive prefix of the entry's name.
 */
export async function list(ctx: RouteContext, bucket: string): Promise<Response> {
  const caller = await authenticated(ctx);
  const body = await readJsonBody(ctx.req);
  const limit = typeof body.limit === "number" && body.limit >= 1 ? Math.floor(body.limit) : 100;
  const offset = typeof body.offset === "number" && body.offset >= 0 ? Math.floor(body.offset) : 0;
  const sortBy = (typeof body.sortBy === "object" && body.sortBy !== null ? body.sortBy : {}) as {
    column?: unknown;
    order?: unknown;
  };
  const column = typeof sortBy.column === "string" && LIST_COLUMNS.has(sortBy.column)
    ? sortBy.column as "name" | "updated_at" | "created_at" | "last_accessed_at"
    : "name";
  const descending = typeof sortBy.order === "string" && sortBy.order.toLowerCase() === "desc";
  const search = typeof body.search === "string" ? body.search.toLowerCase() : "";
  let prefix = typeof body.prefix === "string" ? body.prefix : "";

  if (caller.kind !== "service") return jsonResponse([]);
  // The server treats the prefix as a folder. One that is not a valid key path matches nothing.
  if (prefix !== "" && !prefix.endsWith("/")) prefix += "/";
  if (prefix !== "" && !isValidObjectKey(prefix.slice(0, -1))) return jsonResponse([]);

  const level = await ctx.fs.listLevel(bucket, prefix);
  const direction = descending ? -1 : 1;
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) * direction;
  const matches = (name: string) => name.toLowerCase().startsWith(search);

  const folders = level.folders.filter(matches).sort(compare).map((name) => ({
    name,
    id: null,
    updated_at: null,
    created_at: null,
    last_accessed_at: null,
    metadata: null,
  }));
  const files = level.objects
    .map((record) => ({ record, name: record.name.slice(prefix.length) }))
    .filter(({ name }) => matches(name))
    .sort((a, b) =>
      (column === "name" ? 0 : compare(a.record[column], b.record[column])) ||
      compare(a.name, b.name)
    )
    .map(({ record, name }) => ({
      name,
      id: record.id,
      updated_at: record.updated_at,
      created_at: record.created_at,
      last_accessed_at: record.last_accessed_at,
      metadata: record.metadata,
    }));
  return jsonResponse([...folders, ...files].slice(offset, offset + limit));
}

interface Transfer {
  from: { bucket: string; key: string };
  to: { bucket: string; key: string };
}

async function readTransfer(
  ctx: RouteContext,
): Promise<{ body: Record<string, unknown> } & Transfer> {
  const body = await readJsonBody(ctx.req);
  const bucket = requireBucketId(requireString(body, "bucketId"));
  const toBucket = typeof body.destinationBucket === "string" && body.destinationBucket !== ""
    ? requireBucketId(body.destinationBucket)
    : bucket;
  return {
    body,
    from: { bucket, key: requireKey(requireString(body, "sourceKey")) },
    to: { bucket: toBucket, key: requireKey(requireString(body, "destinationKey")) },
  };
}

/** POST /object/move: renames an object; the destination must be free. */
export async function move(ctx: RouteContext): Promise<Response> {
  const caller = await authenticated(ctx);
  const { from, to } = await readTransfer(ctx);
  if (caller.kind !== "service") throw errors.noSuchKey();
  if (!await ctx.fs.getBucket(to.bucket)) throw errors.noSuchBucket();
  const moved = await ctx.fs.moveObject(from, to);
  if (moved === null) throw errors.noSuchKey();
  if (moved === "exists") throw errors.duplicate();
  return jsonResponse({ message: "Successfully moved", Id: moved.id, Key: moved.name });
}

/** POST /object/copy: the destination may be replaced only with `x-upsert: true`. */
export async function copy(ctx: RouteContext): Promise<Response> {
  const caller = await authenticated(ctx);
  const { body, from, to } = await readTransfer(ctx);
  if (caller.kind !== "service") throw errors.noSuchKey();
  const upsert = ctx.req.headers.get("x-upsert") === "true";
  if (!await ctx.fs.getBucket(to.bucket)) throw errors.noSuchBucket();
  if (!upsert && await ctx.fs.getObject(to.bucket, to.key)) throw errors.duplicate();

  const copied = await ctx.fs.copyToTemp(from.bucket, from.key);
  if (!copied) throw errors.noSuchKey();
  const source = copied.record;
  // copyMetadata (the default) keeps the source's metadata; otherwise the body's overrides apply.
  const keepMetadata = body.copyMetadata !== false;
  const overrides =
    (typeof body.metadata === "object" && body.metadata !== null ? body.metadata : {}) as {
      cacheControl?: unknown;
      mimetype?: unknown;
    };
  const committed = await ctx.fs.commitObject(to.bucket, to.key, copied.temp, {
    mimetype: !keepMetadata && typeof overrides.mimetype === "string"
      ? overrides.mimetype
      : source.metadata.mimetype,
    cacheControl: !keepMetadata && typeof overrides.cacheControl === "string"
      ? overrides.cacheControl
      : source.metadata.cacheControl,
    size: source.metadata.size,
    eTag: source.metadata.eTag,
    owner: null,
    userMetadata: keepMetadata ? source.user_metadata : null,
  }, upsert);
  if (committed === "exists") throw errors.duplicate();
  return jsonResponse({ Id: committed.id, Key: `${to.bucket}/${to.key}`, ...committed });
}
