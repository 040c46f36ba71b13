/**
 * Verifies OpenPhone/Quo webhook signatures over the raw request body, before anything parses
 * it. Two schemes are in use:
 *
 * - Standard Webhooks (the 2026-03-30 system): headers `webhook-id`, `webhook-timestamp` (Unix
 *   seconds) and `webhook-signature` (space-separated `v1,<base64>` entries, several during a
 *   rotation). The signed content is `<id>.<timestamp>.<body>`, HMAC-SHA256 keyed with the
 *   base64-decoded secret after its `whsec_` prefix.
 * - Legacy: `openphone-signature: hmac;1;<milliseconds>;<base64>` (comma-separated entries may
 *   follow), HMAC-SHA256 over `<milliseconds>.<body>` keyed with the base64-decoded signing key.
 *
 * Several secrets may be configured (rotation); any valid signature under any of them passes.
 * Timestamps must be within the tolerance in both directions. Comparison is constant time.
 */

export type SignatureScheme = "standard" | "legacy";

export interface VerifiedDelivery {
  scheme: SignatureScheme;
  /** The delivery's id: `webhook-id` for Standard Webhooks; derived from the signature for legacy. */
  deliveryId: string;
  /** Milliseconds since the epoch, as signed. */
  timestampMs: number;
}

export type VerifyFailure =
  | "missing_headers"
  | "bad_timestamp"
  | "timestamp_out_of_tolerance"
  | "no_valid_signature"
  | "no_secrets";

export class SignatureError extends Error {
  constructor(readonly reason: VerifyFailure, message: string) {
    super(message);
    this.name = "SignatureError";
  }
}

export interface VerifyOptions {
  /** Standard Webhooks secrets (`whsec_…`, the prefix optional). */
  standardSecrets: readonly string[];
  /** Legacy signing keys (base64). */
  legacyKeys: readonly string[];
  /** Milliseconds since the epoch. */
  now: number;
  toleranceMs?: number;
}

const enc = new TextEncoder();

