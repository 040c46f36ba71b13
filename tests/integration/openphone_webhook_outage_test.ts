/**
 * Reliability-catalogue T30 and T09 for the webhook (issue 7, defect 2): signed deliveries stream
 * through a gateway while its database freezes (every server process stopped with SIGSTOP, so
 * connections and statements hang: the case timeouts exist for), then is shut down and started
 * again (`pg_ctl stop -m fast` / `start`). Must hold: every delivery answered 2xx has its inbox
 * row; while the database is unavailable the answer is 503 with Retry-After within 5 s (p99) and
 * no request is held 10 s; 2xx resumes once it is back; every delivery refused with 503 is applied
 * when redelivered.
 *
 * This stops a database, so it brings its own throwaway platform (cluster, migrations, gateway:
 * about two seconds) instead of the suite's, which other test files use at the same time.
 */
import assert from "node:assert/strict";
import {
  signStandard,
} from "../../supabase/functions/_shared/adapters/openphone/webhook_signature.ts";
import * as S from "../../supabase/functions/_shared/adapters/openphone/testdata/samples.ts";
import { type Cluster, startCluster, stopCluster } from "../../local/postgres.ts";
import { withThrowawayPlatform } from "../../local/throwaway.ts";
import postgres from "postgres";
import { platformAvailable } from "../support/platform.ts";

interface Sent {
  id: string;
  body: string;
  phase: string;
  status: number;
  ms: number;
  retryAfter: string | null;
  outcome: string | undefined;
  /** performance.now() when the answer arrived. */
  doneAt: number;
}

const enc = new TextEncoder();
const uid = () => crypto.randomUUID().replaceAll("-", "").slice(0, 16);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const testDbAt = (url: string, max: number) => postgres(url, { max, onnotice: () => {} });

function delivery(): { id: string; body: string } {
  const callId = `ACout${uid()}`;
  const body = JSON.stringify({
    ...S.V2026_CALL_COMPLETED,
    id: `EV${uid()}`,
    data: {
      ...S.V2026_CALL_COMPLETED.data,
      resource: { ...S.V2026_CALL_COMPLETED.data.resource, id: callId },
    },
  });
  return { id: `msg_${uid()}`, body };
}

async function send(
  url: string,
  secret: string,
  d: { id: string; body: string },
  phase: string,
): Promise<Sent> {
  const ts = Math.floor(Date.now() / 1000);
  const raw = enc.encode(d.body);
  const started = performance.now();
  let status = 0;
  let retryAfter: string | null = null;
  let outcome: string | undefined;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": d.id,
        "webhook-timestamp": String(ts),
        "webhook-signature": await signStandard(secret, d.id, ts, raw),
      },
      body: raw,
      // Far above the 10 s bound, so a held request is measured rather than cut short.
      signal: AbortSignal.timeout(20_000),
    });
    status = res.status;
    retryAfter = res.headers.get("retry-after");
    const json = await res.json().catch(() => ({}));
    outcome = json.outcome ?? json.error?.code;
  } catch {
    status = 0; // aborted or connection failed: counted as a failure below
  }
  const doneAt = performance.now();
  return { ...d, phase, status, ms: doneAt - started, retryAfter, outcome, doneAt };
}

/** The PIDs of a cluster's postmaster and its children (backends, pg_cron, checkpointer …). */
async function clusterPids(dataDir: string): Promise<number[]> {
  const postmaster = Number((await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n")[0]);
  const pids = [postmaster];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === postmaster) pids.push(Number(entry.name));
  }
  return pids;
}

function signalAll(pids: number[], signal: "SIGSTOP" | "SIGCONT"): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch { /* exited meanwhile */ }
  }
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

