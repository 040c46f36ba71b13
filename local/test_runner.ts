/**
 * The whole test suite, on a throwaway PostgreSQL cluster that is created for the run and
 * removed after it, so tests never touch a developer's database (pg_cron can only be created in
 * one database per cluster, so the throwaway unit is a cluster, not a database):
 *
 *   1. deno fmt --check, deno lint, deno check              (while the cluster boots)
 *   2. cluster → platform SQL → migrations (Supabase CLI) → a gateway on a free port
 *   3. pgTAP (pg_prove) over supabase/tests/
 *   4. deno test (unit, integration, e2e) with the cluster and gateway URLs in the environment:
 *      every file but tests/pipeline/ with --parallel, then tests/pipeline/ one file at a time
 *      (tests that drive the shared pipeline stages with workers of their own, and the
 *      timing-sensitive engine tests; see tests/support/pipeline.ts)
 *   5. the log scan (T38, local/log_scan.ts): once the gateway and the database have stopped, their
 *      logs must hold no phone number, message text or secret the tests used; every hit is a
 *      failed test (file, line and kind, the value masked)
 *
 * Ends with one line: `tests: N passed, M failed` (deno and pgTAP tests and the log scan together).
 */
import { isAbsolute, relative, resolve } from "node:path";
import { JWT_SECRET, PROJECT_ROOT, SECRET_KEY } from "./config.ts";
import { type Finding, scanFiles, testNeedles } from "./log_scan.ts";
import { run } from "./process.ts";
import { type ThrowawayPlatform, withThrowawayPlatform } from "./throwaway.ts";

