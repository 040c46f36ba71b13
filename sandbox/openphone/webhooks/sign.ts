/**
 * Webhook signatures, as pure functions.
 *
 * 2026-03-30 webhooks (Standard Webhooks, Svix style):
 *   webhook-id:        the delivery's message id
 *   webhook-timestamp: Unix seconds of this attempt
 *   webhook-signature: `v1,<base64 HMAC-SHA256>` per active secret, space separated
 * signed content `${id}.${timestamp}.${rawBody}`, keyed with the base64 part of `whsec_<…>`.
 *
 * Legacy webhooks:
 *   openphone-signature: `hmac;1;<timestamp ms>;<base64 HMAC-SHA256>`
 * signed content `${timestamp}.${rawBody}`, keyed with the base64-decoded signing key.
 */
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import type { Rng } from "../ids.ts";

const WHSEC = "whsec_";

/** The raw key bytes of a `whsec_…` secret. */
export function whsecKey(secret: string): Uint8Array {
  if (!secret.startsWith(WHSEC)) throw new TypeError(`Webhook secret must start with "${WHSEC}"`);
  return Buffer.from(secret.slice(WHSEC.length), "base64");
}

/** One `v1,<base64>` signature. */
export function standardSignature(
  secret: string,
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  const mac = createHmac("sha256", whsecKey(secret))
    .update(`${msgId}.${timestampSec}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

/** The `webhook-signature` header: one signature per secret, so rotation overlaps cleanly. */
export function standardSignatureHeader(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  return secrets.map((s) => standardSignature(s, msgId, timestampSec, body)).join(" ");
}

/** The `openphone-signature` header of legacy webhooks. */
export function legacySignatureHeader(
  keyBase64: string,
  timestampMs: number,
  body: string,
): string {
  const mac = createHmac("sha256", Buffer.from(keyBase64, "base64"))
    .update(`${timestampMs}.${body}`)
    .digest("base64");
  return `hmac;1;${timestampMs};${mac}`;
}

function randomBase64(rng: Rng, bytes: number): string {
  return Buffer.from(Uint8Array.from({ length: bytes }, () => rng.int(0, 255))).toString("base64");
}

/** A new `whsec_…` secret (24 random bytes, like Svix's). */
export function newWhsecSecret(rng: Rng): string {
  return WHSEC + randomBase64(rng, 24);
}

/** A new legacy signing key (base64 of 32 random bytes). */
export function newLegacyKey(rng: Rng): string {
  return randomBase64(rng, 32);
}

/** A Svix-style message id: `msg_` + 27 base62 characters. */
export function newMessageId(rng: Rng): string {
  return "msg_" + rng.alnum(27);
}
