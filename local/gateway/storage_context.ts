/** What every Storage route handler gets, and the small helpers they share. */
import type { Caller } from "./storage_auth.ts";
import { errors } from "./storage_errors.ts";
import { isValidBucketId, isValidObjectKey, type StorageFs } from "./storage_fs.ts";

export interface RouteContext {
  req: Request;
  url: URL;
  fs: StorageFs;
  jwtSecret: string;
  /** The largest object any bucket may hold, in bytes. */
  globalFileSizeLimit: number;
  /** Resolved on first use: signed-URL routes never look at credentials. */
  caller(): Promise<Caller>;
}

export type KnownCaller = Exclude<Caller, { kind: "anonymous" }>;

/** Most routes sit behind the server's JWT check: without valid credentials nothing happens. */
export async function authenticated(ctx: RouteContext): Promise<KnownCaller> {
  const caller = await ctx.caller();
  if (caller.kind === "anonymous") throw errors.accessDenied(caller.reason);
  return caller;
}

export function requireBucketId(id: string): string {
  if (!isValidBucketId(id)) throw errors.invalidBucketName();
  return id;
}

export function requireKey(key: string): string {
  if (!isValidObjectKey(key)) throw errors.invalidKey(key);
  return key;
}

export async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.invalidRequest("The request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw errors.invalidRequest("The request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") {
    throw errors.invalidRequest(`The body's "${field}" must be a non-empty string`);
  }
  return value;
}

/** A positive whole number of seconds, as the server's schema (`integer, minimum 1`) demands. */
export function requireExpiresIn(body: Record<string, unknown>): number {
  const value = body.expiresIn;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw errors.invalidRequest(
      'The body\'s "expiresIn" must be a whole number of seconds, at least 1',
    );
  }
  return value;
}