function say(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

/** Runs a command with inherited output and returns its exit code. */
async function stream(cmd: string, args: string[], env: Record<string, string> = {}) {
  const child = new Deno.Command(cmd, {
    args,
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let out = "";
  const dec = new TextDecoder();
  for await (const chunk of child.stdout) {
    const text = dec.decode(chunk, { stream: true });
    out += text;
    await Deno.stdout.write(chunk);
  }
  const status = await child.status;
  return { code: status.code, out };
}

async function staticChecks(): Promise<{ name: string; ok: boolean; output: string }[]> {
  const deno = Deno.execPath();
  const checks: [string, string[]][] = [
    ["fmt", ["fmt", "--check"]],
    ["lint", ["lint"]],
    ["check", ["check", "."]],
  ];
  return await Promise.all(checks.map(async ([name, args]) => {
    const res = await run(deno, args, { cwd: PROJECT_ROOT });
    return { name, ok: res.code === 0, output: (res.stdout + res.stderr).trim() };
  }));
}

/** Counts TAP results: `ok N` and `not ok N` lines (pgTAP through pg_prove --verbose). */
export function countTap(output: string): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const line of output.split("\n")) {
    if (/^\s*not ok \d+/.test(line)) failed++;
    else if (/^\s*ok \d+/.test(line)) passed++;
  }
  return { passed, failed };
}

/** Reads deno test's summary line: `ok | 12 passed (3 steps) | 0 failed`. */
export function countDenoTest(output: string): { passed: number; failed: number } | null {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(plain);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
}

/** Tests run one file at a time, after the rest (which runs with --parallel). */
export const SERIAL_DIR = "tests/pipeline";

/** Flags of `deno test` whose value may follow as the next argument. */
const VALUE_FLAGS = new Set(["--filter", "--reporter", "--junit-path", "--seed", "--coverage"]);

export interface DenoTestPlan {
  /** Arguments of the `deno test --parallel` run, or null when it has nothing to run. */
  parallel: string[] | null;
  /** Arguments of the serial run (tests/pipeline/), or null when it has nothing to run. */
  serial: string[] | null;
}

/**
 * Splits `deno task test [flags] [paths]` into the two runs: flags go to both; a path inside
 * tests/pipeline/ to the serial run only; a path that contains it (`tests`, `.`) to the parallel
 * run (which ignores tests/pipeline/) and tests/pipeline/ to the serial run; any other path to
 * the parallel run only. No paths: everything, split the same way. Paths are relative to the
 * project root (deno test runs there).
 */
export function planDenoTest(filters: string[], root: string): DenoTestPlan {
  const flags: string[] = [];
  const parallelPaths: string[] = [];
  const serialPaths: string[] = [];
  let wholeSerial = false;
  const serialDir = resolve(root, SERIAL_DIR);
  for (let i = 0; i < filters.length; i++) {
    const arg = filters[i]!;
    if (arg.startsWith("-")) {
      flags.push(arg);
      if (VALUE_FLAGS.has(arg) && i + 1 < filters.length) flags.push(filters[++i]!);
      continue;
    }
    const abs = resolve(root, arg);
    const fromSerial = relative(serialDir, abs);
    const toSerial = relative(abs, serialDir);
    if (fromSerial === "" || (!fromSerial.startsWith("..") && !isAbsolute(fromSerial))) {
      serialPaths.push(arg); // tests/pipeline or inside it
    } else if (!toSerial.startsWith("..") && !isAbsolute(toSerial)) {
      parallelPaths.push(arg); // contains tests/pipeline: the rest of it runs in parallel
      wholeSerial = true;
    } else {
      parallelPaths.push(arg);
    }
  }
  if (wholeSerial) serialPaths.splice(0, serialPaths.length, SERIAL_DIR);
  const anyPath = parallelPaths.length + serialPaths.length > 0;
  return {
    parallel: anyPath && parallelPaths.length === 0
      ? null
      : ["--parallel", `--ignore=${SERIAL_DIR}`, ...flags, ...parallelPaths],
    serial: anyPath && serialPaths.length === 0
      ? null
      : [...flags, ...(serialPaths.length ? serialPaths : [SERIAL_DIR])],
  };
}

/** T38: scans the throwaway platform's gateway and PostgreSQL logs for the run's test data. */
export async function scanPlatformLogs(
  p: ThrowawayPlatform,
  lines: Record<string, number> = {},
): Promise<Finding[]> {
  const needles = await testNeedles({
    worker_secret: p.workerSecret,
    JWT_SECRET,
    SECRET_KEY,
    ...Object.fromEntries(
      Object.entries(p.functionsEnv).filter(([k]) => /SECRET|KEY|TOKEN|PASSWORD/.test(k)),
    ),
  });
  return await scanFiles(
    [
      { file: "gateway.log", path: p.logs.gateway },
      { file: "postgres server.log", path: p.logs.postgres },
    ],
    needles,
    lines,
  );
}

/** Prints the findings as TAP-like lines; returns how many tests they count as. */
export function reportLogFindings(
  findings: Finding[],
  lines: Record<string, number> = {},
): { passed: number; failed: number } {
  say("\n== log scan (T38: no phone number, message text or secret in the logs) ==");
  const scanned = Object.entries(lines).map(([f, n]) => `${f}: ${n} lines`).join(", ");
  if (findings.length === 0) {
    say(`ok - no phone number, message text or secret of the tests in the logs (${scanned})`);
    return { passed: 1, failed: 0 };
  }
  for (const f of findings) say(`not ok - ${f.file}:${f.line}: ${f.kind} ${f.sample}`);
  return { passed: 0, failed: findings.length };
}

export async function runTests(filters: string[]): Promise<number> {
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  const problems: string[] = [];

  try {
    // Static checks need no database: run them while the throwaway platform boots.
    const checksDone = staticChecks();
    await withThrowawayPlatform("test", async (platform) => {
      for (const c of await checksDone) {
        say(`check ${c.name}: ${c.ok ? "ok" : "FAILED"}`);
        if (!c.ok) {
          say(c.output);
          problems.push(`deno ${c.name}`);
        }
      }
      const port = new URL(platform.dbUrl).port;

      say("\n== pgTAP (supabase/tests) ==");
      const pgtap = await stream("pg_prove", [
        "--verbose",
        "--ext",
        ".sql",
        "-r",
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-U",
        "postgres",
        "-d",
        "postgres",
        "supabase/tests",
      ], { PGPASSWORD: "postgres", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" });
      const tap = countTap(pgtap.out);
      passed += tap.passed;
      failed += tap.failed;
      if (pgtap.code !== 0) problems.push("pgTAP");

      const env = {
        ...Deno.env.toObject(),
        SWITCHBOARD_TEST_DB_URL: platform.dbUrl,
        SWITCHBOARD_TEST_GATEWAY_URL: platform.gatewayUrl,
        SWITCHBOARD_TEST_WORKER_SECRET: platform.workerSecret,
        SWITCHBOARD_TEST_FUNCTIONS_ENV: JSON.stringify(platform.functionsEnv),
        NO_COLOR: "1",
      };
      const plan = planDenoTest(filters, PROJECT_ROOT);
      const runs: [string, string[] | null][] = [
        ["deno test (parallel)", plan.parallel],
        [`deno test (${SERIAL_DIR}, one file at a time)`, plan.serial],
      ];
      for (const [name, args] of runs) {
        if (args === null) continue;
        say(`\n== ${name} ==`);
        const denoTest = await stream(Deno.execPath(), ["test", "-A", ...args], env);
        const counts = countDenoTest(denoTest.out);
        if (counts) {
          passed += counts.passed;
          failed += counts.failed;
        }
        if (denoTest.code !== 0 || !counts) problems.push(name);
      }
    }, {
      afterStop: async (platform) => {
        const lines: Record<string, number> = {};
        const scan = reportLogFindings(await scanPlatformLogs(platform, lines), lines);
        passed += scan.passed;
        failed += scan.failed;
        if (scan.failed) problems.push("log scan");
      },
    });
  } catch (e) {
    problems.push(`setup: ${e instanceof Error ? e.message : String(e)}`);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length) say(`\nfailed steps: ${problems.join(", ")}`);
  say(`test run took ${seconds}s`);
  say(`tests: ${passed} passed, ${failed} failed`);
  return problems.length === 0 && failed === 0 ? 0 : 1;
}
