/**
 * A throwaway local platform for one run of the tests or the benchmarks: its own PostgreSQL
 * cluster on a free port (pg_cron can only live in one database per cluster, so the throwaway
 * unit is a cluster), the platform SQL, the migrations, and a gateway on a free port. Removed
 * afterwards, whatever happens, so a developer's database is never touched.
 */
import { PROJECT_ROOT, STATE_DIR } from "./config.ts";
import { connect, provision } from "./database.ts";
import { gatewayEnv, type GatewaySettings, waitForGateway } from "./gateway/launch.ts";
import { clusterDirFor, destroyCluster, startCluster, stopCluster } from "./postgres.ts";
import { createPrivateLog, freePort, writeSecretFile } from "./process.ts";

export interface ThrowawayPlatform {
  dbUrl: string;
  gatewayUrl: string;
  workerSecret: string;
  /** The function secrets the throwaway gateway runs with (tests sign webhooks with them). */
  functionsEnv: Record<string, string>;
  /** Its logs (owner-only files): the gateway's (with every function's output) and PostgreSQL's. */
  logs: { gateway: string; postgres: string };
}

export interface ThrowawayOptions {
  /**
   * Runs after the gateway and the database have stopped (their logs are complete) and before
   * anything is removed: the test runner scans the logs here (T38).
   */
  afterStop?: (p: ThrowawayPlatform) => Promise<void>;
}

/**
 * A gateway child process whose output (its own, the pg_net dispatcher's and every function's)
 * goes to an owner-only log file and, as before, to our stderr (a benchmark's stdout stays pure
 * JSON). Started like launch.ts's spawnGateway, which has no log file.
 */
async function spawnLoggedGateway(
  s: GatewaySettings,
  logPath: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const log = await createPrivateLog(logPath);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/local/gateway/main.ts`],
    env: gatewayEnv(s),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // One writer at a time, so stdout and stderr chunks never interleave inside a write.
  let queue = Promise.resolve();
  const write = (chunk: Uint8Array) => {
    queue = queue.then(async () => {
      await log.write(chunk).catch(() => {});
      await Deno.stderr.write(chunk).catch(() => {});
    });
    return queue;
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) await write(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  const finish = async () => {
    await child.status;
    await pumps;
    await queue;
    log.close();
  };
  const url = `http://127.0.0.1:${s.port}`;
  try {
    await waitForGateway(url);
  } catch (e) {
    child.kill("SIGKILL");
    await finish();
    throw e;
  }
  return {
    url,
    close: async () => {
      child.kill("SIGTERM");
      await finish();
    },
  };
}

function randomBase64(bytes: number): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
}

/** Runs `fn` against a fresh platform, then removes it. */
export async function withThrowawayPlatform<T>(
  name: string,
  fn: (p: ThrowawayPlatform) => Promise<T>,
  opts: ThrowawayOptions = {},
): Promise<T> {
  const root = `${STATE_DIR}/${name}-${Deno.pid}`;
  await Deno.mkdir(root, { recursive: true });
  const dataDir = await clusterDirFor(`${root}/db`);
  // pg_ctl writes PostgreSQL's log inside PGDATA (mode 0700, owned by the server's OS user).
  const logs = { gateway: `${root}/logs/gateway.log`, postgres: `${dataDir}/server.log` };
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
  let platform: ThrowawayPlatform | null = null;
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
      // What production logs by default (info), so the log scan (T38) sees what Supabase would keep.
      LOG_LEVEL: "info",
    };
    const envFile = `${root}/functions.env`;
    await writeSecretFile(
      envFile,
      Object.entries(functionsEnv).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
    );
    gateway = await spawnLoggedGateway({
      port: gatewayPort,
      dbUrl,
      storageDir: `${root}/storage`,
      envFiles: [envFile],
      skipUserDotenv: true,
    }, logs.gateway);
    platform = { dbUrl, gatewayUrl: gateway.url, workerSecret, functionsEnv, logs };
    return await fn(platform);
  } finally {
    await gateway?.close().catch(() => {});
    try {
      if (opts.afterStop && platform) {
        await stopCluster(cluster).catch(() => {});
        await opts.afterStop(platform);
      }
    } finally {
      await destroyCluster(cluster).catch(() => {});
      await Deno.remove(root, { recursive: true }).catch(() => {});
      if (!dataDir.startsWith(root)) {
        await Deno.remove(dataDir.replace(/\/db$/, ""), { recursive: true }).catch(() => {});
      }
    }
  }
}
