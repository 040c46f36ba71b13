/**
 * Webhook intake through the local gateway: signed OpenPhone deliveries (2026-03-30
 * call.completed, each a new call) sent on a fixed schedule at rising rates, with a share of
 * exact duplicates (same webhook-id, as provider retries) mixed in. Reports throughput, p50/p99
 * acknowledgement latency per rate, where it saturates, and checks that no row was lost or
 * duplicated.
 */
import postgres from "postgres";
import { signStandard } from "../supabase/functions/_shared/adapters/openphone/webhook_signature.ts";
import { V2026_CALL_COMPLETED } from "../supabase/functions/_shared/adapters/openphone/testdata/samples.ts";
import type { ThrowawayPlatform } from "../local/throwaway.ts";

export interface IntakePhase {
  offered_rps: number;
  sent: number;
  duplicates: number;
  acked_2xx: number;
  errors: number;
  achieved_rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  rows_expected: number;
  rows_found: number;
  inbox_rows: number;
}

export interface IntakeResult {
  benchmark: "webhook_intake";
  target: string;
  phases: IntakePhase[];
  /** The highest offered rate whose p99 stayed under 50 ms with every delivery acknowledged. */
  sustained_rps: number;
  meets_target: boolean;
}

const round = (n: number) => Math.round(n * 10) / 10;
const pct = (s: number[], p: number) =>
  s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;

export async function run(
  platform: ThrowawayPlatform,
  opts: { quick?: boolean; rates?: number[]; seconds?: number } = {},
): Promise<IntakeResult> {
  const url = `${platform.gatewayUrl}/functions/v1/openphone-webhook`;
  const secret = platform.functionsEnv.OPENPHONE_WEBHOOK_SECRETS!;
  const sql = postgres(platform.dbUrl, { max: 2, onnotice: () => {} });
  const enc = new TextEncoder();
  const tag = crypto.randomUUID().slice(0, 8);
  let n = 0;

  async function signed(callId: string, deliveryId: string) {
    const event = {
      ...V2026_CALL_COMPLETED,
      id: `EV${deliveryId}`,
      data: {
        ...V2026_CALL_COMPLETED.data,
        resource: { ...V2026_CALL_COMPLETED.data.resource, id: callId },
      },
    };
    const body = enc.encode(JSON.stringify(event));
    const ts = Math.floor(Date.now() / 1000);
    return {
      body,
      headers: {
        "content-type": "application/json",
        "webhook-id": deliveryId,
        "webhook-timestamp": String(ts),
        "webhook-signature": await signStandard(secret, deliveryId, ts, body),
      },
    };
  }

  async function phase(
    rate: number,
    seconds: number,
    duplicateShare: number,
  ): Promise<IntakePhase> {
    const total = Math.round(rate * seconds);
    const ids: string[] = [];
    const eventIds: string[] = [];
    // Prepare every request first, so signing does not compete with sending.
    const requests: { body: Uint8Array; headers: Record<string, string>; duplicate: boolean }[] =
      [];
    for (let i = 0; i < total; i++) {
      const dup = ids.length > 0 && (i * duplicateShare) % 1 > ((i + 1) * duplicateShare) % 1;
      if (dup) {
        const previous = requests[requests.length - 1]!;
        requests.push({ ...previous, duplicate: true });
        continue;
      }
      const callId = `ACbench${tag}${++n}`;
      ids.push(callId);
      eventIds.push(`EVmsg_${tag}_${n}`);
      requests.push({ ...(await signed(callId, `msg_${tag}_${n}`)), duplicate: false });
    }
    const latencies: number[] = [];
    let ok = 0;
    let errors = 0;
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < requests.length; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const r = requests[i]!;
      const start = performance.now();
      inflight.push(
        fetch(url, { method: "POST", headers: r.headers, body: r.body as Uint8Array<ArrayBuffer> })
          .then(async (res) => {
            await res.body?.cancel();
            latencies.push(performance.now() - start);
            res.ok ? ok++ : errors++;
          })
          .catch(() => {
            errors++;
          }),
      );
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const [rows] = await sql<{ calls: number; inbox: number }[]>`
      select
        (select count(*)::int from switchboard.calls where external_id = any(${ids})) as calls,
        (select count(*)::int from switchboard.webhook_deliveries where event_id = any(${eventIds})) as inbox`;
    return {
      offered_rps: rate,
      sent: requests.length,
      duplicates: requests.filter((r) => r.duplicate).length,
      acked_2xx: ok,
      errors,
      achieved_rps: round(ok / elapsed),
      p50_ms: round(pct(latencies, 50)),
      p99_ms: round(pct(latencies, 99)),
      max_ms: round(latencies.at(-1) ?? NaN),
      rows_expected: ids.length,
      rows_found: rows!.calls,
      inbox_rows: rows!.inbox,
    };
  }

  try {
    await phase(50, 2, 0.1); // warm-up: function process, connections, JIT
    const rates = opts.rates ?? (opts.quick ? [250, 500] : [250, 500, 750, 1000, 1500]);
    const phases: IntakePhase[] = [];
    for (const rate of rates) {
      const p = await phase(rate, opts.seconds ?? (opts.quick ? 2 : 5), 0.1);
      phases.push(p);
      if (p.errors > 0 && p.p99_ms > 1000) break; // saturated: no point pushing further
    }
    const good = phases.filter((p) =>
      p.errors === 0 && p.p99_ms < 50 && p.rows_found === p.rows_expected
    );
    const sustained = Math.max(0, ...good.map((p) => p.offered_rps));
    return {
      benchmark: "webhook_intake",
      target: ">= 500 webhooks/s with p99 < 50 ms, no lost or duplicated rows",
      phases,
      sustained_rps: sustained,
      meets_target: sustained >= 500 &&
        phases.every((p) => p.rows_found === p.rows_expected && p.inbox_rows === p.rows_expected),
    };
  } finally {
    await sql.end();
  }
}
