/**
 * The OAuth 2.0 token endpoint for service accounts (stands in for
 * https://oauth2.googleapis.com/token), and the access tokens it issues.
 *
 * A service account proves itself with a JWT it signs (RS256) with its private key and posts as
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>`. The checks run in
 * the order Google applies them, each failing with Google's own error and wording: account,
 * signature, audience, lifetime (exp ≤ iat + 3600, not expired, not issued in the future beyond
 * the skew), impersonation (`sub`), scope.
 */
import { oauthError } from "./errors.ts";
import { importPublicKeyPem, RSA_ALGORITHM } from "./keys.ts";
import { isKnownScope } from "./scopes.ts";

export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** What Google answers in `expires_in` for a fresh service-account token. */
export const ACCESS_TOKEN_LIFETIME_SEC = 3599;
const MAX_ASSERTION_LIFETIME_SEC = 3600;
/** Google tolerates some clock difference between the signer and itself. */
const CLOCK_SKEW_SEC = 300;

const MSG_SIGNATURE = "Invalid JWT Signature.";
const MSG_TIMEFRAME = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a " +
  "reasonable timeframe. Check your iat and exp values in the JWT claim.";
const MSG_ACCOUNT = "Invalid grant: account not found";
const MSG_NOT_EMAIL = "Not a valid email or user ID.";
const MSG_NO_SCOPE = "Empty or missing scope not allowed.";
const MSG_BAD_SCOPE = "Invalid OAuth scope or ID token audience provided.";
const MSG_UNAUTHORIZED = "Client is unauthorized to retrieve access tokens using this method, " +
  "or client not authorized for any of the scopes requested.";

export interface Principal {
  /** The service account's client_email. */
  email: string;
  scopes: ReadonlySet<string>;
}

interface Account {
  key: CryptoKey;
  keyId: string | null;
}

interface IssuedToken {
  principal: Principal;
  expiresAt: number;
}

export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; expired: boolean };

const decoder = new TextDecoder();

function base64UrlDecode(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new TypeError("not base64url");
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function decodeJson(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(decoder.decode(base64UrlDecode(part)));
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError("not an object");
  }
  return value as Record<string, unknown>;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  return "ya29.c." + btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

export class OAuthServer {
  #accounts = new Map<string, Account>();
  #tokens = new Map<string, IssuedToken>();

  async register(email: string, publicKeyPem: string, keyId?: string): Promise<void> {
    this.#accounts.set(email, {
      key: await importPublicKeyPem(publicKeyPem),
      keyId: keyId ?? null,
    });
  }

  accounts(): string[] {
    return [...this.#accounts.keys()];
  }

  issuedTokens(): number {
    return this.#tokens.size;
  }

  /** Resolves a bearer token; `expired` tells a token that was valid apart from an unknown one. */
  authenticate(token: string, now: number): Authentication {
    const issued = this.#tokens.get(token);
    if (!issued) return { ok: false, expired: false };
    if (now >= issued.expiresAt) return { ok: false, expired: true };
    return { ok: true, principal: issued.principal };
  }

  /** Every token issued so far expires now (a control knob for tests and demos). */
  expireAll(now: number): void {
    for (const t of this.#tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
  }

  reset(): void {
    this.#accounts.clear();
    this.#tokens.clear();
  }

  /**
   * Handles a token request. `audiences` are the `aud` values accepted: Google's URL and the
   * URLs the sandbox is reached by (the first one is named in the audience error).
   */
  async exchange(req: Request, audiences: string[], now: number): Promise<Response> {
    // Google reads the body as a form whatever the content type: a JSON body has no grant_type.
    const form = new URLSearchParams(await req.text());
    const grantType = form.get("grant_type") ?? "";
    if (grantType !== JWT_BEARER) {
      return oauthError("unsupported_grant_type", `Invalid grant_type: ${grantType}`);
    }
    const assertion = form.get("assertion");
    if (!assertion) return oauthError("invalid_request", "Missing required parameter: assertion");

    const parts = assertion.split(".");
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    let signature: Uint8Array<ArrayBuffer>;
    try {
      if (parts.length !== 3) throw new TypeError("not a JWS compact serialisation");
      header = decodeJson(parts[0]!);
      claims = decodeJson(parts[1]!);
      signature = base64UrlDecode(parts[2]!);
    } catch {
      return oauthError("invalid_request", "Bad Request");
    }

    const iss = claims.iss;
    if (typeof iss !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(iss)) {
      return oauthError("invalid_grant", MSG_NOT_EMAIL);
    }
    const account = this.#accounts.get(iss);
    if (!account) return oauthError("invalid_grant", MSG_ACCOUNT);

    const signedWithKnownKey = header.alg === "RS256" &&
      (header.kid === undefined || account.keyId === null || header.kid === account.keyId);
    const valid = signedWithKnownKey && await crypto.subtle.verify(
      RSA_ALGORITHM,
      account.key,
      signature,
      new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
    if (!valid) return oauthError("invalid_grant", MSG_SIGNATURE);

    // A JSON array `aud` is refused even when it holds the right URL.
    if (typeof claims.aud !== "string" || !audiences.includes(claims.aud)) {
      return oauthError(
        "invalid_grant",
        `Invalid JWT: Failed audience check. The right audience is ${audiences[0]}`,
      );
    }

    const { iat, exp } = claims;
    const nowSec = now / 1000;
    if (
      typeof iat !== "number" || typeof exp !== "number" ||
      exp <= iat || exp - iat > MAX_ASSERTION_LIFETIME_SEC ||
      exp <= nowSec || iat > nowSec + CLOCK_SKEW_SEC
    ) {
      return oauthError("invalid_grant", MSG_TIMEFRAME);
    }

    // `sub` asks for domain-wide delegation, which no seeded account has been granted.
    if (claims.sub !== undefined && claims.sub !== iss) {
      return oauthError("unauthorized_client", MSG_UNAUTHORIZED, 401);
    }

    const scope = typeof claims.scope === "string" ? claims.scope.trim() : "";
    if (!scope) return oauthError("invalid_scope", MSG_NO_SCOPE);
    const scopes = scope.split(/\s+/);
    if (!scopes.every(isKnownScope)) return oauthError("invalid_scope", MSG_BAD_SCOPE);

    const accessToken = randomToken();
    this.#tokens.set(accessToken, {
      principal: { email: iss, scopes: new Set(scopes) },
      expiresAt: now + ACCESS_TOKEN_LIFETIME_SEC * 1000,
    });
    return new Response(
      JSON.stringify({
        access_token: accessToken,
        expires_in: ACCESS_TOKEN_LIFETIME_SEC,
        token_type: "Bearer",
      }),
      {
        status: 200,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
          pragma: "no-cache",
        },
      },
    );
  }
}
