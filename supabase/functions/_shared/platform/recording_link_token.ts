/**
 * Recording link tokens (ARCHITECTURE §6, T39): a compact, URL-safe credential naming exactly one
 * stored recording, signed with HMAC-SHA256. Pure: the key and the clock are inputs.
 *
 *   r1.<key version>.<call id>.<call_media id>.<call version>.<expires>.<signature>
 *   r1.1.4211.9034.0.0.Qm9…43 base64url characters
 *
 * - key version: the generation of the signing key (switchboard.recording_link_keys). Rotating
 *   the key (`revoke_all_recording_links()`) bumps it, so every older token is refused.
 * - call id + call_media id: the one object. The server checks that the media row belongs to
 *   that call, so a token cannot be re-pointed at another call's recording.
 * - call version: bumped by `revoke_recording_links(call_id)`; older tokens are refused.
 * - expires: Unix seconds, or 0 for a link that never expires (Notion pages live forever; such
 *   a link is still revocable, and every use yields a Storage URL valid for seconds).
 *
 * Numbers are canonical decimals (no sign, no leading zeros), ids up to Postgres's bigint, so
 * every token has exactly one spelling. The MAC covers the whole text before the signature, with
 * a domain-separation prefix, and is compared in constant time as text (a non-canonical base64url
 * spelling of the right bytes is refused too).
 */
import { timingSafeEqual } from "./timing_safe_equal.ts";

export const TOKEN_FORMAT = "r1";
/** Prepended to the signed text so the key can never authenticate anything else by accident. */
const MAC_CONTEXT = "switchboard/recording-link\n";
const MAX_BIGINT = 9223372036854775807n;
const MAX_INT = 2147483647;
const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

const encoder = new TextEncoder();

export interface RecordingLinkClaims {
  /** Generation of the signing key (≥ 1). */
  keyVersion: number;
  /** switchboard.calls.id, as a decimal string (bigint-safe). */
  callId: string;
  /** switchboard.call_media.id, as a decimal string (bigint-safe). */
  mediaId: string;
  /** The call's revocation version when the link was made (0 until first revoked). */
  callVersion: number;
  /** Unix seconds after which the link is refused, or null for no expiry. */
  expiresAt: number | null;
}

export interface ParsedToken {
  claims: RecordingLinkClaims;
  /** The signed text: everything before the last dot. */
  signed: string;
  signature: string;
}

export type VerifyFailure = "malformed" | "bad_signature" | "expired";
export type VerifyResult =
  | { ok: true; claims: RecordingLinkClaims }
  | { ok: false; reason: VerifyFailure };

/** An id as a canonical decimal string, or null (not a positive bigint). */
export function canonicalId(value: unknown): string | null {
  const text = typeof value === "number"
    ? (Number.isSafeInteger(value) ? String(value) : "")
    : typeof value === "bigint" || typeof value === "string"
    ? String(value)
    : "";
  if (!DECIMAL.test(text) || text === "0" || BigInt(text) > MAX_BIGINT) return null;
  return text;
}

function smallInt(text: string, min: number): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= MAX_INT ? n : null;
}

function expiry(text: string): number | null | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) return undefined;
  return n === 0 ? null : n;
}

/** Splits a token into its claims, or null when it is not a well-formed r1 token. */
export function parseToken(token: string): ParsedToken | null {
  if (token.length > 200) return null;
  const parts = token.split(".");
  if (parts.length !== 7 || parts[0] !== TOKEN_FORMAT) return null;
  const [, kv, call, media, cv, exp, signature] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const keyVersion = smallInt(kv, 1);
  const callId = canonicalId(call);
  const mediaId = canonicalId(media);
  const callVersion = smallInt(cv, 0);
  const expiresAt = expiry(exp);
  if (
    keyVersion === null || callId === null || mediaId === null || callVersion === null ||
    expiresAt === undefined || !SIGNATURE.test(signature)
  ) {
    return null;
  }
  return {
    claims: { keyVersion, callId, mediaId, callVersion, expiresAt },
    signed: parts.slice(0, 6).join("."),
    signature,
  };
}

/** Imports a signing secret (any non-empty text, e.g. the Vault value) as an HMAC-SHA256 key. */
export async function importLinkKey(secret: string): Promise<CryptoKey> {
  if (secret === "") throw new Error("The recording link key is empty");
  return await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

function base64Url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function mac(key: CryptoKey, signed: string): Promise<string> {
  return base64Url(await crypto.subtle.sign("HMAC", key, encoder.encode(MAC_CONTEXT + signed)));
}

/** Makes a token. Throws on claims that could not be parsed back (a caller's bug). */
export async function signToken(claims: RecordingLinkClaims, key: CryptoKey): Promise<string> {
  const callId = canonicalId(claims.callId);
  const mediaId = canonicalId(claims.mediaId);
  const ok = callId !== null && mediaId !== null &&
    Number.isInteger(claims.keyVersion) && claims.keyVersion >= 1 &&
    claims.keyVersion <= MAX_INT &&
    Number.isInteger(claims.callVersion) && claims.callVersion >= 0 &&
    claims.callVersion <= MAX_INT &&
    (claims.expiresAt === null ||
      (Number.isSafeInteger(claims.expiresAt) && claims.expiresAt > 0));
  if (!ok) throw new Error("Invalid recording link claims");
  const signed = [
    TOKEN_FORMAT,
    claims.keyVersion,
    callId,
    mediaId,
    claims.callVersion,
    claims.expiresAt ?? 0,
  ].join(".");
  return `${signed}.${await mac(key, signed)}`;
}

/**
 * Checks a parsed token's signature (constant time) and expiry against `nowMs`. Versions and the
 * object's existence are the caller's to check against the database.
 */
export async function verifyParsed(
  parsed: ParsedToken,
  key: CryptoKey,
  nowMs: number,
): Promise<VerifyResult> {
  const expected = await mac(key, parsed.signed);
  if (!(await timingSafeEqual(expected, parsed.signature))) {
    return { ok: false, reason: "bad_signature" };
  }
  const exp = parsed.claims.expiresAt;
  if (exp !== null && nowMs >= exp * 1000) return { ok: false, reason: "expired" };
  return { ok: true, claims: parsed.claims };
}

/** parseToken + verifyParsed. */
export async function verifyToken(
  token: string,
  key: CryptoKey,
  nowMs: number,
): Promise<VerifyResult> {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: "malformed" };
  return await verifyParsed(parsed, key, nowMs);
}
