/**
 * A throwaway local platform for one run of the tests or the benchmarks: its own PostgreSQL
 * cluster on a free port (pg_cron can only live in one database per cluster, so the throwaway
 * unit is a cluster), the platform SQL, the migrations, and a gateway on a free port. Removed
 * afterwards, whatever happens, so a developer's database is never touched.
 */
import { PROJECT_ROOT, STATE_DIR } from "./config.ts";
import { connect, provision } from "./database.ts";
import { spawnGateway } from "./gateway/launch.ts";
import { clusterDirFor, destroyCluster, startCluster } from "./postgres.ts";
import { freePort } from "./process.ts";

export interface ThrowawayPlatform {
  dbUrl: string;
  gatewayUrl: string;
  workerSecret: string;
  /** The function secrets the throwaway gateway runs with (tests sign webhooks with them). */
  functionsEnv: Record<string, string>;
}

function randomBase64(bytes: number): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
}

/** Runs `fn` against a fresh platform, then removes it. */
export async function withThrowawayPlatform<T>(
  name: string,
  fn: (p: ThrowawayPlatform) => Promise<T>,
): Promise<T> {
  const root = `${STATE_DIR}/${name}-${Deno.pid}`;
  await Deno.mkdir(root, { recursive: true });
  const dataDir = await clusterDirFor(`${root}/db`);
  const cluster = {
    dataDir,
    port: freePort(),
    // Durability is pointless for a cluster that is deleted after the run.
    extraConf: ["fsync = off", "synchronous_commit = off", "full_page_writes = off"],
  };
  const dbUrl = `postgresql://postgres:postgres@127.0.0.1:${cluster.port}/postgres`;
  const gatewayPort = freePort();
  const workerSecret = crypto.randomUUID();
  let gateway: { url: string; close: () => Promise<void> } | null = null;
  try {
    await startCluster(cluster);
    await provision(dbUrl, { functionsUrl: `http://127.0.0.1:${gatewayPort}`, workerSecret });
    const sql = connect(dbUrl);
    try {
      await sql.file(`${PROJECT_ROOT}/local/sql/test_helpers.sql`);
      await sql`create extension if not exists pgtap with schema extensions`;
      await sql`create extension if not exists dblink with schema extensions`;
      const peer =
        `host=127.0.0.1 port=${cluster.port} dbname=postgres user=postgres password=postgres`;
      await sql.unsafe(`alter database postgres set switchboard.peer_dsn = '${peer}'`);
    } finally {
      await sql.end();
    }
    const functionsEnv: Record<string, string> = {
      OPENPHONE_WEBHOOK_SECRETS: `whsec_${randomBase64(24)}`,
      OPENPHONE_LEGACY_WEBHOOK_KEYS: randomBase64(32),
      LOG_LEVEL: "warn",
    };
    const envFile = `${root}/functions.env`;
    await Deno.writeTextFile(
      envFile,
      Object.entries(functionsEnv).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
    );
    gateway = await spawnGateway({
      port: gatewayPort,
      dbUrl,
      storageDir: `${root}/storage`,
      envFiles: [envFile],
      skipUserDotenv: true,
    });
    return await fn({ dbUrl, gatewayUrl: gateway.url, workerSecret, functionsEnv });
  } finally {
    await gateway?.close().catch(() => {});
    await destroyCluster(cluster).catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
    if (!dataDir.startsWith(root)) {
      await Deno.remove(dataDir.replace(/\/db$/, ""), { recursive: true }).catch(() => {});
    }
  }
}
