/**
 * The demo: a fresh day through the real doors of a running platform, watched stage by stage,
 * then the result table and where to look next. `runDemo` is what `npm start`, `deno task demo`
 * and tests/pipeline/demo_test.ts run.
 */
import postgres from "postgres";
import { type DemoDay, demoDay } from "./scenario.ts";
import {
  deliver,
  type Delivered,
  type DemoTarget,
  injectNotionFaults,
  resetDay,
  type Say,
  setUpNotion,
} from "./seed.ts";
import { ProgressDisplay, type Snapshot, snapshot } from "./progress.ts";
import { collectResults, type DemoResults, renderResults } from "./report.ts";

export interface DemoOptions {
  say?: Say;
  /** Redraw the progress block in place (default: when stdout is a terminal). */
  tty?: boolean;
  /** Give up waiting after this long (default 240 s). */
  timeoutMs?: number;
  /** How often the demo runs switchboard.sweep(), as pg_cron does (default 5 s). */
  sweepEveryMs?: number;
  now?: number;
}

export interface DemoRun {
  day: DemoDay;
  delivered: Delivered;
  results: DemoResults;
  finished: boolean;
  elapsedMs: number;
}

/** Everything delivered has arrived and nothing is waiting, running or retrying any more. */
function isSettled(s: Snapshot, day: DemoDay, messageRows: number): boolean {
  const open = s.counts.filter((c) => c.status === "pending" || c.status === "running")
    .reduce((a, c) => a + c.n, 0);
  const calls = s.counts.filter((c) => c.kind === "call").reduce((a, c) => a + c.n, 0);
  // Every call has a row (the Drive copy of an OpenPhone call too), every text too.
  return open === 0 && calls >= day.calls.length + day.driveFiles.length - 1 &&
    messageRows >= day.messages.length;
}

export async function runDemo(target: DemoTarget, opts: DemoOptions = {}): Promise<DemoRun> {
  // deno-lint-ignore no-console
  const say = opts.say ?? ((l: string) => console.log(l));
  const sql = postgres(target.dbUrl, { max: 2, onnotice: () => {} });
  try {
    const day = demoDay(opts.now ?? Date.now());
    say("");
    say("Switchboard demo — a day at a small design-and-build studio");
    say(
      `  ${day.calls.length} calls and voicemails, ${day.messages.length} texts, ` +
        `${day.driveFiles.length} phone recordings in Google Drive, all in the provider sandbox`,
    );
    say("  a fresh day: the sandbox and the pipeline's tables start empty");
    await resetDay(target, sql);
    await setUpNotion(target, sql, day, say);
    await injectNotionFaults(target);
    say(
      "  faults  Notion answers the next 6 requests 429 and drops one page create after committing it",
    );
    const startedAt = Date.now();
    const delivered = await deliver(target, sql, day);
    say(
      `  doors   ${delivered.webhookDeliveries} signed webhook deliveries (${delivered.webhookEvents} events,` +
        ` a duplicate storm, a recording before its call, an MMS), the backfill, Drive discovery`,
    );
    say("");
    say(
      "  Progress (waiting/running/retrying → passed, per stage; retries are the faults at work):",
    );
    const display = new ProgressDisplay({
      ...(opts.tty === undefined ? {} : { tty: opts.tty }),
      // Plain progress lines go where the rest of the output goes.
      ...(opts.say && !opts.tty ? { write: (s: string) => say(s.replace(/\n$/, "")) } : {}),
    });
    const timeoutMs = opts.timeoutMs ?? 240_000;
    const sweepEvery = opts.sweepEveryMs ?? 5_000;
    let lastSweep = Date.now();
    let finished = false;
    let last: Snapshot | null = null;
    while (Date.now() - startedAt < timeoutMs) {
      last = await snapshot(sql, target.sandboxUrl, startedAt);
      display.update(last);
      const [m] = await sql<{ n: number }[]>`select count(*)::int as n from switchboard.messages`;
      if (isSettled(last, day, m!.n)) {
        finished = true;
        break;
      }
      if (Date.now() - lastSweep >= sweepEvery) {
        // What pg_cron's switchboard-sweep runs (every 10 s on Supabase, every minute locally).
        await sql`select switchboard.sweep()`;
        lastSweep = Date.now();
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    if (last) display.update(last, true);
    const elapsedMs = Date.now() - startedAt;
    say("");
    say(
      finished
        ? `All done in ${(elapsedMs / 1000).toFixed(1)} s.`
        : `Still working after ${
          (elapsedMs / 1000).toFixed(0)
        } s; the table shows where things are.`,
    );
    const results = await collectResults(sql, target, day);
    for (const line of renderResults(results, target)) say(line);
    const complete = finished && results.notionPages.calls === day.expectedCallPages &&
      results.notionPages.conversations === day.expectedConversationPages;
    return { day, delivered, results, finished: complete, elapsedMs };
  } finally {
    await sql.end();
  }
}
