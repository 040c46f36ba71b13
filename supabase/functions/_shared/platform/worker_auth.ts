/**
 * Authenticates calls from Postgres (pg_net wake-ups, cron) to worker functions: the request
 * carries `x-switchboard-worker-secret`, compared in constant time with the secret SQL reads
 * from Vault (switchboard_worker_secret). The function reads the same Vault secret, so there is
 * one source of truth and rotating it is one `select switchboard.set_secret(…)`.
 */
import type { Sql } from "./db.ts";
import { AuthError, ConfigError } from "./errors.ts";
import { timingSafeEqual } from "./timing_safe_equal.ts";

export const WORKER_SECRET_HEADER = "x-switchboard-worker-secret";

export interface WorkerAuthDeps {
  /** Returns the current secret, or null when it is not configured. */
  readSecret: () => Promise<string | null>;
  /** Milliseconds since epoch. */
  now: () => number;
  /** How long a read secret is trusted before it is read again (rotation delay). */
  cacheMs?: number;
  /**
   * The least time between two reads prompted by a secret that did not match (or by a secret
   * that is not set yet). However many such requests arrive, the database sees at most one read
   * per interval; a rotated secret is therefore accepted within this long of the rotation.
   */
  minRereadMs?: number;
}

/**
 * Returns the authenticator. Reads of the secret are cached (`cacheMs`), shared while one is in
 * flight, and re-read early only for a presented secret that does not match, at most once per
 * `minRereadMs`: a flood of requests with a wrong secret costs the database one read per
 * interval, not one per request, and a genuine rotation is still picked up within that interval.
 */
export function createWorkerAuth(deps: WorkerAuthDeps): (req: Request) => Promise<void> {
  const cacheMs = deps.cacheMs ?? 60_000;
  const minRereadMs = deps.minRereadMs ?? 5_000;
  let cached: { value: string | null; at: number } | null = null;
  let inFlight: Promise<string | null> | null = null;

  // One read at a time: concurrent callers share it. A failed read is not cached.
  function read(): Promise<string | null> {
    inFlight ??= deps.readSecret().then(
      (value) => {
        cached = { value, at: deps.now() };
        inFlight = null;
        return value;
      },
      (e: unknown) => {
        inFlight = null;
        throw e;
      },
    );
    return inFlight;
  }

  function age(): number {
    return cached ? deps.now() - cached.at : Infinity;
  }

  /** The secret as cached; a missing one is looked for again as often as a mismatch allows. */
  async function current(): Promise<string | null> {
    if (inFlight) return await inFlight;
    if (cached && age() < (cached.value === null ? minRereadMs : cacheMs)) return cached.value;
    return await read();
  }

  /** The secret may have just been rotated: read again, unless read within minRereadMs. */
  async function reread(): Promise<string | null> {
    if (inFlight) return await inFlight;
    if (cached && age() < minRereadMs) return cached.value;
    return await read();
  }

  async function matches(presented: string, secret: string | null): Promise<boolean> {
    return secret !== null && await timingSafeEqual(presented, secret);
  }

  return async (req: Request) => {
    const presented = req.headers.get(WORKER_SECRET_HEADER);
    if (!presented) throw new AuthError(`Missing ${WORKER_SECRET_HEADER} header`);
    if (await matches(presented, await current())) return;
    const secret = await reread();
    if (secret === null) {
      throw new ConfigError("The Vault secret switchboard_worker_secret is not set");
    }
    if (!(await matches(presented, secret))) throw new AuthError("Invalid worker secret");
  };
}

/** Reads the worker secret from Vault through the database. */
export function vaultWorkerSecret(sql: Sql): () => Promise<string | null> {
  return async () => {
    const rows = await sql<
      { secret: string | null }[]
    >`select switchboard.read_secret('switchboard_worker_secret') as secret`;
    return rows[0]?.secret ?? null;
  };
}
