/**
 * The local gateway (port 54321): what Supabase's API gateway, edge runtime, pg_net worker and
 * Storage API do for a project, in one Deno process.
 *
 *   /functions/v1/<name>   supabase/functions/<name>/index.ts, unchanged (functions.ts)
 *   /storage/v1/…          the Storage API subset supabase-js uses (storage.ts)
 *   /_gateway/health       the gateway's own liveness and dispatcher counters
 *   pg_net                 delivers net.http_* requests after commit (pg_net_dispatcher.ts)
 */
import { JWT_SECRET, PROJECT_ROOT, SECRET_KEY } from "../config.ts";
import { createFunctionsGateway, type EdgeRuntimeLimits } from "./functions.ts";
import { EDGE_RUNTIME_ENV, edgeRuntimeEnv, readDotenv } from "./launch.ts";
import { startDispatcher } from "./pg_net_dispatcher.ts";
import { createStorageHandler } from "./storage.ts";

function log(line: Record<string, unknown>): void {
  // deno-lint-ignore no-console
  console.log(JSON.stringify({ ts: new Date().toISOString(), component: "gateway", ...line }));
}

function required(name: string): string {
  const v = Deno.env.get(name);
  if (!v) throw new Error(`Missing environment variable ${name}`);
  return v;
}

const port = Number(required("SWITCHBOARD_GATEWAY_PORT"));
const dbUrl = required("SWITCHBOARD_GATEWAY_DB_URL");
const storageDir = required("SWITCHBOARD_STORAGE_DIR");
const publicUrl = `http://127.0.0.1:${port}`;

/** A positive number from the environment (seconds or percent), or undefined when unset. */
function positive(name: string, max = Infinity): number | undefined {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === "") return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || v > max) throw new Error(`${name} must be in (0, ${max}]`);
  return v;
}
const limits: Partial<EdgeRuntimeLimits> = {};
for (
  const [key, name, scale, max] of [
    ["wallClockMs", EDGE_RUNTIME_ENV.wallClockSeconds, 1000, Infinity],
    ["beforeunloadPct", EDGE_RUNTIME_ENV.beforeunloadPct, 1, 99],
    ["idleTimeoutMs", EDGE_RUNTIME_ENV.idleTimeoutSeconds, 1000, Infinity],
    ["requestTimeoutMs", EDGE_RUNTIME_ENV.requestTimeoutSeconds, 1000, Infinity],
  ] as const
) {
  const v = positive(name, max);
  if (v !== undefined) limits[key] = v * scale;
}

// Function secrets: the platform's generated defaults, then supabase/functions/.env (later wins).
// Test gateways skip the developer's .env, so tests never depend on it.
const envFiles = [
  ...(Deno.env.get("SWITCHBOARD_FUNCTIONS_ENV_FILES") ?? "").split(":").filter(Boolean),
  ...(Deno.env.get("SWITCHBOARD_SKIP_USER_DOTENV") === "1"
    ? []
    : [`${PROJECT_ROOT}/supabase/functions/.env`]),
];
const dotenv = Object.assign({}, ...await Promise.all(envFiles.map(readDotenv)));
const functions = await createFunctionsGateway({
  functionsDir: Deno.env.get("SWITCHBOARD_FUNCTIONS_DIR") || `${PROJECT_ROOT}/supabase/functions`,
  configTomlPath: `${PROJECT_ROOT}/supabase/config.toml`,
  denoConfigPath: `${PROJECT_ROOT}/deno.json`,
  denoPath: Deno.execPath(),
  jwtSecret: JWT_SECRET,
  env: {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
    ...dotenv,
    // The runtime's own variables win over .env, as on Supabase (SUPABASE_* names are reserved).
    ...edgeRuntimeEnv(port, dbUrl),
  },
  ...limits,
  log,
});
const storage = createStorageHandler({
  root: storageDir,
  jwtSecret: JWT_SECRET,
  secretKeys: [SECRET_KEY],
  publicUrl,
});
const dispatcher = await startDispatcher({ dbUrl, log });

const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
  const { pathname } = new URL(req.url);
  const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(pathname);
  if (fn) return await functions.handle(req, fn[1]!, fn[2] ?? "");
  if (pathname.startsWith("/storage/v1/")) return await storage(req);
  if (pathname === "/_gateway/health") {
    const stats = dispatcher.stats();
    return Response.json({ ok: stats.listening, pg_net_dispatcher: stats }, {
      status: stats.listening ? 200 : 503,
    });
  }
  return Response.json({ message: "no route matched" }, { status: 404 });
});
log({ msg: "gateway listening", port, ...limits });

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  log({ msg: "gateway stopping" });
  await functions.close();
  await dispatcher.close();
  await server.shutdown();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
