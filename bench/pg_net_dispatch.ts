/**
 * pg_net delivery on the local platform: how many committed `net.http_post` requests per second
 * the dispatcher delivers, and how long each takes from the committing statement to its
 * arrival at the target. pg_net's design rate is 200 requests/s.
 *
 * Open-model load: requests are committed on a fixed schedule whether or not earlier ones have
 * arrived, at rising rates, each its own transaction; then a burst of requests committed in one
 * transaction measures the drain rate.
 */
import postgres from "postgres";
import type { ThrowawayPlatform } from "../local/throwaway.ts";

interface Phase {
  offered_rps: number;
  duration_s: number;
  sent: number;
  delivered: number;
  delivered_rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

export interface PgNetDispatchResult {
  benchmark: "pg_net_dispatch";
  target: string;
  phases: Phase[];
  burst: {
    requests: number;
    delivered: number;
    commit_ms: number;
    drain_s: number;
    drain_rps: number;
  };
  sustains_200_rps: boolean;
}

export async function run(
  platform: ThrowawayPlatform,
  opts: { quick?: boolean } = {},
): Promise<PgNetDispatchResult> {
  const arrivals = new Map<number, number>();
  const sink = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json() as { n: number };
    arrivals.set(body.n, performance.now());
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${sink.addr.port}/sink`;
  const sql = postgres(platform.dbUrl, { max: 8, onnotice: () => {} });
  let n = 0;

  async function waitFor(ids: number[], ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline && ids.some((id) => !arrivals.has(id))) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function phase(rate: number, seconds: number): Promise<Phase> {
    const total = Math.round(rate * seconds);
    const started = new Map<number, number>();
    const ids: number[] = [];
    const t0 = performance.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const id = ++n;
      ids.push(id);
      started.set(id, performance.now());
      // postgres.js sends a query only once it is awaited or executed: execute it now.
      inflight.push(
        sql`select net.http_post(${url}, ${sql.json({ n: id })}, timeout_milliseconds => 10000)`
          .execute(),
      );
    }
    await Promise.all(inflight);
    await waitFor(ids, 15_000);
    const latencies = ids.filter((id) => arrivals.has(id))
      .map((id) => arrivals.get(id)! - started.get(id)!).sort((a, b) => a - b);
    const lastArrival = Math.max(...ids.map((id) => arrivals.get(id) ?? 0));
    return {
      offered_rps: rate,
      duration_s: seconds,
      sent: total,
      delivered: latencies.length,
      delivered_rps: round(latencies.length / ((lastArrival - t0) / 1000)),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies.at(-1) ?? NaN),
    };
  }

  async function burst(count: number) {
    const first = n + 1;
    const ids = Array.from({ length: count }, (_, i) => first + i);
    n += count;
    const t0 = performance.now();
    await sql`
      select net.http_post(${url}, jsonb_build_object('n', i), timeout_milliseconds => 10000)
      from generate_series(${first}::int, ${first + count - 1}::int) i`;
    const committed = performance.now();
    await waitFor(ids, 60_000);
    const delivered = ids.filter((id) => arrivals.has(id)).length;
    const last = Math.max(...ids.map((id) => arrivals.get(id) ?? 0));
    return {
      requests: count,
      delivered,
      commit_ms: round(committed - t0),
      drain_s: round((last - committed) / 1000),
      drain_rps: round(delivered / ((last - committed) / 1000)),
    };
  }

  try {
    await phase(50, 1); // warm-up: connections, JIT
    const rates = opts.quick ? [200] : [100, 200, 400, 800];
    const phases: Phase[] = [];
    for (const rate of rates) phases.push(await phase(rate, opts.quick ? 2 : 5));
    const burstResult = await burst(opts.quick ? 1000 : 5000);
    const at200 = phases.find((p) => p.offered_rps === 200)!;
    return {
      benchmark: "pg_net_dispatch",
      target: "sustain >= 200 requests/s (pg_net's design rate) with every request delivered",
      phases,
      burst: burstResult,
      sustains_200_rps: at200.delivered === at200.sent && at200.delivered_rps >= 195,
    };
  } finally {
    await sql.end();
    await sink.shutdown();
  }
}
