/**
 * `deno task backfill --since 2026-01-01`: the historical OpenPhone import, run from a terminal
 * instead of the edge runtime (no wall clock), with the same code, the same database state and
 * the same shared rate-limit budget as the scheduled `openphone-backfill` function. Safe to
 * stop and run again: it resumes, and rows merge by provider id.
 *
 * Reads OPENPHONE_API_KEY and OPENPHONE_API_BASE_URL from the environment, supabase/functions/.env
 * or the local platform's generated .local/functions.env (the sandbox); the database from
 * SWITCHBOARD_DB_URL or the local platform's.
 */
import { createOpenPhoneClient } from "../supabase/functions/_shared/adapters/openphone/client.ts";
import { loadConfig } from "../supabase/functions/_shared/platform/config.ts";
import { createDb } from "../supabase/functions/_shared/platform/db.ts";
import { createLogger } from "../supabase/functions/_shared/platform/log.ts";
import { budgetKey, postgresBudget } from "../supabase/functions/_shared/platform/rate_budget.ts";
import {
  backfill,
  type BackfillProgress,
} from "../supabase/functions/openphone-backfill/backfill.ts";
import { createBackfillStore } from "../supabase/functions/openphone-backfill/store.ts";
import { dbUrl, PROJECT_ROOT, STATE_DIR } from "./config.ts";
import { readDotenv } from "./gateway/launch.ts";

function parseArgs(args: string[]): { since: string } {
  const i = args.indexOf("--since");
  const value = i >= 0
    ? args[i + 1]
    : args.find((a) => a.startsWith("--since="))?.slice("--since=".length);
  const since = value ? new Date(value) : null;
  if (!since || Number.isNaN(since.getTime())) {
    throw new Error("Usage: deno task backfill --since 2026-01-01");
  }
  return { since: since.toISOString() };
}

/** One line, redrawn in place: [████░░░░] 48% · numbers 1/3 · participants 12/25 · … */
export function progressLine(p: BackfillProgress, elapsedMs: number, requests: number): string {
  const share = p.phoneNumbers === 0 ? 1 : 1 / p.phoneNumbers;
  const partial = p.current.participants === 0 ? 0 : p.current.done / p.current.participants;
  const frac = Math.min(
    1,
    p.phoneNumbersDone * share + (p.phoneNumbersDone < p.phoneNumbers ? partial * share : 0),
  );
  const width = 24;
  const filled = Math.round(frac * width);
  const rate = elapsedMs > 0 ? (requests / (elapsedMs / 1000)).toFixed(1) : "0.0";
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${
    String(Math.round(frac * 100)).padStart(3)
  }%` +
    ` · numbers ${p.phoneNumbersDone}/${p.phoneNumbers} · participants ${p.current.done}/${p.current.participants}` +
    ` · calls ${p.calls} · messages ${p.messages} · new ${p.inserted} · ${rate} req/s`;
}

if (import.meta.main) {
  const { since } = parseArgs(Deno.args);
  // The secrets the local functions get: the platform's generated file, then .env, then the shell.
  const env = {
    ...(await readDotenv(`${STATE_DIR}/functions.env`)),
    ...(await readDotenv(`${PROJECT_ROOT}/supabase/functions/.env`)),
    ...Deno.env.toObject(),
  };
  const config = loadConfig([
    "OPENPHONE_API_KEY",
    "OPENPHONE_API_BASE_URL",
    "OPENPHONE_RATE_LIMIT_PER_SECOND",
  ], env);
  const sql = createDb(env.SWITCHBOARD_DB_URL ?? dbUrl(), "switchboard:backfill-cli", 2);
  const started = Date.now();
  let requests = 0;
  const countingFetch: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const client = createOpenPhoneClient({
    baseUrl: config.OPENPHONE_API_BASE_URL,
    apiKey: config.OPENPHONE_API_KEY,
    fetch: countingFetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budget: postgresBudget(
      sql,
      await budgetKey("openphone", config.OPENPHONE_API_KEY),
      config.OPENPHONE_RATE_LIMIT_PER_SECOND,
    ),
  });
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const draw = (p: BackfillProgress) => {
    const line = progressLine(p, Date.now() - started, requests);
    Deno.stderr.writeSync(enc.encode(tty ? `\r\x1b[2K${line}` : `${line}\n`));
  };
  try {
    const result = await backfill({
      client,
      store: createBackfillStore(sql),
      since,
      budgetMs: Number.POSITIVE_INFINITY,
      now: Date.now,
      log: createLogger({ fn: "backfill-cli" }, {
        level: "warn",
        write: (l) => Deno.stderr.writeSync(enc.encode(`\n${l}\n`)),
      }),
      onProgress: draw,
    });
    draw(result);
    Deno.stderr.writeSync(enc.encode("\n"));
    // deno-lint-ignore no-console
    console.log(
      JSON.stringify({ since, requests, seconds: (Date.now() - started) / 1000, ...result }),
    );
  } finally {
    await sql.end();
  }
}
