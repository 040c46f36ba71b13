/**
 * Recording links (ARCHITECTURE §6, T39) around the pure tokens of recording_link_token.ts:
 *
 * - `createRecordingLinks(…).recordingLinkFor(callMediaRow)` makes the URL a Notion page carries:
 *   `<SUPABASE_URL>/functions/v1/recording?t=<token>` (or RECORDING_LINK_BASE_URL?t=…). The link
 *   does not expire unless asked to; it is revoked with `switchboard.revoke_recording_links(call)`
 *   or `switchboard.revoke_all_recording_links()`.
 * - `checkRecordingLink(token, …)` is what the `recording` function runs on each click: the
 *   signature (constant time) and expiry, then one small query for the object and both current
 *   versions.
 *
 * The HMAC key lives in Vault (switchboard_recording_link_key) and is read through
 * `switchboard.recording_link_key()`, cached for a minute. A token naming a newer key version
 * than the cached one re-reads it, at most once per 5 s however many such tokens arrive, so a
 * flood of forged tokens cannot load the database; a rotation is picked up at once by links made
 * after it (their version is newer) and refuses older links at once (the query checks versions).
 */
import type { Sql } from "./db.ts";
import { ConfigError, ValidationError } from "./errors.ts";
import {
  canonicalId,
  importLinkKey,
  parseToken,
  signToken,
  verifyParsed,
} from "./recording_link_token.ts";

/** The function's name, as deployed; links point at /functions/v1/<name>. */
export const RECORDING_FUNCTION = "recording";

export interface LinkTarget {
  /** The object's path in the recordings bucket, or null: no such stored media for that call. */
  storagePath: string | null;
  keyVersion: number;
  callVersion: number;
  /** How long the Storage signed URL a click yields lives. */
  urlTtlSeconds: number;
}

/** The database side of recording links (switchboard.recording_link_* functions). */
export interface RecordingLinkStore {
  /** The current key (Vault) and its version, in one read. */
  readKey(): Promise<{ version: number; key: string }>;
  /** The versions a new link for the call carries. */
  versions(callId: string): Promise<{ keyVersion: number; callVersion: number }>;
  /** What a click needs: the object and both current versions (one query). */
  target(callId: string, mediaId: string): Promise<LinkTarget>;
}

export function sqlRecordingLinkStore(sql: Sql): RecordingLinkStore {
  return {
    async readKey() {
      const [row] = await sql<{ version: number; key: string }[]>`
        select version, key from switchboard.recording_link_key()`;
      if (!row) throw new Error("switchboard.recording_link_key() returned no row");
      return { version: row.version, key: row.key };
    },
    async versions(callId) {
      const [row] = await sql<{ key_version: number; call_version: number }[]>`
        select key_version, call_version
        from switchboard.recording_link_versions(${callId}::bigint)`;
      if (!row) throw new Error("switchboard.recording_link_versions() returned no row");
      return { keyVersion: row.key_version, callVersion: row.call_version };
    },
    async target(callId, mediaId) {
      const [row] = await sql<
        {
          storage_path: string | null;
          key_version: number;
          call_version: number;
          url_ttl_seconds: number;
        }[]
      >`
        select storage_path, key_version, call_version, url_ttl_seconds
        from switchboard.recording_link_target(${callId}::bigint, ${mediaId}::bigint)`;
      if (!row) throw new Error("switchboard.recording_link_target() returned no row");
      return {
        storagePath: row.storage_path,
        keyVersion: row.key_version,
        callVersion: row.call_version,
        urlTtlSeconds: row.url_ttl_seconds,
      };
    },
  };
}

export interface LinkKey {
  version: number;
  key: CryptoKey;
}

export interface LinkKeyCache {
  /**
   * The key of `version` if that is the current key, else null (an older, revoked key, or one
   * that does not exist). `untrusted`: the version comes from a request, so a newer version
   * than cached re-reads at most once per `minRereadMs`.
   */
  forVersion(version: number, untrusted: boolean): Promise<LinkKey | null>;
}

export interface LinkKeyCacheOptions {
  read: () => Promise<{ version: number; key: string }>;
  now: () => number;
  /** How long a read key is trusted (default 60 s). */
  cacheMs?: number;
  /** The least time between reads prompted by untrusted versions (default 5 s). */
  minRereadMs?: number;
}

