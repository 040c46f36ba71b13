/**
 * The bucket routes (storage-js StorageBucketApi). Callers other than the service role see what a
 * role without policies on storage.buckets sees in production: no buckets, and "not found".
 */
import { authenticated, readJsonBody, type RouteContext } from "./storage_context.ts";
import { errors, jsonResponse, StorageHttpError } from "./storage_errors.ts";
import { type BucketRecord, isValidBucketId } from "./storage_fs.ts";

const SORT_COLUMNS = new Set(["id", "name", "created_at", "updated_at"]);

/** `file_size_limit`: bytes, or "20MB"-style text with decimal units as the server parses it. */
function parseFileSizeLimit(value: unknown, globalLimit: number): number | null | undefined {
  if (value === undefined) return undefined;
  // The server only applies a truthy limit: null, 0 and "" all mean "no bucket limit".
  if (value === null || value === 0 || value === "") return null;
  let bytes: number;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw errors.invalidFileSizeLimit();
    bytes = value;
  } else if (typeof value === "string") {
    const match = /^([0-9]+(?:\.[0-9]+)?)(gb|mb|kb|b)$/i.exec(value.trim());
    if (!match) throw errors.invalidFileSizeLimit();
    const units: Record<string, number> = { gb: 1e9, mb: 1e6, kb: 1e3, b: 1 };
    bytes = Math.round(+parseFloat(match[1]!).toPrecision(3) * units[match[2]!.toLowerCase()]!);
  } else {
    throw errors.invalidFileSizeLimit();
  }
  if (bytes > globalLimit) {
    throw new StorageHttpError(
      422,
      "InvalidRequest",
      `The requested file size limit exceeds the global limit of ${globalLimit} bytes`,
      "max_file_size",
    );
  }
  return bytes;
}

function parseMimeTypes(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw errors.invalidRequest('The body\'s "allowed_mime_types" must be an array of strings');
  }
  // The server drops empty entries before saving.
  return (value as string[]).filter((item) => item !== "");
}

async function requireBucket(ctx: RouteContext, id: string): Promise<BucketRecord> {
  const caller = await authenticated(ctx);
  const bucket = caller.kind === "service" ? await ctx.fs.getBucket(id) : null;
  if (!bucket) throw errors.noSuchBucket();
  return bucket;
}

export async function listBuckets(ctx: RouteContext): Promise<Response> {
  const caller = await authenticated(ctx);
  if (caller.kind !== "service") return jsonResponse([]);
  const query = ctx.url.searchParams;
  const search = query.get("search")?.toLowerCase() ?? "";
  const column = SORT_COLUMNS.has(query.get("sortColumn") ?? "")
    ? query.get("sortColumn")!
    : "name";
  const descending = query.get("sortOrder")?.toLowerCase() === "desc";
  const offset = Math.max(0, Number.parseInt(query.get("offset") ?? "0", 10) || 0);
  const limit = Number.parseInt(query.get("limit") ?? "", 10);

  const buckets = (await ctx.fs.listBuckets())
    .filter((bucket) => bucket.name.toLowerCase().includes(search))
    .sort((a, b) => {
      const left = String(a[column as keyof BucketRecord]);
      const right = String(b[column as keyof BucketRecord]);
      const order = left < right ? -1 : left > right ? 1 : 0;
      return descending ? -order : order;
    });
  return jsonResponse(buckets.slice(offset, limit > 0 ? offset + limit : undefined));
}

export async function getBucket(ctx: RouteContext, id: string): Promise<Response> {
  return jsonResponse(await requireBucket(ctx, id));
}

export async function createBucket(ctx: RouteContext): Promise<Response> {
  const caller = await authenticated(ctx);
  if (caller.kind !== "service") throw errors.rlsViolation();
  const body = await readJsonBody(ctx.req);
  const name = typeof body.name === "string" ? body.name : body.id;
  const id = typeof body.id === "string" && body.id !== "" ? body.id : name;
  if (typeof id !== "string" || typeof name !== "string") {
    throw errors.invalidRequest('The body must name the bucket ("name" or "id")');
  }
  if (!isValidBucketId(id) || !isValidBucketId(name)) throw errors.invalidBucketName();
  if (body.public !== undefined && typeof body.public !== "boolean") {
    throw errors.invalidRequest('The body\'s "public" must be a boolean');
  }

  const now = new Date().toISOString();
  const created = await ctx.fs.createBucket({
    id,
    name,
    owner: null, // The service role has no subject; the server stores NULL too.
    public: body.public === true,
    type: "STANDARD",
    file_size_limit: parseFileSizeLimit(body.file_size_limit, ctx.globalFileSizeLimit) ?? null,
    allowed_mime_types: parseMimeTypes(body.allowed_mime_types) ?? null,
    created_at: now,
    updated_at: now,
  });
  if (!created) throw errors.duplicate();
  return jsonResponse({ name });
}

export async function updateBucket(ctx: RouteContext, id: string): Promise<Response> {
  const bucket = await requireBucket(ctx, id);
  const body = await readJsonBody(ctx.req);
  if (body.public !== undefined && typeof body.public !== "boolean") {
    throw errors.invalidRequest('The body\'s "public" must be a boolean');
  }
  const fileSizeLimit = parseFileSizeLimit(body.file_size_limit, ctx.globalFileSizeLimit);
  const mimeTypes = parseMimeTypes(body.allowed_mime_types);
  await ctx.fs.saveBucket({
    ...bucket,
    public: typeof body.public === "boolean" ? body.public : bucket.public,
    file_size_limit: fileSizeLimit === undefined ? bucket.file_size_limit : fileSizeLimit,
    allowed_mime_types: mimeTypes === undefined ? bucket.allowed_mime_types : mimeTypes,
    updated_at: new Date().toISOString(),
  });
  return jsonResponse({ message: "Successfully updated" });
}

export async function emptyBucket(ctx: RouteContext, id: string): Promise<Response> {
  await requireBucket(ctx, id);
  // Collect first: deleting prunes the directories a walk would be reading.
  const keys: string[] = [];
  for await (const key of ctx.fs.walkKeys(id)) keys.push(key);
  for (const key of keys) await ctx.fs.deleteObject(id, key);
  return jsonResponse({ message: "Successfully emptied" });
}

export async function deleteBucket(ctx: RouteContext, id: string): Promise<Response> {
  await requireBucket(ctx, id);
  if (await ctx.fs.hasObjects(id)) throw errors.bucketNotEmpty();
  await ctx.fs.deleteBucket(id);
  return jsonResponse({ message: "Successfully deleted" });
}
