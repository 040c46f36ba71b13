/**
 * A project-local PostgreSQL 15 cluster: initdb, start, stop, status, destroy.
 *
 * Postgres refuses to run as root, so when this runs as root every server-side command runs as
 * the `postgres` OS user (`runuser`). The data directory must then be reachable by that user; a
 * checkout under a private directory (`mktemp -d` is mode 700) is not, so the cluster moves to
 * /var/tmp under a name derived from the checkout path.
 */
import { PG_BIN } from "./config.ts";
import { run, runChecked } from "./process.ts";

export interface Cluster {
  /** PGDATA */
  dataDir: string;
  port: number;
  /** Extra postgresql.conf lines, e.g. fsync=off for throwaway test clusters. */
  extraConf?: string[];
}

const isRoot = Deno.uid() === 0;

function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

/** Picks a directory for PGDATA that the server's OS user can reach. */
export async function clusterDirFor(preferred: string): Promise<string> {
  if (!isRoot) return preferred;
  const parent = preferred.replace(/\/[^/]+$/, "");
  await Deno.mkdir(parent, { recursive: true });
  const probe = await run("runuser", ["-u", "postgres", "--", "test", "-x", parent]);
  if (probe.code === 0) return preferred;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(preferred));
  const tag = Array.from(new Uint8Array(digest).slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  const fallback = `/var/tmp/switchboard-${tag}`;
  await Deno.mkdir(fallback, { recursive: true, mode: 0o755 });
  return `${fallback}/${preferred.replace(/^.*\//, "")}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function confLines(c: Cluster): string[] {
  return [
    "# written by local/postgres.ts; regenerated on every start",
    `port = ${c.port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${c.dataDir}'`,
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    // Background workers: pg_cron needs no libpq connection (and so no password) to run jobs.
    "cron.use_background_workers = on",
    "max_worker_processes = 32",
    "max_connections = 200",
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "logging_collector = off",
    "log_min_messages = warning",
    ...(c.extraConf ?? []),
  ];
}

/** initdb when PGDATA is missing. Superuser `postgres`, password `postgres`, as `supabase start`. */
export async function ensureCluster(c: Cluster): Promise<void> {
  if (await exists(`${c.dataDir}/PG_VERSION`)) return;
  await Deno.mkdir(c.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = `${c.dataDir}.pw`;
  await Deno.writeTextFile(pwfile, "postgres\n");
  if (isRoot) {
    await runChecked("chown", ["-R", "postgres:postgres", c.dataDir, pwfile]);
  }
  try {
    const [cmd, args] = asPostgres(`${PG_BIN}/initdb`, [
      "-D",
      c.dataDir,
      "-U",
      "postgres",
      "--pwfile",
      pwfile,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
    ]);
    await runChecked(cmd, args);
  } finally {
    await Deno.remove(pwfile).catch(() => {});
  }
}

async function writeConf(c: Cluster): Promise<void> {
  const confPath = `${c.dataDir}/switchboard.conf`;
  await Deno.writeTextFile(confPath, confLines(c).join("\n") + "\n");
  const main = `${c.dataDir}/postgresql.conf`;
  const text = await Deno.readTextFile(main);
  if (!text.includes("include_if_exists = 'switchboard.conf'")) {
    await Deno.writeTextFile(main, text + "\ninclude_if_exists = 'switchboard.conf'\n");
  }
  if (isRoot) await runChecked("chown", ["postgres:postgres", confPath, main]);
}

export async function isRunning(c: Cluster): Promise<boolean> {
  if (!(await exists(`${c.dataDir}/PG_VERSION`))) return false;
  const [cmd, args] = asPostgres(`${PG_BIN}/pg_ctl`, ["status", "-D", c.dataDir]);
  return (await run(cmd, args)).code === 0;
}

export async function startCluster(c: Cluster): Promise<void> {
  await ensureCluster(c);
  if (await isRunning(c)) return;
  await writeConf(c);
  const log = `${c.dataDir}/server.log`;
  const [cmd, args] = asPostgres(`${PG_BIN}/pg_ctl`, [
    "start",
    "-D",
    c.dataDir,
    "-l",
    log,
    "-w",
    "-t",
    "60",
  ]);
  const res = await run(cmd, args);
  if (res.code !== 0) {
    const tail = await Deno.readTextFile(log).then((t) => t.slice(-2000)).catch(() => "");
    throw new Error(`PostgreSQL did not start on port ${c.port}: ${res.stderr}\n${tail}`);
  }
}

export async function stopCluster(c: Cluster): Promise<void> {
  if (!(await isRunning(c))) return;
  const [cmd, args] = asPostgres(`${PG_BIN}/pg_ctl`, ["stop", "-D", c.dataDir, "-m", "fast", "-w"]);
  await runChecked(cmd, args);
}

export async function destroyCluster(c: Cluster): Promise<void> {
  await stopCluster(c);
  await Deno.remove(c.dataDir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
