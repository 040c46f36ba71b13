/**
 * The Postgres client for edge functions, on SUPABASE_DB_URL. No prepared statements, so the
 * same code works through Supavisor's transaction pooler (port 6543), which does not support them.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

export function createDb(url: string, applicationName: string, max = 4): Sql {
  return postgres(url, {
    max,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
}
