/**
 * API keys the fake accepts, each with its organization and its own RPM/TPM budget, and the
 * Bearer authentication that resolves a request to one of them (401 bodies as OpenAI words them).
 */
import { errorJson } from "./errors.ts";
import { alnumOf } from "./hash.ts";
import { Bucket, type KeyBudget } from "./limits.ts";

/** The key every fresh fake accepts (what the demo and `deno task sandbox` configure). */
export const SANDBOX_OPENAI_KEY = "sk-proj-switchboard-sandbox-0000000000000000";

export interface KeyConfig {
  key: string;
  /** `org-…`; derived from the key when omitted. */
  organization?: string;
  /** Requests per minute. */
  rpm?: number;
  /** Tokens per minute. */
  tpm?: number;
}

export interface KeyRecord {
  key: string;
  organization: string;
  budget: KeyBudget;
}

export interface Limits {
  rpm: number;
  tpm: number;
}

export class KeyRing {
  #keys = new Map<string, KeyRecord>();
  constructor(readonly defaults: Limits, private readonly initial: KeyConfig[]) {
    this.reset();
  }

  add(cfg: KeyConfig): KeyRecord {
    for (const [name, v] of [["rpm", cfg.rpm], ["tpm", cfg.tpm]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
        throw new Error(`${name} must be a positive integer`);
      }
    }
    if (typeof cfg.key !== "string" || !cfg.key) throw new Error("a key needs a non-empty key");
    const rec: KeyRecord = {
      key: cfg.key,
      organization: cfg.organization ?? `org-${alnumOf(cfg.key, 24)}`,
      budget: {
        requests: new Bucket(cfg.rpm ?? this.defaults.rpm),
        tokens: new Bucket(cfg.tpm ?? this.defaults.tpm),
      },
    };
    this.#keys.set(cfg.key, rec);
    return rec;
  }

  get(key: string): KeyRecord | undefined {
    return this.#keys.get(key);
  }

  list(): KeyRecord[] {
    return [...this.#keys.values()];
  }

  reset(): void {
    this.#keys.clear();
    for (const k of this.initial) this.add(k);
  }
}

const NO_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";

/** How state and seed results name a key: enough to tell keys apart, never the whole key. */
export function keyHint(key: string): string {
  return key.length <= 12 ? key : `${key.slice(0, 8)}…${key.slice(-4)}`;
}

/** The key as the API echoes it in a 401: first 8 and last 4 characters, the rest starred. */
export function maskKey(key: string): string {
  if (key.length <= 12) return key;
  return key.slice(0, 8) + "*".repeat(key.length - 12) + key.slice(-4);
}

/** The key a request presents: Bearer auth, or the password of Basic auth with no username. */
function presentedKey(req: Request): string | null {
  const auth = req.headers.get("authorization")?.trim();
  if (!auth) return null;
  const [scheme = "", ...rest] = auth.split(/\s+/);
  const value = rest.join(" ");
  if (/^bearer$/i.test(scheme)) return value || null;
  if (/^basic$/i.test(scheme)) {
    try {
      const decoded = atob(value);
      const colon = decoded.indexOf(":");
      return colon >= 0 && decoded.slice(colon + 1) ? decoded.slice(colon + 1) : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** The key record, or the 401 the API answers. */
export function authenticate(
  req: Request,
  keys: KeyRing,
  headers: () => Record<string, string>,
): KeyRecord | Response {
  const key = presentedKey(req);
  if (!key) {
    return errorJson(401, {
      message: NO_KEY,
      type: "invalid_request_error",
      param: null,
      code: null,
    }, headers());
  }
  const rec = keys.get(key);
  if (!rec) {
    return errorJson(401, {
      message: `Incorrect API key provided: ${
        maskKey(key)
      }. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: "invalid_request_error",
      param: null,
      code: "invalid_api_key",
    }, headers());
  }
  return rec;
}
