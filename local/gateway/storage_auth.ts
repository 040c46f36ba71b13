/**
 * Who is calling Storage. supabase-js sends its key as `apikey` and, without a user session, as
 * the Bearer token too (new-style `sb_…` keys included, for every service but Functions); with a
 * session the Bearer is the user's access token, which then decides. There is no row-level
 * security here: "service" may do anything, every other role behaves as a role without policies
 * does in production (public buckets readable through the object routes, nothing else).
 */
import { checkJwt, type JwtFailure, looksLikeJwt } from "./jwt.ts";

export type Caller =
  | { kind: "service" }
  | { kind: "user"; role: string; sub: string | null }
  /** No usable credentials; `reason` is the message the server would relay. */
  | { kind: "anonymous"; reason: string };

export interface AuthConfig {
  jwtSecret: string;
  secretKeys: string[];
}

/** jsonwebtoken's messages, which the server passes through in its AccessDenied errors. */
export const JWT_FAILURE_MESSAGES: Record<JwtFailure, string> = {
  malformed: "jwt malformed",
  invalid_signature: "invalid signature",
  expired: "jwt expired",
  not_yet_valid: "jwt not active",
};

/** Compares secrets without an early exit, so timing reveals at most the length. */
function sameSecret(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.length !== right.length) return false;
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= left[i]! ^ right[i]!;
  return diff === 0;
}

export async function resolveCaller(req: Request, config: AuthConfig): Promise<Caller> {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1]?.trim();
  const token = bearer || req.headers.get("apikey")?.trim();
  if (!token) return { kind: "anonymous", reason: "jwt must be provided" };

  if (config.secretKeys.some((key) => sameSecret(key, token))) return { kind: "service" };
  // Publishable keys stand for the anon role; anon can read nothing the unauthenticated can't.
  if (token.startsWith("sb_publishable_")) return { kind: "user", role: "anon", sub: null };
  if (!looksLikeJwt(token)) return { kind: "anonymous", reason: "jwt malformed" };

  const check = await checkJwt(token, config.jwtSecret);
  if (!check.ok) return { kind: "anonymous", reason: JWT_FAILURE_MESSAGES[check.reason] };
  const role = typeof check.claims.role === "string" ? check.claims.role : "anon";
  if (role === "service_role") return { kind: "service" };
  const sub = typeof check.claims.sub === "string" ? check.claims.sub : null;
  return { kind: "user", role, sub };
}
