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
  return {
    elapsedMs: Date.now() - startedAt,
    counts: [...counts],
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

function cell(counts: StageCount[], kind: string, stage: string): string {
  const here = counts.filter((c) => c.kind === kind && c.stage === stage);
  const sum = (f: (c: StageCount) => boolean) => here.filter(f).reduce((a, c) => a + c.n, 0);
  const running = sum((c) => c.status === "running");
  const retrying = sum((c) => c.status === "pending" && c.retrying);
  const waiting = sum((c) => c.status === "pending" && !c.retrying);
  const parts = [];
  if (waiting) parts.push(`${waiting} waiting`);
  if (running) parts.push(`${running} running`);
  if (retrying) parts.push(`${retrying} retrying`);
  return parts.length ? parts.join(", ") : "·";
}

function terminal(counts: StageCount[], kind: string, status: string): number {
  return counts.filter((c) => c.kind === kind && c.status === status).reduce((a, c) => a + c.n, 0);
}

export function renderProgress(s: Snapshot): string[] {
  const secs = (s.elapsedMs / 1000).toFixed(0).padStart(3);
  const calls = CALL_STAGES.map(([stage, label]) => `${label} ${cell(s.counts, "call", stage)}`);
  const req = Object.entries(s.requests).sort().map(([v, n]) => `${v} ${n}`).join(" · ");
  return [
    `  ${secs}s  calls  ${calls.join(" │ ")} │ done ${terminal(s.counts, "call", "done")}` +
    ` │ failed ${terminal(s.counts, "call", "failed")}`,
    `        texts  notion ${cell(s.counts, "message", "message_publish")} │ done ${
      terminal(s.counts, "message", "done")
    } │ failed ${terminal(s.counts, "message", "failed")}`,
    `        Notion pages: ${s.callPages} calls, ${s.conversationPages} conversations │ requests: ${
      req || "none yet"
    }`,
  ];
}

/** Redraws in place on a terminal; prints changed lines otherwise. */
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

  update(lines: string[], force = false): void {
    const text = lines.join("\n");
    if (this.#tty) {
      const width = Deno.consoleSize?.().columns ?? 120;
      const clipped = lines.map((l) => l.length > width - 1 ? l.slice(0, width - 2) + "…" : l);
      const up = this.#drawn ? `\x1b[${this.#drawn}A` : "";
      this.#write(up + clipped.map((l) => `\x1b[2K${l}\n`).join(""));
      this.#drawn = clipped.length;
      return;
    }
    // Plain output: a changed picture at most every 3 s (the first and last always).
    const key = text.replace(/^\s*\d+s/, "");
    if (!force && (key === this.#last || Date.now() - this.#lastAt < 3000)) return;
    this.#last = key;
    this.#lastAt = Date.now();
    this.#write(text + "\n");
  }
}
