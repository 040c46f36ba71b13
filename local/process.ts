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

/** Starts a detached background process, recording its pid and sending output to a log file. */
export async function startDetached(
  name: string,
  cmd: string,
  args: string[],
  stateDir: string,
  env: Record<string, string> = {},
): Promise<number> {
  await Deno.mkdir(`${stateDir}/logs`, { recursive: true });
  const log = `${stateDir}/logs/${name}.log`;
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
