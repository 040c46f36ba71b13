/**
 * The recording copy (call_store_recording): a 200 MB recording streamed from a media URL into
 * Storage (TUS, 6 MiB chunks) with SHA-256 and byte counting on the way. Measures the copying
 * process's peak memory growth (VmHWM after the copy minus VmRSS before it, in a subprocess of
 * its own with the peak reset through /proc/self/clear_refs) and the throughput. Target: growth
 * under 32 MB.
 *
 * The media host (the sandbox's streamed WAV audio) and the local Storage API run in this
 * process; only the copy runs in the child. `deno run -A bench/recording_copy.ts [--quick]`
 * prints the JSON alone; `run()` is what the bench runner calls.
 */
import { audioResponse, audioSize } from "../sandbox/core/audio.ts";
import { JWT_SECRET, SECRET_KEY } from "../local/config.ts";
import { createStorageHandler } from "../local/gateway/storage.ts";

const MB = 1_000_000;
const BYTES_PER_SECOND = 16_000; // the sandbox's WAV: 8 kHz, 16-bit mono

export interface RecordingCopyResult {
  benchmark: "recording_copy";
  file_bytes: number;
  method: string;
  chunks: number;
  seconds: number;
  throughput_mb_s: number;
  rss_before_mb: number;
  peak_rss_mb: number;
  peak_growth_mb: number;
  target_growth_mb: number;
  within_target: boolean;
  sha256_matches: boolean;
}

function status(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
    Deno.readTextFileSync("/proc/self/status"),
  );
  return Number(m?.[1] ?? NaN) * 1024;
}

/** The child: one warm-up copy, then the measured one. */
async function child(sourceUrl: string, storageUrl: string): Promise<void> {
  const { copyMedia } = await import("../supabase/functions/call-store-recording/handler.ts");
  const { createStorageClient } = await import(
    "../supabase/functions/_shared/adapters/storage/client.ts"
  );
  const { createLogger } = await import("../supabase/functions/_shared/platform/log.ts");
  const log = createLogger({}, { write: () => {} });
  const deps = {
    sources: { fetch, now: Date.now, log, openphone: null, drive: null },
    storage: createStorageClient({
      baseUrl: storageUrl,
      key: SECRET_KEY,
      fetch,
      now: Date.now,
      log,
    }),
    bucket: "bench",
    maxBytes: 2_000 * MB,
    copyTimeoutMs: 600_000,
    record: () => Promise.resolve(),
  };
  await deps.storage.ensureBucket("bench");
  const ref = (url: string, key: string) => ({
    kind: "recording" as const,
    key,
    source: "openphone" as const,
    url,
    driveFileId: null,
    type: "audio/wav",
    size: null,
    durationSec: null,
    status: "completed",
  });
  const ctx = { signal: new AbortController().signal, log };
  await copyMedia(deps, { id: 1, externalId: null }, ref(`${sourceUrl}?warm=1`, "warm"), ctx);
  // deno-lint-ignore no-explicit-any
  (globalThis as any).gc?.();
  const before = status("VmRSS");
  try {
    await Deno.writeTextFile("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
  } catch { /* not permitted: VmHWM then includes the warm-up */ }
  const started = performance.now();
  const stored = await copyMedia(deps, { id: 2, externalId: null }, ref(sourceUrl, "big"), ctx);
  const seconds = (performance.now() - started) / 1000;
  const peak = status("VmHWM");
  // deno-lint-ignore no-console
  console.log(JSON.stringify({
    bytes: stored.bytes,
    sha256: stored.sha256,
    method: stored.upload.method,
    chunks: stored.upload.chunks,
    seconds,
    before,
    peak,
  }));
}

export async function run(
  _platform?: unknown,
  opts: { quick?: boolean } = {},
): Promise<RecordingCopyResult> {
  const fileBytes = (opts.quick ? 40 : 200) * MB;
  const spec = { durationSec: Math.ceil(fileBytes / BYTES_PER_SECOND), script: [] };
  const total = audioSize(spec);
  const source = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req) =>
      new URL(req.url).searchParams.has("warm")
        ? audioResponse(req, { durationSec: 900, script: [] }) // 14 MB: TUS too
        : audioResponse(req, spec),
  );
  const root = await Deno.makeTempDir({ prefix: "bench-recording-" });
  let storage: (req: Request) => Promise<Response> = () => Promise.resolve(new Response(null));
  const storageServer = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (r) => storage(r),
  );
  const storageUrl = `http://127.0.0.1:${storageServer.addr.port}`;
  storage = createStorageHandler({
    root,
    jwtSecret: JWT_SECRET,
    secretKeys: [SECRET_KEY],
    publicUrl: storageUrl,
    fileSizeLimit: 2_000 * MB,
  });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        new URL(import.meta.url).pathname,
        "--child",
        `http://127.0.0.1:${source.addr.port}/audio.wav`,
        storageUrl,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error("the copy subprocess failed");
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
    // The stored object's digest, recomputed from disk by reading it back through Storage.
    const res = await fetch(`${storageUrl}/storage/v1/object/bench/calls/2/recording-big.wav`, {
      headers: { authorization: `Bearer ${SECRET_KEY}` },
    });
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256");
    for await (const chunk of res.body!) hash.update(chunk);
    const growth = (r.peak - r.before) / MB;
    return {
      benchmark: "recording_copy",
      file_bytes: total,
      method: r.method,
      chunks: r.chunks,
      seconds: Math.round(r.seconds * 100) / 100,
      throughput_mb_s: Math.round((r.bytes / MB / r.seconds) * 10) / 10,
      rss_before_mb: Math.round(r.before / MB * 10) / 10,
      peak_rss_mb: Math.round(r.peak / MB * 10) / 10,
      peak_growth_mb: Math.round(growth * 10) / 10,
      target_growth_mb: 32,
      within_target: growth < 32,
      sha256_matches: hash.digest("hex") === r.sha256 && r.bytes === total,
    };
  } finally {
    await source.shutdown();
    await storageServer.shutdown();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--child");
  if (i >= 0) await child(Deno.args[i + 1]!, Deno.args[i + 2]!);
  else {
    // deno-lint-ignore no-console
    console.log(
      JSON.stringify(await run(undefined, { quick: Deno.args.includes("--quick") }), null, 2),
    );
  }
}
