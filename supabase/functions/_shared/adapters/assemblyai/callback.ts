/**
 * The per-call secret AssemblyAI sends back on its completion webhook. AssemblyAI has no HMAC:
 * it repeats a header we choose (`webhook_auth_header_name`/`_value`) verbatim, so the value
 * must be unguessable (32 random bytes), is stored only as its SHA-256, and is compared in
 * constant time.
 */
import { timingSafeEqual } from "../../platform/timing_safe_equal.ts";

export const CALLBACK_HEADER = "x-switchboard-callback-token";

const encoder = new TextEncoder();

export function newCallbackSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A hash nobody's secret has: compared against when a call has none, to keep the timing. */
const NO_HASH = "0".repeat(64);

/** Whether `presented` is the secret whose hash is `storedSha256`, in constant time. */
export async function verifyCallbackSecret(
  presented: string | null,
  storedSha256: string | null,
): Promise<boolean> {
  const hash = await sha256Hex(presented ?? "");
  const same = await timingSafeEqual(hash, storedSha256 ?? NO_HASH);
  return same && presented !== null && presented !== "" && storedSha256 !== null;
}
