import assert from "node:assert/strict";
import { formatAge, formatStatus, type Stats, table } from "./status.ts";

const NOW = "2026-03-02T12:00:00.000+00:00";
const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();

function stats(over: Partial<Stats> = {}): Stats {
  return {
    generated_at: NOW,
    ok: false,
    health: { database: true, queues: false, dead_letters: false, pg_cron: true },
    pipeline: [
      {
        kind: "call",
        stage: "call_enrich",
        enabled: true,
        pending: 3,
        running: 1,
        waiting: 0,
        failed: 0,
        done: 40,
      },
      {
        kind: "call",
        stage: "call_transcribe",
        enabled: true,
        pending: 0,
        running: 0,
        waiting: 5,
        budget_wait: 5,
        failed: 2,
        done: 31,
      },
      {
        kind: "message",
        stage: "message_publish",
        enabled: false,
        pending: 7,
        running: 0,
        waiting: 0,
        failed: 0,
        done: 0,
      },
    ],
    queues: [
      {
        stage: "call_enrich",
        enabled: true,
        depth: 4,
        visible: 3,
        oldest_visible_wait_sec: 1020,
        alert_after_sec: 900,
        workers_busy: 1,
        max_workers: 2,
        ok: false,
      },
      {
        stage: "call_transcribe",
        enabled: true,
        depth: 5,
        visible: 0,
        oldest_visible_wait_sec: null,
        alert_after_sec: 900,
        workers_busy: 0,
        max_workers: 2,
        ok: true,
      },
    ],
    dead_letters: {
      ok: false,
      unacknowledged: 2,
      open: 2,
      by_stage: [{ stage: "call_transcribe", error_code: "assemblyai_401", open: 2 }],
    },
    latency: [{
      stage: "call_enrich",
      window: "last_hour",
      completed: 40,
      processing_ms: { p50: 120, p95: 480.5, p99: 1500 },
      ready_to_done_ms: { p50: 300, p95: 2200, p99: 4000 },
    }],
    spend: {
      today: {
        day: "2026-03-02",
        calls_admitted: 200,
        daily_max_calls: 200,
        usd_committed: "7.4100",
        daily_budget_usd: "10.0000",
        budget_wait: 5,
        cap_reached: true,
      },
      month: { month: "2026-03-01", settled_usd: "12.5", calls: 230 },
    },
    notion: {
      call_pages: { published: 71, by_state: { published: 71 }, requests: 140 },
      conversation_pages: 9,
      messages_published: 120,
      messages_waiting: 0,
    },
    cron: [
      {
        job: "switchboard-sweep",
        schedule: "10 seconds",
        active: true,
        monitored: true,
        fresh_at: minutesAgo(0.2),
        last_success_at: minutesAgo(0.2),
        ok: true,
        reason: null,
      },
      {
        job: "switchboard-watchdog",
        schedule: "* * * * *",
        active: true,
        monitored: true,
        fresh_at: minutesAgo(12),
        last_success_at: minutesAgo(12),
        ok: false,
        reason: "stale",
      },
      {
        job: "switchboard-drive-discover",
        schedule: null,
        active: null,
        monitored: true,
        fresh_at: null,
        last_success_at: null,
        ok: false,
        reason: "not_scheduled",
      },
    ],
    incidents: {
      webhook_configured: true,
      open: [{
        id: 7,
        kind: "spend_cap",
        key: "2026-03-02",
        opened_at: minutesAgo(30),
        notified_at: minutesAgo(30),
      }],
    },
    ...over,
  };
}

Deno.test("status: ages read as a person would say them", () => {
  assert.deepEqual(
    [formatAge(null), formatAge(12.4), formatAge(1020), formatAge(3 * 3600), formatAge(3 * 86400)],
    ["–", "12 s", "17 min", "3 h", "3 d"],
  );
});

Deno.test("status: tables align columns, numbers to the right", () => {
  assert.deepEqual(table([["stage", "n"], ["call_enrich", "3"], ["probe", "120"]], ""), [
    "stage          n",
    "call_enrich    3",
    "probe        120",
  ]);
});

Deno.test("status: the verdict first, then one row per stage in pipeline order under its kind", () => {
  const lines = formatStatus(stats());
  assert.match(
    lines[0]!,
    /^pipeline {3}UNHEALTHY \(queues, dead_letters\) {3}as of 2026-03-02 12:00:00\+00:00$/,
  );
  const header = lines.findIndex((l) => l.startsWith("stage"));
  assert.match(
    lines[header]!,
    /^stage\s+pending\s+running\s+waiting\s+failed\s+done\s+queued\s+oldest wait\s+workers$/,
  );
  assert.deepEqual(
    lines.slice(header + 1, header + 6).map((l) =>
      l.split(/\s{2,}/).map((c) => c.trim()).filter(Boolean)
    ),
    [
      ["call:"],
      ["call_enrich", "3", "1", "0", "0", "40", "4", "17 min", "1/2", "STUCK > 15 min"],
      ["call_transcribe", "0", "0", "5", "2", "31", "5", "–", "0/2", "5 in budget_wait"],
      ["message:"],
      ["message_publish", "7", "0", "0", "0", "0", "–", "–", "–", "disabled"],
    ],
  );
});

Deno.test("status: dead letters, spend against the caps, Notion, latency, cron, alerts, health", () => {
  const text = formatStatus(stats()).join("\n");
  assert.match(
    text,
    /dead letters {2}2 open, 2 unacknowledged \(NEW\) — call_transcribe assemblyai_401 ×2/,
  );
  assert.match(
    text,
    /spend today {3}\$7\.41 of \$10\.00 · 200 of 200 calls · 5 in budget_wait · CAP REACHED {3}\(month: \$12\.50, 230 calls\)/,
  );
  assert.match(
    text,
    /notion {8}71 call pages · 9 conversation pages · 120 messages published, 0 waiting · 140 requests/,
  );
  assert.match(text, /call_enrich\s+40 done\s+120 ms\s+481 ms\s+1\.5 s\s+2\.2 s/);
  assert.match(text, /switchboard-sweep\s+10 seconds\s+12 s ago\s+ok/);
  assert.match(text, /switchboard-watchdog\s+\* \* \* \* \*\s+12 min ago\s+STALE/);
  assert.match(text, /switchboard-drive-discover\s+–\s+never\s+NOT SCHEDULED/);
  assert.match(
    text,
    /alerts {8}webhook set · 1 open: #7 spend_cap 2026-03-02 since 30 min ago/,
  );
  assert.match(text, /health {8}database ok · pg_cron ok · queues FAIL · dead_letters FAIL/);
});

Deno.test("status: a healthy, empty pipeline says so", () => {
  const text = formatStatus(stats({
    ok: true,
    health: { database: true },
    latency: [],
    incidents: { webhook_configured: false, open: [] },
  })).join("\n");
  assert.match(text, /^pipeline {3}HEALTHY/);
  assert.match(text, /latency {7}nothing completed in the last hour/);
  assert.match(text, /no webhook URL \(switchboard_alert_webhook_url\) · no open incident/);
});