Deno.test({
  name:
    "webhook T30/T09 (issue 7): database frozen, then restarted mid-stream: fast 503s with Retry-After, no acknowledged delivery lost",
  ignore: !platformAvailable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withThrowawayPlatform("webhook-outage", async (platform) => {
      const url = `${platform.gatewayUrl}/functions/v1/openphone-webhook`;
      const secret = platform.functionsEnv.OPENPHONE_WEBHOOK_SECRETS!;
      const sql = testDbAt(platform.dbUrl, 1);
      const [setting] = await sql<{ data_directory: string }[]>`show data_directory`;
      const dataDir = setting!.data_directory;
      await sql.end();
      const cluster: Cluster = {
        dataDir,
        port: Number(new URL(platform.dbUrl).port),
        extraConf: ["fsync = off", "synchronous_commit = off", "full_page_writes = off"],
      };

      // Warm the function (its first request starts its process).
      const first = await send(url, secret, delivery(), "warm");
      assert.equal(first.status, 200, `warm-up answered ${first.status}`);

      let phase = "up";
      let running = true;
      const sent: Sent[] = [];
      const senders = Array.from({ length: 6 }, async () => {
        while (running) {
          sent.push(await send(url, secret, delivery(), phase));
          await sleep(40);
        }
      });

      let frozen: number[] = [];
      const marks: Record<string, number> = {};
      const t0 = performance.now();
      const mark = (name: string) => marks[name] = Math.round(performance.now() - t0);
      try {
        await sleep(1500);
        phase = "frozen";
        mark("freeze");
        frozen = await clusterPids(dataDir);
        signalAll(frozen, "SIGSTOP");
        await sleep(5000);
        signalAll(frozen, "SIGCONT");
        frozen = [];
        mark("thaw");
        phase = "thawed";
        await sleep(1500);
        phase = "stopping";
        mark("stop");
        await stopCluster(cluster);
        phase = "down";
        mark("down");
        await sleep(3000);
        phase = "starting";
        await startCluster(cluster);
        mark("started");
        phase = "restarted";
        await sleep(3000);
      } finally {
        if (frozen.length) signalAll(frozen, "SIGCONT");
        running = false;
        await Promise.all(senders);
        // Leave the database running whatever happened (the platform's teardown stops it).
        await startCluster(cluster).catch(() => {});
      }

      // Redeliver what was refused, as the provider would, now that the database is back.
      const refused = sent.filter((s) => s.status !== 200);
      const redelivered = await Promise.all(refused.map((s) => send(url, secret, s, "redelivery")));

      const check = testDbAt(platform.dbUrl, 2);
      try {
        const ids = sent.map((s) => s.id);
        const rows = await check<{ delivery_id: string; outcome: string }[]>`
          select delivery_id, outcome from switchboard.webhook_deliveries
          where delivery_id = any(${ids})`;
        const stored = new Map(rows.map((r) => [r.delivery_id, r.outcome]));
        const by = (pred: (s: Sent) => boolean) => sent.filter(pred);
        const ok = by((s) => s.status === 200);
        const unavailable = by((s) => s.status === 503);
        const summary = {
          marks_ms: marks,
          sent: sent.length,
          acknowledged: ok.length,
          unavailable_503: unavailable.length,
          other: by((s) => s.status !== 200 && s.status !== 503).map((s) => s.status),
          p99_503_ms: Math.round(p99(unavailable.map((s) => s.ms))),
          max_503_ms: Math.round(Math.max(0, ...unavailable.map((s) => s.ms))),
          max_any_ms: Math.round(Math.max(...sent.map((s) => s.ms))),
          per_phase: Object.fromEntries(
            ["up", "frozen", "thawed", "stopping", "down", "starting", "restarted"].map((p) => [
              p,
              {
                ok: by((s) => s.phase === p && s.status === 200).length,
                unavailable: by((s) => s.phase === p && s.status === 503).length,
                max_ms: Math.round(Math.max(0, ...by((s) => s.phase === p).map((s) => s.ms))),
              },
            ]),
          ),
          first_ok_after_restart_ms: Math.round(
            Math.min(
              ...by((s) => s.phase === "restarted" && s.status === 200).map((s) => s.doneAt),
            ) -
              t0 - (marks.started ?? 0),
          ),
          redelivered: redelivered.length,
          redelivered_ok: redelivered.filter((s) => s.status === 200).length,
          inbox_rows: stored.size,
        };
        // deno-lint-ignore no-console
        console.log(`webhook outage: ${JSON.stringify(summary)}`);

        const phaseCount = (p: string) => summary.per_phase[p] ?? { ok: 0, unavailable: 0 };
        for (const s of ok) {
          assert.ok(stored.has(s.id), `acknowledged ${s.id} (${s.phase}) has its inbox row`);
        }
        assert.deepEqual(summary.other, [], "only 200 or 503, never 500 or a dropped request");
        assert.ok(unavailable.length > 0, "the outage was noticed");
        for (const s of unavailable) {
          assert.equal(s.retryAfter, "5", "503 carries Retry-After");
          assert.equal(s.outcome, "unavailable");
        }
        assert.ok(summary.p99_503_ms < 5000, `503 p99 ${summary.p99_503_ms} ms`);
        assert.ok(summary.max_any_ms < 10_000, `longest request ${summary.max_any_ms} ms`);
        assert.ok(phaseCount("frozen").unavailable > 0, "a frozen database answers 503");
        assert.ok(phaseCount("down").unavailable > 0, "a stopped database answers 503");
        assert.ok(phaseCount("thawed").ok > 0, "2xx resumes after the freeze");
        assert.ok(phaseCount("restarted").ok > 0, "2xx resumes after the restart");
        assert.ok(
          summary.first_ok_after_restart_ms < 2500,
          `2xx resumed ${summary.first_ok_after_restart_ms} ms after the restart`,
        );
        assert.ok(phaseCount("up").ok > 0);
        assert.deepEqual(
          redelivered.filter((s) => s.status !== 200).map((s) => s.status),
          [],
          "every redelivery is acknowledged",
        );
        assert.equal(stored.size, sent.length, "in the end every delivery is in the inbox once");
      } finally {
        await check.end();
      }
    });
  },
});
