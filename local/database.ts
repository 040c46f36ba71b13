/**
 * Brings a database up to what a Supabase project's database offers, then applies the project's
 * migrations with the real Supabase CLI.
 *
 * 1. `local/sql/supabase_platform.sql`: the roles and schemas every Supabase database has, and
 *    pg_cron in pg_catalog, where Supabase puts it.
 * 2. pgmq, pg_net and Vault: the real extension when this PostgreSQL has it, otherwise the
 *    compatible SQL in `local/sql/` (same names, signatures and semantics).
 * 3. `supabase migration up` against the database URL.
 * 4. The two Vault secrets the wake-up machinery reads (functions URL, worker secret).
 */
import postgres from "postgres";
import { PROJECT_ROOT } from "./config.ts";
import { runChecked } from "./process.ts";

const SQL_DIR = `${PROJECT_ROOT}/local/sql`;

/** Real extension name → compat file used when it is not available. */
const COMPAT = [
  { extension: "pgmq", file: "pgmq.sql", schema: "pgmq" },
  { extension: "pg_net", file: "pg_net.sql", schema: "net" },
  { extension: "supabase_vault", file: "vault.sql", schema: "vault" },
] as const;

export interface ProvisionReport {
  /** extension → "extension" | "compat" */
  implementations: Record<string, "extension" | "compat">;
  migrations: string;
}

export function connect(url: string, max = 1): postgres.Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: "switchboard-cli" },
  });
}

export async function installPlatform(
  url: string,
): Promise<Record<string, "extension" | "compat">> {
  const sql = connect(url);
  try {
    await sql.file(`${SQL_DIR}/supabase_platform.sql`);
    // Supabase creates pg_cron in pg_catalog (supautils forces it). Doing the same here, before
    // the migrations, keeps the migration that moves a pg_cron found in `public` from dropping
    // and re-creating it under a running scheduler: pg_cron 1.4's scheduler then never picks up
    // the jobs created afterwards until PostgreSQL restarts.
    await sql`create extension if not exists pg_cron with schema pg_catalog`;
    const implementations: Record<string, "extension" | "compat"> = {};
    for (const c of COMPAT) {
      const [available] = await sql`
        select exists (select 1 from pg_catalog.pg_available_extensions where name = ${c.extension}) as ok`;
      if (available?.ok) {
        await sql.unsafe(`create extension if not exists ${c.extension} cascade`);
        implementations[c.extension] = "extension";
      } else {
        await sql.file(`${SQL_DIR}/${c.file}`);
        implementations[c.extension] = "compat";
      }
    }
    return implementations;
  } finally {
    await sql.end();
  }
}

/** `supabase migration up` with the real CLI, against a database URL (no Docker involved). */
export async function applyMigrations(url: string): Promise<string> {
  const res = await runChecked("supabase", [
    "migration",
    "up",
    `--remote=${url}`,
    "--yes",
    "--workdir",
    PROJECT_ROOT,
  ], { cwd: PROJECT_ROOT, env: { ...Deno.env.toObject(), SUPABASE_YES: "1" } });
  return (res.stdout + res.stderr).trim();
}

/** Stores (or rotates) the secrets the wake-up machinery reads from Vault. */
export async function configureWakeups(
  url: string,
  functionsUrl: string,
  workerSecret: string,
): Promise<void> {
  const sql = connect(url);
  try {
    await sql`select switchboard.set_secret('switchboard_functions_url', ${functionsUrl})`;
    await sql`select switchboard.set_secret('switchboard_worker_secret', ${workerSecret})`;
  } finally {
    await sql.end();
  }
}

export async function provision(
  url: string,
  wake: { functionsUrl: string; workerSecret: string },
): Promise<ProvisionReport> {
  const implementations = await installPlatform(url);
  const migrations = await applyMigrations(url);
  await configureWakeups(url, wake.functionsUrl, wake.workerSecret);
  return { implementations, migrations };
}
