/**
 * `deno task status`: the pipeline at a glance in a terminal, from switchboard.stats() (the same
 * document the stats function returns and the ops views show): per stage pending / running /
 * waiting / failed / done with the queue's oldest wait and the workers; dead letters; spend today
 * against the caps; Notion pages; latency; every watched cron job's last success; alerts; the
 * health verdict of each part.
 *
 *   deno run -A local/status.ts [--db-url=postgres://…] [--json]
 *
 * The database: --db-url, else SWITCHBOARD_DB_URL (a Supabase project's, to look at production),
 * else the local platform's. Exit code 0 when healthy, 1 when not, 2 when unreachable.
 */
import { dbUrl } from "./config.ts";
import { connect } from "./database.ts";

export interface StageRow {
  kind: string | null;
  stage: string;
  enabled: boolean;
  pending: number;
  running: number;
  waiting: number;
  retrying?: number;
  budget_wait?: number;
  failed: number;
  done: number;
}

export interface QueueRow {
  stage: string;
  enabled: boolean;
  depth: number;
  visible: number;
  oldest_visible_wait_sec: number | null;
  alert_after_sec: number;
  workers_busy: number;
  max_workers: number;
  ok: boolean;
}

export interface Stats {
  generated_at: string;
  ok: boolean;
  health: Record<string, boolean>;
  pipeline: StageRow[];
  queues: QueueRow[];
  dead_letters: {
    ok: boolean;
    unacknowledged: number;
    open: number;
    by_stage: { stage: string; error_code: string; open: number }[];
  };
  latency: {
    stage: string;
    window: string;
    completed: number;
    processing_ms: { p50: number | null; p95: number | null; p99: number | null };
    ready_to_done_ms: { p50: number | null; p95: number | null; p99: number | null };
  }[];
  spend: {
    today: {
      day: string;
      calls_admitted: number;
      daily_max_calls: number;
      usd_committed: number | string;
      daily_budget_usd: number | string;
      budget_wait: number;
      cap_reached: boolean;
    };
    month: { month: string; settled_usd: number | string; calls: number };
  };
  notion: {
    call_pages: { published: number; by_state: Record<string, number>; requests: number };
    conversation_pages: number;
    messages_published: number;
    messages_waiting: number;
  };
  cron: {
    job: string;
    schedule: string | null;
    active: boolean | null;
    monitored: boolean;
    fresh_at: string | null;
    last_success_at: string | null;
    ok: boolean;
    reason: string | null;
  }[];
  incidents: {
    webhook_configured: boolean;
    open: {
      id: number;
      kind: string;
      key: string;
      opened_at: string;
      notified_at: string | null;
    }[];
  };
}

/** "12 s", "5 min", "3 h", "2 d" */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, seconds);
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

function ago(iso: string | null, now: Date): string {
  if (!iso) return "never";
  return `${formatAge((now.getTime() - Date.parse(iso)) / 1000)} ago`;
}

function usd(v: number | string): string {
  return `$${Number(v).toFixed(2)}`;
}

function ms(v: number | null): string {
  if (v === null || v === undefined) return "–";
  return v >= 10_000
    ? `${(v / 1000).toFixed(0)} s`
    : v >= 1000
    ? `${(v / 1000).toFixed(1)} s`
    : `${Math.round(v)} ms`;
}

/**
 * A table: the first row is the header. A column whose every body cell is a figure (a number,
 * an amount, a duration, "1/2", "–") is right-aligned, header included.
 */
export function table(rows: string[][], indent = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const figure = /^(–|\$?[0-9][0-9.,]*( ?(s|ms|min|h|d|done))?|[0-9]+\/[0-9]+)$/;
  const numeric = widths.map((_, i) =>
    i > 0 && rows.slice(1).every((r) => !r[i] || figure.test(r[i]!)) &&
    rows.slice(1).some((r) => r[i])
  );
  return rows.map((row) =>
    indent + row.map((c, i) => numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))
      .join("  ").trimEnd()
  );
}

/** health_report()'s parts in the order the runbook reads them; any others after. */
const HEALTH_ORDER = [
  "database",
  "pg_cron",
  "pg_net",
  "queues",
  "dead_letters",
  "watchdog",
  "retention",
  "transactions",
];

