/**
 * The local platform's command line: `deno run -A local/cli.ts <command>`.
 *
 *   start      database on 54322 (migrated), gateway on 54321; prints where everything is
 *   stop       stops the gateway and the database
 *   status     what is running
 *   db:reset   destroys the local database and storage and starts again from the migrations
 *   test       the whole test suite on a throwaway cluster (see local/test_runner.ts)
 *   bench      the benchmarks in bench/ (JSON on stdout)
 */
import { DB_PORT, dbUrl, GATEWAY_PORT, PROJECT_ROOT, SANDBOX_PORT, STATE_DIR } from "./config.ts";
import { connect, provision } from "./database.ts";
import { clusterDirFor, destroyCluster, isRunning, startCluster, stopCluster } from "./postgres.ts";
import { readPid, startDetached, stopDetached } from "./process.ts";
import { runTests } from "./test_runner.ts";
import { gatewayEnv, waitForGateway, waitForHttp } from "./gateway/launch.ts";

async function devCluster() {
  return { dataDir: await clusterDirFor(`${STATE_DIR}/db`), port: DB_PORT };
}

async function workerSecret(): Promise<string> {
  const path = `${STATE_DIR}/worker_secret`;
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    const secret = Array.from(
      crypto.getRandomValues(new Uint8Array(24)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    await Deno.mkdir(STATE_DIR, { recursive: true });
    await Deno.writeTextFile(path, secret + "\n", { mode: 0o600 });
    return secret;
  }
}

function say(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

async function start(): Promise<void> {
  const cluster = await devCluster();
  await startCluster(cluster);
  say(`database   ${dbUrl()}  (data: ${cluster.dataDir})`);
  const secret = await workerSecret();
  const functionsUrl = `http://127.0.0.1:${GATEWAY_PORT}`;
  const report = await provision(dbUrl(), { functionsUrl, workerSecret: secret });
  say(
    `platform   ${Object.entries(report.implementations).map(([k, v]) => `${k}=${v}`).join(" ")}`,
  );
  if (await readPid("sandbox", STATE_DIR) === null) {
    await startDetached(
      "sandbox",
      Deno.execPath(),
      ["run", "-A", `${PROJECT_ROOT}/sandbox/main.ts`],
      STATE_DIR,
      {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? "/root",
        SANDBOX_PORT: String(SANDBOX_PORT),
      },
    );
  }
  await waitForHttp(`http://127.0.0.1:${SANDBOX_PORT}/_control/faults`);
  say(
    `sandbox    http://127.0.0.1:${SANDBOX_PORT}  (vendor fakes; log: ${STATE_DIR}/logs/sandbox.log)`,
  );
  if (await readPid("gateway", STATE_DIR) === null) {
    await startDetached(
      "gateway",
      Deno.execPath(),
      ["run", "-A", `${PROJECT_ROOT}/local/gateway/main.ts`],
      STATE_DIR,
      gatewayEnv({
        port: GATEWAY_PORT,
        dbUrl: dbUrl(),
        storageDir: `${STATE_DIR}/storage`,
      }),
    );
  }
  await waitForGateway(`http://127.0.0.1:${GATEWAY_PORT}`);
  // Wake every stage that has work queued from before this start (what pg_cron's sweep does).
  const sql = connect(dbUrl());
  await sql`select switchboard.sweep()`.finally(() => sql.end());
  say(`gateway    http://127.0.0.1:${GATEWAY_PORT}  (log: ${STATE_DIR}/logs/gateway.log)`);
  const health = await fetch(`http://127.0.0.1:${GATEWAY_PORT}/functions/v1/health`);
  say(`health     ${health.status} ${await health.text()}`);
}

async function stop(): Promise<void> {
  const stopped = await stopDetached("gateway", STATE_DIR);
  say(`gateway    ${stopped ? "stopped" : "was not running"}`);
  const sandboxStopped = await stopDetached("sandbox", STATE_DIR);
  say(`sandbox    ${sandboxStopped ? "stopped" : "was not running"}`);
  const cluster = await devCluster();
  const was = await isRunning(cluster);
  await stopCluster(cluster);
  say(`database   ${was ? "stopped" : "was not running"}`);
}

async function status(): Promise<boolean> {
  const cluster = await devCluster();
  const db = await isRunning(cluster);
  const gw = await readPid("gateway", STATE_DIR);
  const sb = await readPid("sandbox", STATE_DIR);
  say(`database   ${db ? `running on ${DB_PORT}` : "stopped"}`);
  say(`sandbox    ${sb ? `running on ${SANDBOX_PORT} (pid ${sb})` : "stopped"}`);
  say(`gateway    ${gw ? `running on ${GATEWAY_PORT} (pid ${gw})` : "stopped"}`);
  if (gw) {
    const res = await fetch(`http://127.0.0.1:${GATEWAY_PORT}/functions/v1/health`).catch(() =>
      null
    );
    say(`health     ${res ? `${res.status} ${await res.text()}` : "unreachable"}`);
  }
  return db && gw !== null && sb !== null;
}

async function dbReset(): Promise<void> {
  await stopDetached("gateway", STATE_DIR);
  await stopDetached("sandbox", STATE_DIR);
  await destroyCluster(await devCluster());
  await Deno.remove(`${STATE_DIR}/storage`, { recursive: true }).catch(() => {});
  say("database   destroyed; starting from the migrations");
  await start();
}

const command = Deno.args[0] ?? "";
switch (command) {
  case "start":
    await start();
    break;
  case "stop":
    await stop();
    break;
  case "status":
    Deno.exit((await status()) ? 0 : 1);
    break;
  case "db:reset":
    await dbReset();
    break;
  case "test":
    Deno.exit(await runTests(Deno.args.slice(1)));
    break;
  case "bench": {
    const { runBenchmarks } = await import("./bench_runner.ts");
    Deno.exit(await runBenchmarks(Deno.args.slice(1)));
    break;
  }
  default:
    say("usage: local/cli.ts start | stop | status | db:reset | test | bench");
    Deno.exit(2);
}
