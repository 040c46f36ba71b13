/** How the CLI and the tests start a gateway process and wait for it. */
import {
  ANON_KEY,
  JWT_SECRET,
  PROJECT_ROOT,
  PUBLISHABLE_KEY,
  SECRET_KEY,
  SERVICE_ROLE_KEY,
} from "../config.ts";

export interface GatewaySettings {
  port: number;
  dbUrl: string;
  storageDir: string;
  /** Generated function secrets (the platform's defaults), read before supabase/functions/.env. */
  envFiles?: string[];
  /** Ignore supabase/functions/.env (test gateways). */
  skipUserDotenv?: boolean;
  /** Serve functions from here instead of supabase/functions (tests with fixture functions). */
  functionsDir?: string;
  /** The edge runtime's worker limits (functions.ts); unset ones come from our environment. */
  edgeRuntime?: EdgeRuntimeSettings;
}

/** Worker limits, in the units of their environment variables (EDGE_…). */
export interface EdgeRuntimeSettings {
  /** EDGE_WALL_CLOCK_SECONDS (150): a worker's lifetime; 400 on paid plans. */
  wallClockSeconds?: number;
  /** EDGE_BEFOREUNLOAD_PCT (90): when `beforeunload` fires, in percent of the wall clock. */
  beforeunloadPct?: number;
  /** EDGE_IDLE_TIMEOUT_SECONDS (5): an idle worker (nothing pending) is dropped after this. */
  idleTimeoutSeconds?: number;
  /** EDGE_REQUEST_TIMEOUT_SECONDS (150): no response within this → 504 IDLE_TIMEOUT. */
  requestTimeoutSeconds?: number;
}

export const EDGE_RUNTIME_ENV: Record<keyof EdgeRuntimeSettings, string> = {
  wallClockSeconds: "EDGE_WALL_CLOCK_SECONDS",
  beforeunloadPct: "EDGE_BEFOREUNLOAD_PCT",
  idleTimeoutSeconds: "EDGE_IDLE_TIMEOUT_SECONDS",
  requestTimeoutSeconds: "EDGE_REQUEST_TIMEOUT_SECONDS",
};

function edgeRuntimeVars(s: EdgeRuntimeSettings = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(EDGE_RUNTIME_ENV)) {
    const value = s[key as keyof EdgeRuntimeSettings] ?? Deno.env.get(name);
    if (value !== undefined && value !== "") out[name] = String(value);
  }
  return out;
}

/** The gateway's own environment; it derives the functions' environment from it. */
export function gatewayEnv(s: GatewaySettings): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
    SWITCHBOARD_GATEWAY_PORT: String(s.port),
    SWITCHBOARD_GATEWAY_DB_URL: s.dbUrl,
    SWITCHBOARD_STORAGE_DIR: s.storageDir,
    SWITCHBOARD_FUNCTIONS_ENV_FILES: (s.envFiles ?? []).join(":"),
    ...(s.skipUserDotenv ? { SWITCHBOARD_SKIP_USER_DOTENV: "1" } : {}),
    ...(s.functionsDir ? { SWITCHBOARD_FUNCTIONS_DIR: s.functionsDir } : {}),
    ...edgeRuntimeVars(s.edgeRuntime),
  };
}

/** The variables Supabase's edge runtime sets for every function (local values). */
export function edgeRuntimeEnv(port: number, dbUrl: string): Record<string, string> {
  return {
    SUPABASE_URL: `http://127.0.0.1:${port}`,
    SUPABASE_DB_URL: dbUrl,
    SUPABASE_ANON_KEY: ANON_KEY,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PUBLISHABLE_KEY }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
    SUPABASE_JWT_SECRET: JWT_SECRET,
  };
}

/** Parses a dotenv file (KEY=value, # comments, optional quotes). Missing file → {}. */
export async function readDotenv(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

/** Waits until `url` answers 2xx (services starting in the background). */
export async function waitForHttp(url: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become ready within ${ms} ms`);
}

export async function waitForGateway(baseUrl: string, ms = 30_000): Promise<void> {
  await waitForHttp(`${baseUrl}/_gateway/health`, ms);
}

/**
 * Starts a gateway as a child process (tests, benchmarks). Its log lines go to our stderr, so
 * a benchmark's stdout stays pure JSON.
 */
export async function spawnGateway(
  s: GatewaySettings,
): Promise<{ url: string; close: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/local/gateway/main.ts`],
    env: gatewayEnv(s),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  child.stdout.pipeTo(Deno.stderr.writable, { preventClose: true }).catch(() => {});
  const url = `http://127.0.0.1:${s.port}`;
  try {
    await waitForGateway(url);
  } catch (e) {
    child.kill("SIGKILL");
    await child.status;
    throw e;
  }
  return {
    url,
    close: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
