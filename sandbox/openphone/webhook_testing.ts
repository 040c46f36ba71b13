/**
 * Test support for the webhook sender: an in-process receiver to stand in for ctx.fetch, and
 * signature verification written with WebCrypto, independent of the sender's node:crypto code.
 */
import { jsonOf, type TestSandbox } from "./testing.ts";

export type Json = Record<string, unknown>;
export interface Received {
  url: string;
  headers: Headers;
  body: string;
}

/** An in-process receiver standing in for ctx.fetch: records requests, answers `statuses`. */
export function receiver(
  statuses: number[] = [],
): { received: Received[]; fetch: typeof fetch } {
  const received: Received[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    received.push({ url: req.url, headers: req.headers, body: await req.text() });
    return new Response("ok", { status: statuses.shift() ?? 200 });
  };
  return { received, fetch: fetchFn };
}

export const b64decode = (s: string): Uint8Array =>
  Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export async function hmacB64(key: Uint8Array, content: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    key.slice(),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(content));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

/** Standard Webhooks verification as a receiver would do it: any listed v1 signature matches. */
export async function verifyStandard(
  secret: string,
  r: Received,
  nowSec: number,
): Promise<boolean> {
  const id = r.headers.get("webhook-id")!;
  const ts = Number(r.headers.get("webhook-timestamp"));
  if (Math.abs(nowSec - ts) > 300) return false;
  const expected = await hmacB64(b64decode(secret.slice(6)), `${id}.${ts}.${r.body}`);
  return r.headers.get("webhook-signature")!.split(" ").some((s) => s === `v1,${expected}`);
}

export async function verifyLegacy(key: string, r: Received): Promise<boolean> {
  const [scheme, version, ts, sig] = r.headers.get("openphone-signature")!.split(";");
  if (scheme !== "hmac" || version !== "1") return false;
  return sig === await hmacB64(b64decode(key), `${ts}.${r.body}`);
}

export async function createWebhook(s: TestSandbox, spec: Json): Promise<Json> {
  return await jsonOf(await s.control("/openphone/webhooks", spec), 201);
}

export async function emit(s: TestSandbox, spec: Json, status = 202): Promise<Json> {
  return await jsonOf(await s.control("/openphone/webhooks/emit", spec), status);
}

/** Sends what is due now; returns the attempts made. */
export async function flush(s: TestSandbox): Promise<Json[]> {
  return await jsonOf<Json[]>(await s.control("/openphone/webhooks/flush", {}), 200);
}

/** Moves the sender's clock forward, then flushes. */
export async function advance(s: TestSandbox, ms: number): Promise<Json[]> {
  return await jsonOf<Json[]>(await s.control("/openphone/webhooks/advance", { ms }), 200);
}
