/**
 * Builds the recording handler from the environment: the database (the key from Vault, the
 * per-click check) and Storage (signed URLs, with the project's secret key). index.ts serves it.
 *
 * Settings (function secrets):
 *   RECORDINGS_BUCKET   the private bucket recordings are in (default "recordings")
 * The Storage URL's lifetime is the database setting `recording_url_ttl` (default 60 s), so it
 * changes without a redeploy: update switchboard.settings set value = '30 seconds' where …
 */
import { z } from "zod";
import { objectPathUrl } from "../_shared/adapters/storage/client.ts";
import { createDb, type Sql } from "../_shared/platform/db.ts";
import { ConfigError, UpstreamError } from "../_shared/platform/errors.ts";
import { createLogger, type Logger } from "../_shared/platform/log.ts";
import {
  checkRecordingLink,
  createLinkKeyCache,
  sqlRecordingLinkStore,
} from "../_shared/platform/recording_links.ts";
import { createHandler } from "./handler.ts";

const RecordingEnv = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//),
  SUPABASE_SECRET_KEYS: z.string().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().optional(),
  RECORDINGS_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,62}$/).default("recordings"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});
type RecordingConfig = z.infer<typeof RecordingEnv>;

/** A secret key: the first of SUPABASE_SECRET_KEYS (a JSON dictionary), else the service role. */
function storageKey(cfg: RecordingConfig): string {
  if (cfg.SUPABASE_SECRET_KEYS) {
    try {
      const keys = JSON.parse(cfg.SUPABASE_SECRET_KEYS) as Record<string, unknown>;
      const key = keys.default ?? Object.values(keys)[0];
      if (typeof key === "string" && key !== "") return key;
    } catch { /* fall back to the legacy key */ }
  }
  if (cfg.SUPABASE_SERVICE_ROLE_KEY) return cfg.SUPABASE_SERVICE_ROLE_KEY;
  throw new ConfigError("No Storage key: SUPABASE_SECRET_KEYS or SUPABASE_SERVICE_ROLE_KEY");
}

/**
 * Storage's own signed URL (POST /object/sign/<bucket>/<path>, as storage-js's createSignedUrl),
 * absolute and URI-encoded as storage-js makes it. Null when Storage has no such object.
 */
export function storageSigner(opts: {
  supabaseUrl: string;
  key: string;
  bucket: string;
  fetch: typeof fetch;
  timeoutMs?: number;
}): (path: string, ttlSeconds: number) => Promise<string | null> {
  const base = `${opts.supabaseUrl.replace(/\/+$/, "")}/storage/v1`;
  return async (path, ttlSeconds) => {
    let res: Response;
    try {
      res = await opts.fetch(`${base}/object/sign/${objectPathUrl(opts.bucket, path)}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${opts.key}`,
          apikey: opts.key,
          "content-type": "application/json",
        },
        body: JSON.stringify({ expiresIn: ttlSeconds }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
    } catch (e) {
      const timeout = e instanceof DOMException && e.name === "TimeoutError";
      throw new UpstreamError("storage", timeout ? "timeout" : "network", "storage sign failed", {
        cause: e,
      });
    }
    const text = await res.text().catch(() => "");
    let body: { signedURL?: unknown; statusCode?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch { /* not JSON: handled below */ }
    if (res.ok && typeof body.signedURL === "string") {
      return encodeURI(`${base}${body.signedURL}`);
    }
    // Storage answers most 4xx as HTTP 400 with the real status in the body.
    const status = typeof body.statusCode === "string" && /^\d{3}$/.test(body.statusCode)
      ? Number(body.statusCode)
      : res.status;
    if (status === 404) return null;
    throw new UpstreamError("storage", "http", `storage sign answered ${status}`, {
      upstreamStatus: status,
    });
  };
}

export function buildRecordingHandler(
  env: Record<string, string | undefined> = Deno.env.toObject(),
  deps: { sql?: Sql; log?: Logger; fetch?: typeof fetch; now?: () => number } = {},
): (req: Request) => Promise<Response> {
  const parsed = RecordingEnv.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`,
    );
  }
  const cfg = parsed.data;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? createLogger({ fn: "recording" }, { level: cfg.LOG_LEVEL });
  // A click waits for the database: fail fast (503) rather than hang while it is away.
  const sql = deps.sql ?? createDb(cfg.SUPABASE_DB_URL, "switchboard:recording", 2, {
    connectTimeoutSeconds: 5,
    statementTimeoutMs: 3_000,
    maxReconnectDelaySeconds: 1,
  });
  const store = sqlRecordingLinkStore(sql);
  const keys = createLinkKeyCache({ read: () => store.readKey(), now });
  return createHandler({
    log,
    check: (token) => checkRecordingLink(token, { keys, store, now }),
    signedUrl: storageSigner({
      supabaseUrl: cfg.SUPABASE_URL,
      key: storageKey(cfg),
      bucket: cfg.RECORDINGS_BUCKET,
      fetch: deps.fetch ?? fetch,
    }),
  });
}
