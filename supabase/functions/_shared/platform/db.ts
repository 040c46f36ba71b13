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
}

export function createDb(url: string, applicationName: string, max = 4, opts: DbOptions = {}): Sql {
  return postgres(url, {
    max,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: opts.connectTimeoutSeconds ?? 10,
    onnotice: () => {},
    connection: {
      application_name: applicationName,
      ...(opts.statementTimeoutMs === undefined
        ? {}
        : { statement_timeout: Math.max(1, Math.round(opts.statementTimeoutMs)) }),
    },
  });
}
