/**
 * HS256 JSON Web Tokens on WebCrypto: enough to check the platform's legacy API keys, users'
 * access tokens and Storage's signed-URL tokens, and to sign the latter. Nothing but HS256 is
 * accepted, so a token cannot downgrade itself to `alg: none` or to a public-key algorithm.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Why a token was refused; the wording of the real services' messages is the caller's job. */
export type JwtFailure = "malformed" | "invalid_signature" | "expired" | "not_yet_valid";

export type JwtCheck =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; reason: JwtFailure };

// Importing a key costs more than the HMAC itself, and a gateway sees the same one or two
// secrets on every request.
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Returns null for anything that is not unpadded base64url. */
export function base64UrlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function hmac(signingInput: string, secret: string): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(signingInput),
  );
  return new Uint8Array(signature);
}

/** Compares in time that depends only on the lengths, so a forger learns nothing from timing. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : null;
  } catch {
    return null;
  }
}

/** Signs the claims as they are: callers add `iat`/`exp` themselves. */
export async function signJwt(claims: Record<string, unknown>, secret: string): Promise<string> {
  const header = base64UrlEncode(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = base64UrlEncode(encoder.encode(JSON.stringify(claims)));
  const signature = base64UrlEncode(await hmac(`${header}.${payload}`, secret));
  return `${header}.${payload}.${signature}`;
}

/**
 * Verifies a token and says why it failed. `now` is in seconds since the epoch (JWT NumericDate).
 * Like jsonwebtoken, a token is expired from the second `exp` names, and `nbf` is honoured.
 */
export async function checkJwt(
  token: string,
  secret: string,
  now: number = Math.floor(Date.now() / 1000),
): Promise<JwtCheck> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const headerBytes = base64UrlDecode(headerPart);
  const payloadBytes = base64UrlDecode(payloadPart);
  const signature = base64UrlDecode(signaturePart);
  if (!headerBytes || !payloadBytes || !signature) return { ok: false, reason: "malformed" };

  const header = parseJsonObject(headerBytes);
  const claims = parseJsonObject(payloadBytes);
  if (!header || !claims) return { ok: false, reason: "malformed" };
  // Only HS256: a token must never pick a weaker algorithm than the one we verify with.
  if (header.alg !== "HS256") return { ok: false, reason: "invalid_signature" };

  const expected = await hmac(`${headerPart}.${payloadPart}`, secret);
  if (!constantTimeEqual(expected, signature)) return { ok: false, reason: "invalid_signature" };

  if (claims.exp !== undefined) {
    if (typeof claims.exp !== "number") return { ok: false, reason: "malformed" };
    if (now >= claims.exp) return { ok: false, reason: "expired" };
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== "number") return { ok: false, reason: "malformed" };
    if (now < claims.nbf) return { ok: false, reason: "not_yet_valid" };
  }
  return { ok: true, claims };
}

/** The claims of a valid, unexpired HS256 token, or null. `now` is in seconds. */
export async function verifyJwt(
  token: string,
  secret: string,
  now?: number,
): Promise<Record<string, unknown> | null> {
  const result = await checkJwt(token, secret, now);
  return result.ok ? result.claims : null;
}

/** Whether a string is shaped like a compact JWS (three base64url parts), without verifying it. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
