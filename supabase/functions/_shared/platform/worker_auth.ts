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
}

export function createWorkerAuth(deps: WorkerAuthDeps): (req: Request) => Promise<void> {
  const cacheMs = deps.cacheMs ?? 60_000;
  let cached: { value: string; at: number } | null = null;

  async function secret(): Promise<string> {
    const now = deps.now();
    if (cached && now - cached.at < cacheMs) return cached.value;
    const value = await deps.readSecret();
    if (!value) {
      throw new ConfigError("The Vault secret switchboard_worker_secret is not set");
    }
    cached = { value, at: now };
    return value;
  }

  return async (req: Request) => {
    const presented = req.headers.get(WORKER_SECRET_HEADER);
    if (!presented) throw new AuthError(`Missing ${WORKER_SECRET_HEADER} header`);
    if (!(await timingSafeEqual(presented, await secret()))) {
      // The secret may have just been rotated: read it once more before refusing.
      cached = null;
      if (!(await timingSafeEqual(presented, await secret()))) {
        throw new AuthError("Invalid worker secret");
      }
    }
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
