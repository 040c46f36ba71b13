/**
 * The Postgres client for edge functions, on SUPABASE_DB_URL. No prepared statements, so the
 * same code works through Supavisor's transaction pooler (port 6543), which does not support them.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

export interface DbOptions {
  /**
   * Seconds to wait for a connection before the query fails (postgres.js `connect_timeout`).
   * Default 10. Request handlers that must answer quickly while the database is unreachable
   * set it lower.
   */
  connectTimeoutSeconds?: number;
  /**
   * `statement_timeout` for every statement on these connections, in milliseconds, sent as a
   * startup parameter (direct connections and the session pooler honour it; a transaction
   * pooler may not, so callers that need a hard bound also bound the call itself). Default:
   * the role's setting.
   */
  statementTimeoutMs?: number;
  /**
   * The longest pause between reconnection attempts, in seconds. postgres.js backs off
   * exponentially up to 20 s while the database is unreachable, and queries queue behind that
   * pause: after a restart a handler would keep failing for up to 20 s. Default: postgres.js's.
   */
  maxReconnectDelaySeconds?: number;
}

/** postgres.js's own backoff: (0.5–1) × min(3^retries / 100, 20) seconds. */
function backoff(retries: number, cap: number): number {
  return Math.min((0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 20), cap);
}

export function createDb(url: string, applicationName: string, max = 4, opts: DbOptions = {}): Sql {
  return postgres(url, {
    max,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: opts.connectTimeoutSeconds ?? 10,
    ...(opts.maxReconnectDelaySeconds === undefined ? {} : {
      backoff: (retries: number) => backoff(retries, opts.maxReconnectDelaySeconds!),
    }),
    onnotice: () => {},
    connection: {
      application_name: applicationName,
      ...(opts.statementTimeoutMs === undefined
        ? {}
        : { statement_timeout: Math.max(1, Math.round(opts.statementTimeoutMs)) }),
    },
  });
}