function decodeBase64(s: string): Uint8Array | null {
  try {
    const bin = atob(s);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

// Imported keys, per secret: importing on every delivery costs more than the HMAC itself.
const importedKeys = new Map<string, Promise<CryptoKey>>();

function importKey(key: Uint8Array): Promise<CryptoKey> {
  const id = encodeBase64(key);
  let k = importedKeys.get(id);
  if (!k) {
    k = crypto.subtle.importKey(
      "raw",
      key as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      [
        "sign",
      ],
    );
    if (importedKeys.size < 32) importedKeys.set(id, k);
  }
  return k;
}

async function hmac(key: Uint8Array, content: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", await importKey(key), content as Uint8Array<ArrayBuffer>),
  );
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The key bytes of a Standard Webhooks secret (`whsec_` prefix optional). */
export function standardKey(secret: string): Uint8Array | null {
  return decodeBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
}

/** `v1,<base64>` for a Standard Webhooks delivery (used by tests and the sandbox). */
export async function signStandard(
  secret: string,
  id: string,
  timestampSec: number,
  body: Uint8Array | string,
): Promise<string> {
  const key = standardKey(secret);
  if (!key) throw new TypeError("Secret is not valid base64");
  const raw = typeof body === "string" ? enc.encode(body) : body;
  return `v1,${encodeBase64(await hmac(key, concat(enc.encode(`${id}.${timestampSec}.`), raw)))}`;
}

/** `hmac;1;<ms>;<base64>` for a legacy delivery. */
export async function signLegacy(
  key: string,
  timestampMs: number,
  body: Uint8Array | string,
): Promise<string> {
  const k = decodeBase64(key);
  if (!k) throw new TypeError("Signing key is not valid base64");
  const raw = typeof body === "string" ? enc.encode(body) : body;
  return `hmac;1;${timestampMs};${
    encodeBase64(await hmac(k, concat(enc.encode(`${timestampMs}.`), raw)))
  }`;
}

function checkTolerance(timestampMs: number, opts: VerifyOptions): void {
  const tolerance = opts.toleranceMs ?? 5 * 60_000;
  if (Math.abs(opts.now - timestampMs) > tolerance) {
    throw new SignatureError(
      "timestamp_out_of_tolerance",
      "Webhook timestamp is outside the tolerance",
    );
  }
}

async function verifyStandard(
  headers: Headers,
  body: Uint8Array,
  opts: VerifyOptions,
): Promise<VerifiedDelivery> {
  const id = headers.get("webhook-id");
  const ts = headers.get("webhook-timestamp");
  const sig = headers.get("webhook-signature");
  if (!id || !ts || !sig) {
    throw new SignatureError(
      "missing_headers",
      "Missing webhook-id, -timestamp or -signature header",
    );
  }
  if (!/^\d{1,12}$/.test(ts)) {
    throw new SignatureError("bad_timestamp", "Invalid webhook-timestamp header");
  }
  const timestampMs = Number(ts) * 1000;
  checkTolerance(timestampMs, opts);
  const keys = opts.standardSecrets.map(standardKey).filter((k): k is Uint8Array => k !== null);
  if (keys.length === 0) throw new SignatureError("no_secrets", "No webhook secret is configured");
  const content = concat(enc.encode(`${id}.${ts}.`), body);
  const presented = sig.split(" ").flatMap((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return [];
    const bytes = decodeBase64(value);
    return bytes ? [bytes] : [];
  });
  for (const key of keys) {
    const expected = await hmac(key, content);
    if (presented.some((p) => constantTimeEqual(p, expected))) {
      return { scheme: "standard", deliveryId: id, timestampMs };
    }
  }
  throw new SignatureError("no_valid_signature", "No valid webhook signature");
}

async function verifyLegacy(
  header: string,
  body: Uint8Array,
  opts: VerifyOptions,
): Promise<VerifiedDelivery> {
  const keys = opts.legacyKeys.map(decodeBase64).filter((k): k is Uint8Array => k !== null);
  if (keys.length === 0) {
    throw new SignatureError("no_secrets", "No legacy signing key is configured");
  }
  const entries = header.split(",").map((e) => e.trim().split(";"));
  let sawTimestamp = false;
  for (const [scheme, version, ts, value] of entries) {
    if (scheme !== "hmac" || version !== "1" || !ts || !value) continue;
    if (!/^\d{1,15}$/.test(ts)) continue;
    sawTimestamp = true;
    const timestampMs = Number(ts);
    checkTolerance(timestampMs, opts);
    const presented = decodeBase64(value);
    if (!presented) continue;
    const content = concat(enc.encode(`${ts}.`), body);
    for (const key of keys) {
      if (constantTimeEqual(presented, await hmac(key, content))) {
        // Legacy deliveries carry no delivery id: the signed timestamp and signature identify it.
        return { scheme: "legacy", deliveryId: `legacy:${ts}:${value}`, timestampMs };
      }
    }
  }
  if (!sawTimestamp) {
    throw new SignatureError("bad_timestamp", "Invalid openphone-signature header");
  }
  throw new SignatureError("no_valid_signature", "No valid webhook signature");
}

/**
 * Verifies a delivery under whichever scheme its headers use. Throws SignatureError; the
 * caller answers 401 and writes nothing.
 */
export async function verifyWebhook(
  headers: Headers,
  body: Uint8Array,
  opts: VerifyOptions,
): Promise<VerifiedDelivery> {
  if (headers.has("webhook-signature") || headers.has("webhook-id")) {
    return await verifyStandard(headers, body, opts);
  }
  const legacy = headers.get("openphone-signature");
  if (legacy) return await verifyLegacy(legacy, body, opts);
  throw new SignatureError("missing_headers", "Missing webhook signature headers");
}
