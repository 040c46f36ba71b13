/**
 * Google service-account access tokens without Google's libraries (which hang or fail in the
 * edge runtime): an RS256 JWT signed with WebCrypto, exchanged at the token endpoint for a
 * bearer token, cached until a minute before it expires.
 */
import { z } from "zod";
import { httpJson } from "../http_json.ts";
import { ConfigError } from "../../platform/errors.ts";

export const ServiceAccountSchema = z.object({
  client_email: z.string().min(1),
  private_key: z.string().includes("PRIVATE KEY"),
  private_key_id: z.string().optional(),
  token_uri: z.url().optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccountSchema>;

export const DRIVE_READONLY_SCOPE = "https://www.googleapis.com/auth/drive.readonly";

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string(),
});

function base64url(bytes: Uint8Array | string): string {
  const raw = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let bin = "";
  for (const b of raw) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } catch (e) {
    throw new ConfigError("The service account private key is not valid PEM", { cause: e });
  }
  return await crypto.subtle.importKey(
    "pkcs8",
    der as Uint8Array<ArrayBuffer>,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

/** A signed assertion for the JWT-bearer grant. `now` in milliseconds. */
export async function signAssertion(
  sa: ServiceAccount,
  opts: { scope: string; tokenUrl: string; now: number },
): Promise<string> {
  const iat = Math.floor(opts.now / 1000);
  const header = {
    alg: "RS256",
    typ: "JWT",
    ...(sa.private_key_id ? { kid: sa.private_key_id } : {}),
  };
  const claims = {
    iss: sa.client_email,
    scope: opts.scope,
    aud: opts.tokenUrl,
    iat,
    exp: iat + 3600,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const key = await importPrivateKey(sa.private_key);
  const sig = new Uint8Array(
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(input)),
  );
  return `${input}.${base64url(sig)}`;
}

export interface TokenProviderOptions {
  serviceAccount: ServiceAccount;
  tokenUrl: string;
  scope?: string;
  fetch: typeof fetch;
  now: () => number;
  timeoutMs?: number;
}

/** Returns a function that yields a valid access token, fetching a new one only when needed. */
export function createTokenProvider(opts: TokenProviderOptions): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | null = null;
  return async () => {
    const now = opts.now();
    if (cached && now < cached.expiresAt - 60_000) return cached.token;
    const assertion = await signAssertion(opts.serviceAccount, {
      scope: opts.scope ?? DRIVE_READONLY_SCOPE,
      tokenUrl: opts.tokenUrl,
      now,
    });
    const res = await httpJson({
      vendor: "google-oauth",
      fetch: opts.fetch,
      url: opts.tokenUrl,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion,
      }).toString(),
      timeoutMs: opts.timeoutMs ?? 15_000,
      schema: TokenResponse,
      now: opts.now,
    });
    cached = { token: res.access_token, expiresAt: now + res.expires_in * 1000 };
    return cached.token;
  };
}