function healthParts(health: Record<string, boolean>): [string, boolean][] {
  const rank = (p: string) => {
    const i = HEALTH_ORDER.indexOf(p);
    return i < 0 ? HEALTH_ORDER.length : i;
  };
  return Object.entries(health).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The whole status screen (plain text, no colours: it is read in logs and CI too). */
export function formatStatus(stats: Stats, now: Date = new Date(stats.generated_at)): string[] {
  const out: string[] = [];
  const failing = healthParts(stats.health).filter(([, ok]) => !ok).map(([part]) => part);
  out.push(
    `pipeline   ${stats.ok ? "HEALTHY" : `UNHEALTHY (${failing.join(", ") || "see health"})`}` +
      `   as of ${stats.generated_at.replace("T", " ").replace(/\.\d+/, "")}`,
  );
  out.push("");

  const queues = new Map(stats.queues.map((q) => [q.stage, q]));
  const rows: string[][] = [[
    "stage",
    "pending",
    "running",
    "waiting",
    "failed",
    "done",
    "queued",
    "oldest wait",
    "workers",
    "",
  ]];
  let kind: string | null | undefined;
  for (const s of stats.pipeline) {
    if (s.kind !== kind) {
      kind = s.kind;
      rows.push([`${kind ?? "other"}:`, "", "", "", "", "", "", "", "", ""]);
    }
    const q = queues.get(s.stage);
    const notes: string[] = [];
    if (!s.enabled) notes.push("disabled");
    if (q && !q.ok) notes.push(`STUCK > ${formatAge(q.alert_after_sec)}`);
    if (s.budget_wait) notes.push(`${s.budget_wait} in budget_wait`);
    if (s.retrying) notes.push(`${s.retrying} retrying`);
    rows.push([
      `  ${s.stage}`,
      String(s.pending),
      String(s.running),
      String(s.waiting),
      String(s.failed),
      String(s.done),
      q ? String(q.depth) : "–",
      q ? formatAge(q.oldest_visible_wait_sec) : "–",
      q ? `${q.workers_busy}/${q.max_workers}` : "–",
      notes.join(", "),
    ]);
  }
  out.push(...table(rows, ""));
  out.push("");

  const d = stats.dead_letters;
  const byStage = d.by_stage.map((g) => `${g.stage} ${g.error_code} ×${g.open}`).join(", ");
  out.push(
    `dead letters  ${d.open} open, ${d.unacknowledged} unacknowledged${
      d.unacknowledged ? " (NEW)" : ""
    }${byStage ? ` — ${byStage}` : ""}`,
  );

  const t = stats.spend.today;
  out.push(
    `spend today   ${usd(t.usd_committed)} of ${
      usd(t.daily_budget_usd)
    } · ${t.calls_admitted} of ${t.daily_max_calls} calls` +
      ` · ${t.budget_wait} in budget_wait${t.cap_reached ? " · CAP REACHED" : ""}` +
      `   (month: ${usd(stats.spend.month.settled_usd)}, ${stats.spend.month.calls} calls)`,
  );

  const n = stats.notion;
  out.push(
    `notion        ${n.call_pages.published} call pages · ${n.conversation_pages} conversation pages · ` +
      `${n.messages_published} messages published, ${n.messages_waiting} waiting · ${n.call_pages.requests} requests`,
  );

  const hour = stats.latency.filter((l) => l.window === "last_hour");
  if (hour.length) {
    out.push("latency (last hour, processing p50/p95/p99 · ready-to-done p95)");
    out.push(...table(hour.map((l) => [
      l.stage,
      `${l.completed} done`,
      ms(l.processing_ms.p50),
      ms(l.processing_ms.p95),
      ms(l.processing_ms.p99),
      ms(l.ready_to_done_ms.p95),
    ])));
  } else {
    out.push("latency       nothing completed in the last hour");
  }

  out.push("cron jobs");
  out.push(...table([
    ["job", "schedule", "last success", "status"],
    ...stats.cron.map((c) => [
      c.job,
      c.schedule ?? "–",
      ago(c.fresh_at ?? c.last_success_at, now),
      c.ok
        ? (c.monitored ? "ok" : "ok (not watched)")
        : (c.reason === "stale" ? "STALE" : (c.reason ?? "stale").toUpperCase().replace("_", " ")),
    ]),
  ]));

  const inc = stats.incidents;
  const open = inc.open.map((i) =>
    `#${i.id} ${i.kind} ${i.key} since ${ago(i.opened_at, now)}${
      i.notified_at ? "" : " (not sent)"
    }`
  );
  out.push(
    `alerts        ${
      inc.webhook_configured ? "webhook set" : "no webhook URL (switchboard_alert_webhook_url)"
    }` +
      ` · ${open.length ? `${open.length} open: ${open.join("; ")}` : "no open incident"}`,
  );
  out.push(
    `health        ${
      healthParts(stats.health).map(([part, ok]) => `${part} ${ok ? "ok" : "FAIL"}`).join(" · ")
    }`,
  );
  return out;
}

/** switchboard.stats() from the database at `url`. */
export async function loadStats(url: string): Promise<Stats> {
  const sql = connect(url);
  try {
    const [row] = await sql<{ stats: Stats }[]>`select switchboard.stats() as stats`;
    if (!row) throw new Error("switchboard.stats() returned no row");
    return row.stats;
  } finally {
    await sql.end();
  }
}

/** Prints the status of the database at `url`; true when it is healthy. */
export async function printStatus(
  url: string,
  opts: { json?: boolean; write?: (line: string) => void } = {},
): Promise<boolean> {
  // deno-lint-ignore no-console
  const write = opts.write ?? ((line: string) => console.log(line));
  const stats = await loadStats(url);
  if (opts.json) write(JSON.stringify(stats, null, 2));
  else for (const line of formatStatus(stats)) write(line);
  return stats.ok;
}

if (import.meta.main) {
  const arg = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const url = arg("db-url") ?? Deno.env.get("SWITCHBOARD_DB_URL") ?? dbUrl();
  try {
    Deno.exit((await printStatus(url, { json: Deno.args.includes("--json") })) ? 0 : 1);
  } catch (e) {
    // deno-lint-ignore no-console
    console.error(
      `status: cannot read switchboard.stats(): ${e instanceof Error ? e.name : "error"}` +
        ` (${(e as { code?: string }).code ?? "no code"})`,
    );
    Deno.exit(2);
  }
}
