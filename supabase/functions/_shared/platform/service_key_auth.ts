/**
 * Authenticates operator requests (the stats function) with the project's secret API key: the
 * service-role key (a JWT) or a new secret key (`sb_secret_…`), presented as
 * `Authorization: Bearer <key>` or as `apikey: <key>`. Compared in constant time with the keys
 * the runtime provides (SUPABASE_SERVICE_ROLE_KEY, SUPABASE_SECRET_KEYS). The anon and
 * publishable keys, and any other JWT, are refused: they are public, shipped to browsers.
 *
 * Checked in code with `verify_jwt = false`, because the gateway's JWT check would let the anon
 * key through (it is a valid JWT) and refuse the new secret keys (they are not JWTs).
 */
import { AuthError, ConfigError } from "./errors.ts";
import { timingSafeEqual } from "./timing_safe_equal.ts";

/** The secret keys from the runtime's environment (values only; empty ones dropped). */
export function secretKeysFromEnv(env: Record<string, string | undefined>): string[] {
  const keys: string[] = [];
  if (env.SUPABASE_SERVICE_ROLE_KEY) keys.push(env.SUPABASE_SERVICE_ROLE_KEY);
  if (env.SUPABASE_SECRET_KEYS) {
    try {
      const parsed = JSON.parse(env.SUPABASE_SECRET_KEYS) as unknown;
      if (parsed && typeof parsed === "object") {
        for (const v of Object.values(parsed)) if (typeof v === "string" && v) keys.push(v);
      }
    } catch { /* not JSON: no new-style keys */ }
  }
  return keys;
}

/** The key a request presents: the Bearer token, else the apikey header; null without one. */
export function presentedKey(req: Request): string | null {
  const auth = req.headers.get("authorization");
  const bearer = auth?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return bearer ?? req.headers.get("apikey")?.trim() ?? null;
}

/** Throws AuthError (401) unless the request presents one of `keys`. */
export function createServiceKeyAuth(keys: readonly string[]): (req: Request) => Promise<void> {
  return async (req) => {
    if (keys.length === 0) {
      throw new ConfigError(
        "No secret key configured: SUPABASE_SERVICE_ROLE_KEY or SUPABASE_SECRET_KEYS",
      );
    }
    const presented = presentedKey(req);
    if (!presented) {
      throw new AuthError("Send the project's secret key: Authorization: Bearer <key>");
    }
    // Every key is compared, so timing does not tell which one (or whether any) came close.
    let ok = false;
    for (const key of keys) ok = (await timingSafeEqual(presented, key)) || ok;
    if (!ok) throw new AuthError("This endpoint needs the project's secret (service-role) key");
  };
}
