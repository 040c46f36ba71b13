/**
 * Signed URLs, as the server makes them (supabase/storage src/storage/object.ts): an HS256 JWT
 * over the project's JWT secret with `{ url: "<bucket>/<key>", iat, exp }`, returned as the
 * relative `/object/sign/<bucket>/<key>?token=…` that storage-js prefixes with its base URL and
 * passes through encodeURI. Fetching one needs no other credentials; a bad token is an InvalidJWT
 * error, a token for another path an InvalidSignature error (both HTTP 400, as in production).
 */
import { JWT_FAILURE_MESSAGES } from "./storage_auth.ts";
import {
  authenticated,
  readJsonBody,
  requireExpiresIn,
  type RouteContext,
} from "./storage_context.ts";
import { serveObject } from "./storage_download.ts";
import { errors, jsonResponse } from "./storage_errors.ts";
import { isValidObjectKey } from "./storage_fs.ts";
import { checkJwt, signJwt } from "./jwt.ts";
import { storeUpload } from "./storage_objects.ts";

/** How long a signed upload URL lasts; the server's default is two hours. */
const SIGNED_UPLOAD_SECONDS = 2 * 60 * 60;

function signToken(ctx: RouteContext, claims: Record<string, unknown>, expiresIn: number) {
  const iat = Math.floor(Date.now() / 1000);
  return signJwt({ ...claims, iat, exp: iat + expiresIn }, ctx.jwtSecret);
}

/** Verifies the `token` query parameter and that it was issued for exactly bucket/key. */
async function verifyToken(
  ctx: RouteContext,
  bucket: string,
  key: string,
): Promise<Record<string, unknown>> {
  const token = ctx.url.searchParams.get("token");
  if (!token) throw errors.invalidJwt("jwt must be provided");
  const check = await checkJwt(token, ctx.jwtSecret);
  if (!check.ok) throw errors.invalidJwt(JWT_FAILURE_MESSAGES[check.reason]);
  if (check.claims.url !== `${bucket}/${key}`) throw errors.invalidSignature();
  return check.claims;
}

/** POST /object/sign/<bucket>/<key> `{ expiresIn }` → `{ signedURL }`. */
export async function createSignedUrl(
  ctx: RouteContext,
  bucket: string,
  key: string,
): Promise<Response> {
  const caller = await authenticated(ctx);
  const expiresIn = requireExpiresIn(await readJsonBody(ctx.req));
  // The server looks the object up through RLS first: other roles find nothing to sign.
  if (caller.kind !== "service" || !await ctx.fs.getObject(bucket, key)) throw errors.noSuchKey();
  const token = await signToken(ctx, { url: `${bucket}/${key}` }, expiresIn);
  return jsonResponse({ signedURL: `/object/sign/${bucket}/${key}?token=${token}` });
}

/** POST /object/sign/<bucket> `{ expiresIn, paths }` → one entry per path, in order. */
export async function createSignedUrls(ctx: RouteContext, bucket: string): Promise<Response> {
  const caller = await authenticated(ctx);
  const body = await readJsonBody(ctx.req);
  const expiresIn = requireExpiresIn(body);
  const paths = body.paths;
  if (!Array.isArray(paths) || paths.some((path) => typeof path !== "string")) {
    throw errors.invalidRequest('The body\'s "paths" must be an array of strings');
  }
  const entries = await Promise.all((paths as string[]).map(async (path) => {
    const found = caller.kind === "service" && isValidObjectKey(path) &&
      await ctx.fs.getObject(bucket, path) !== null;
    if (!found) {
      return {
        error: "Either the object does not exist or you do not have access to it",
        path,
        signedURL: null,
      };
    }
    const token = await signToken(ctx, { url: `${bucket}/${path}` }, expiresIn);
    return { error: null, path, signedURL: `/object/sign/${bucket}/${path}?token=${token}` };
  }));
  return jsonResponse(entries);
}

/** GET/HEAD /object/sign/<bucket>/<key>?token=…: the object, with Range, and no other auth. */
export async function getSignedObject(
  ctx: RouteContext,
  bucket: string,
  key: string,
): Promise<Response> {
  const claims = await verifyToken(ctx, bucket, key);
  const expires = typeof claims.exp === "number" ? new Date(claims.exp * 1000) : undefined;
  return await serveObject(ctx.req, ctx.fs, bucket, key, expires ? { expires } : {});
}

/** POST /object/upload/sign/<bucket>/<key> → `{ url, token }` for uploadToSignedUrl. */
export async function createSignedUploadUrl(
  ctx: RouteContext,
  bucket: string,
  key: string,
): Promise<Response> {
  const caller = await authenticated(ctx);
  if (caller.kind !== "service") throw errors.rlsViolation();
  if (!await ctx.fs.getBucket(bucket)) throw errors.noSuchBucket();
  const upsert = ctx.req.headers.get("x-upsert") === "true";
  if (!upsert && await ctx.fs.getObject(bucket, key)) throw errors.duplicate();
  const url = `${bucket}/${key}`;
  const token = await signToken(ctx, { owner: null, url, upsert }, SIGNED_UPLOAD_SECONDS);
  return jsonResponse({ url: `/object/upload/sign/${url}?token=${token}`, token });
}

/** PUT /object/upload/sign/<bucket>/<key>?token=…: an upload the token alone authorises. */
export async function uploadToSignedUrl(
  ctx: RouteContext,
  bucket: string,
  key: string,
): Promise<Response> {
  const claims = await verifyToken(ctx, bucket, key);
  // Only upload tokens carry `upsert`: a download link must not double as an upload link.
  if (typeof claims.upsert !== "boolean") throw errors.invalidSignature();
  const owner = typeof claims.owner === "string" ? claims.owner : null;
  return await storeUpload(ctx, bucket, key, claims.upsert === true, owner);
}
