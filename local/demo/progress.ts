/**
 * The live view while the pipeline works: per stage, how many calls and texts wait, run, retry,
 * finished or failed, read from switchboard.work_items; Notion pages and vendor requests so far.
 * In a terminal the block is redrawn in place; otherwise a plain line is printed whenever the
 * figures change (at most every few seconds), so logs and CI stay readable.
 */
import type postgres from "postgres";

export const CALL_STAGES = [
  ["call_enrich", "enrich"],
  ["call_store_recording", "recording"],
  ["call_transcribe", "transcribe"],
  ["call_summarize", "summarize"],
  ["call_publish", "notion"],
] as const;

export interface StageCount {
  kind: string;
  stage: string;
  status: string;
  waiting: string | null;
  retrying: boolean;
  n: number;
}

export interface Snapshot {
  elapsedMs: number;
  counts: StageCount[];
  /** Items that completed each stage so far. */
  passed: Record<string, number>;
  callPages: number;
  conversationPages: number;
  requests: Record<string, number>;
}

export async function snapshot(
  sql: postgres.Sql,
  sandboxUrl: string,
  startedAt: number,
): Promise<Snapshot> {
  const counts = await sql<StageCount[]>`
    select subject_kind as kind, stage, status, waiting_for as waiting,
           (status = 'pending' and attempts > 0) as retrying, count(*)::int as n
    from switchboard.work_items group by 1, 2, 3, 4, 5`;
  const [pages] = await sql<{ calls: number; conversations: number }[]>`
    select (select count(*) from switchboard.notion_call_pages where page_id is not null)::int
             as calls,
           (select count(*) from switchboard.notion_conversations where page_id is not null)::int
             as conversations`;
  const passed = await sql<{ stage: string; n: number }[]>`
    select stage, count(distinct item_id)::int as n from switchboard.stage_attempts
    where outcome = 'completed' group by stage`;
  return {
    elapsedMs: Date.now() - startedAt,
    counts: [...counts],
    passed: Object.fromEntries(passed.map((p) => [p.stage, p.n])),
    callPages: pages!.calls,
    conversationPages: pages!.conversations,
    requests: await requestCounts(sandboxUrl),
  };
}

export interface LoggedRequest {
  vendor: string;
  method?: string;
  route?: string | null;
  path?: string;
  status: number | null;
  fault?: string | null;
  at?: number | string;
}

export async function requestLog(sandboxUrl: string): Promise<LoggedRequest[]> {
  const res = await fetch(`${sandboxUrl}/_control/requests`);
  const body = await res.json() as LoggedRequest[] | { requests: LoggedRequest[] };
  return Array.isArray(body) ? body : body.requests;
}

async function requestCounts(sandboxUrl: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await requestLog(sandboxUrl)) out[r.vendor] = (out[r.vendor] ?? 0) + 1;
  return out;
}

const ROWS: [kind: string, stage: string, label: string][] = [
  ...CALL_STAGES.map(([stage, label]): [string, string, string] => [
    "call",
    stage,
    label === "notion" ? "Notion (calls)" : label,
  ]),
  ["message", "message_publish", "Notion (texts)"],
];

function stageCounts(s: Snapshot, kind: string, stage: string) {
  const here = s.counts.filter((c) => c.kind === kind && c.stage === stage);
  const sum = (f: (c: StageCount) => boolean) => here.filter(f).reduce((a, c) => a + c.n, 0);
  return {
    waiting: sum((c) => c.status === "pending" && !c.retrying),
    running: sum((c) => c.status === "running"),
    retrying: sum((c) => c.status === "pending" && c.retrying),
    passed: s.passed[stage] ?? 0,
  };
}

function failed(s: Snapshot): number {
  return s.counts.filter((c) => c.status === "failed").reduce((a, c) => a + c.n, 0);
}

function requestsText(s: Snapshot): string {
  return Object.entries(s.requests).sort().map(([v, n]) => `${v} ${n}`).join(" · ") || "none yet";
}

/** The terminal block: one row per stage, then pages and vendor requests. */
export function renderProgress(s: Snapshot): string[] {
  const secs = `${(s.elapsedMs / 1000).toFixed(0)}s`.padStart(5);
  const num = (n: number) => String(n).padStart(8);
  return [
    `${secs}  ${"stage".padEnd(16)} waiting  running retrying   passed`,
    ...ROWS.map(([kind, stage, label]) => {
      const c = stageCounts(s, kind, stage);
      return `       ${label.padEnd(16)}${num(c.waiting)}${num(c.running)}${num(c.retrying)}${
        num(c.passed)
      }`;
    }),
    `       pages in Notion: ${s.callPages} calls, ${s.conversationPages} conversations` +
    ` · failed: ${failed(s)}`,
    `       requests: ${requestsText(s)}`,
  ];
}

/** One line for logs: waiting/running/retrying → passed, per stage. */
export function renderProgressLine(s: Snapshot): string {
  const secs = `${(s.elapsedMs / 1000).toFixed(0)}s`.padStart(5);
  const stages = ROWS.map(([kind, stage, label]) => {
    const c = stageCounts(s, kind, stage);
    return `${label} ${c.waiting}/${c.running}/${c.retrying}→${c.passed}`;
  }).join(" · ");
  return `${secs}  ${stages} · pages ${s.callPages}+${s.conversationPages} · failed ${failed(s)}`;
}

/** Redraws the block in place on a terminal; prints a line when the figures change otherwise. */
export class ProgressDisplay {
  #drawn = 0;
  #last = "";
  #lastAt = 0;
  readonly #tty: boolean;
  readonly #write: (s: string) => void;

  constructor(opts: { tty?: boolean; write?: (s: string) => void } = {}) {
    this.#tty = opts.tty ?? Deno.stdout.isTerminal();
    this.#write = opts.write ??
      ((s) => Deno.stdout.writeSync(new TextEncoder().encode(s)));
  }

  get tty(): boolean {
    return this.#tty;
  }

  update(s: Snapshot, force = false): void {
    if (this.#tty) {
      const lines = renderProgress(s);
      let width = 120;
      try {
        width = Math.max(80, Deno.consoleSize().columns);
      } catch { /* not a console after all */ }
      const clipped = lines.map((l) => l.length > width - 1 ? l.slice(0, width - 2) + "…" : l);
      const up = this.#drawn ? `\x1b[${this.#drawn}A` : "";
      this.#write(up + clipped.map((l) => `\x1b[2K${l}\n`).join(""));
      this.#drawn = clipped.length;
      return;
    }
    // Plain output: a changed picture at most every 2 s (the last one always).
    const line = renderProgressLine(s);
    const key = line.replace(/^\s*\d+s/, "");
    if (!force && (key === this.#last || Date.now() - this.#lastAt < 2000)) return;
    if (force && key === this.#last) return;
    this.#last = key;
    this.#lastAt = Date.now();
    this.#write(line + "\n");
  }
}
