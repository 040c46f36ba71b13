/** Small helpers for running commands and keeping background services (pid files, logs). */

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: opts.stdin === undefined ? "null" : "piped",
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export async function runChecked(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) {
    throw new Error(
      `Command "${cmd} ${args.join(" ")}" exited with ${res.code}: ${res.stderr || res.stdout}`,
    );
  }
  return res;
}

/**
 * Creates (or keeps) a log file readable by its owner only (0600) in a directory that only its
 * owner can list (0700), tightening both when they already exist; returns it open for appending.
 * Everything that reads local logs (the CLI, the test runner, a developer) runs as their owner.
 */
export async function createPrivateLog(path: string): Promise<Deno.FsFile> {
  const dir = path.replace(/\/[^/]+$/, "");
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  const file = await Deno.open(path, { create: true, append: true, mode: 0o600 });
  await Deno.chmod(path, 0o600);
  return file;
}

/** Writes a file that holds secrets (generated function env files): owner-only, also if it existed. */
export async function writeSecretFile(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600);
}

/** Starts a detached background process, recording its pid and sending output to a log file. */
export async function startDetached(
  name: string,
  cmd: string,
  args: string[],
  stateDir: string,
  env: Record<string, string> = {},
): Promise<number> {
  const log = `${stateDir}/logs/${name}.log`;
  // Logs can hold what functions print: owner-only (the shell below appends to the file as is).
  (await createPrivateLog(log)).close();
  // setsid detaches it from our process group, so it outlives this CLI invocation.
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", `exec "$0" "$@" >>"${log}" 2>&1 </dev/null`, cmd, ...args],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  await Deno.writeTextFile(`${stateDir}/${name}.pid`, String(child.pid));
  return child.pid;
}

export async function readPid(name: string, stateDir: string): Promise<number | null> {
  try {
    const pid = Number((await Deno.readTextFile(`${stateDir}/${name}.pid`)).trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    Deno.kill(pid, "SIGCONT"); // throws when the process is gone
    return pid;
  } catch {
    return null;
  }
}

export async function stopDetached(name: string, stateDir: string): Promise<boolean> {
  const pid = await readPid(name, stateDir);
  await Deno.remove(`${stateDir}/${name}.pid`).catch(() => {});
  if (pid === null) return false;
  Deno.kill(pid, "SIGTERM");
  for (let i = 0; i < 100; i++) {
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  Deno.kill(pid, "SIGKILL");
  return true;
}

/** A TCP port that was free a moment ago (for services started right after). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