export function createLinkKeyCache(opts: LinkKeyCacheOptions): LinkKeyCache {
  const cacheMs = opts.cacheMs ?? 60_000;
  const minRereadMs = opts.minRereadMs ?? 5_000;
  let cached: (LinkKey & { at: number }) | null = null;
  let inFlight: Promise<LinkKey> | null = null;

  // One read at a time, shared; a failed read is not cached.
  function read(): Promise<LinkKey> {
    inFlight ??= (async () => {
      try {
        const { version, key } = await opts.read();
        const entry = { version, key: await importLinkKey(key), at: opts.now() };
        cached = entry;
        return entry;
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  const match = (k: LinkKey | null, version: number) => k && k.version === version ? k : null;

  return {
    async forVersion(version, untrusted) {
      if (inFlight) return match(await inFlight, version);
      const age = cached ? opts.now() - cached.at : Infinity;
      if (cached && age < cacheMs) {
        // Versions only grow: an older version than the current key is revoked.
        if (cached.version >= version) return match(cached, version);
        if (untrusted && age < minRereadMs) return null;
      }
      return match(await read(), version);
    },
  };
}

export interface CallMediaRef {
  /** switchboard.call_media.id (postgres.js returns bigint as a string; any is accepted). */
  id: number | string | bigint;
  call_id: number | string | bigint;
  /** When given and null, the recording is not stored yet: no link can be made. */
  storage_path?: string | null;
}

export interface RecordingLinks {
  /**
   * The URL for one stored recording or voicemail. Without `expiresInSeconds` the link never
   * expires (Notion pages live forever) and dies only by revocation.
   */
  recordingLinkFor(media: CallMediaRef, opts?: { expiresInSeconds?: number }): Promise<string>;
}

export interface RecordingLinksOptions {
  store: RecordingLinkStore;
  /** The recording function's public URL, e.g. recordingLinkBaseUrl(env). */
  baseUrl: string;
  now?: () => number;
  keys?: LinkKeyCache;
}

/** RECORDING_LINK_BASE_URL when set (a custom domain), else SUPABASE_URL/functions/v1/recording. */
export function recordingLinkBaseUrl(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  const explicit = env.RECORDING_LINK_BASE_URL;
  const base = explicit ||
    (env.SUPABASE_URL
      ? `${env.SUPABASE_URL.replace(/\/+$/, "")}/functions/v1/${RECORDING_FUNCTION}`
      : "");
  if (!base) throw new ConfigError("SUPABASE_URL (or RECORDING_LINK_BASE_URL) is not set");
  const url = new URL(base);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError("The recording link base URL must be http(s)");
  }
  return url.toString().replace(/\/+$/, "");
}

export function createRecordingLinks(opts: RecordingLinksOptions): RecordingLinks {
  const now = opts.now ?? Date.now;
  const keys = opts.keys ?? createLinkKeyCache({ read: () => opts.store.readKey(), now });
  const baseUrl = opts.baseUrl.replace(/\/+$/, "");
  return {
    async recordingLinkFor(media, linkOpts = {}) {
      const callId = canonicalId(media.call_id);
      const mediaId = canonicalId(media.id);
      if (callId === null || mediaId === null) {
        throw new ValidationError("A recording link needs the call_media row's id and call_id");
      }
      if (media.storage_path === null) {
        throw new ValidationError("The recording is not stored yet: no link can be made");
      }
      const ttl = linkOpts.expiresInSeconds;
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
        throw new ValidationError("expiresInSeconds must be a positive integer");
      }
      // A rotation between the two reads is caught by the version check: ask again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const v = await opts.store.versions(callId);
        const key = await keys.forVersion(v.keyVersion, false);
        if (!key) continue;
        const token = await signToken({
          keyVersion: v.keyVersion,
          callId,
          mediaId,
          callVersion: v.callVersion,
          expiresAt: ttl === undefined ? null : Math.floor(now() / 1000) + ttl,
        }, key.key);
        return `${baseUrl}?t=${token}`;
      }
      throw new Error("The recording link key kept changing while a link was made");
    },
  };
}

export type LinkRefusal =
  | "malformed"
  | "unknown_key"
  | "bad_signature"
  | "expired"
  | "revoked_key"
  | "revoked_call"
  | "no_object";

export type LinkCheck =
  | { ok: true; callId: string; mediaId: string; storagePath: string; urlTtlSeconds: number }
  | { ok: false; reason: LinkRefusal; callId?: string };

/**
 * Everything that decides whether a click gets the recording. The reason is for logs only: the
 * caller answers every refusal the same way. Forged and malformed tokens cost no query (beyond a
 * rate-limited key re-read); a genuine one costs one.
 */
export async function checkRecordingLink(
  token: string,
  deps: { keys: LinkKeyCache; store: RecordingLinkStore; now: () => number },
): Promise<LinkCheck> {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: "malformed" };
  const { claims } = parsed;
  const key = await deps.keys.forVersion(claims.keyVersion, true);
  if (!key) return { ok: false, reason: "unknown_key" };
  const verified = await verifyParsed(parsed, key.key, deps.now());
  if (!verified.ok) return { ok: false, reason: verified.reason };
  const t = await deps.store.target(claims.callId, claims.mediaId);
  const callId = claims.callId;
  if (t.keyVersion !== claims.keyVersion) {
    // The database says the key was rotated: learn the new key now (a trusted version), so
    // links made after the rotation are accepted at once and older ones fail without a query.
    if (t.keyVersion > claims.keyVersion) await deps.keys.forVersion(t.keyVersion, false);
    return { ok: false, reason: "revoked_key", callId };
  }
  if (t.callVersion !== claims.callVersion) return { ok: false, reason: "revoked_call", callId };
  if (t.storagePath === null) return { ok: false, reason: "no_object", callId };
  return {
    ok: true,
    callId,
    mediaId: claims.mediaId,
    storagePath: t.storagePath,
    urlTtlSeconds: t.urlTtlSeconds,
  };
}

/** The links a publisher needs, from the database and the environment. */
export function recordingLinksFor(
  sql: Sql,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): RecordingLinks {
  return createRecordingLinks({
    store: sqlRecordingLinkStore(sql),
    baseUrl: recordingLinkBaseUrl(env),
  });
}
