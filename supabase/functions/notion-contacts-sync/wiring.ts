/**
 * Builds the notion-contacts-sync request handler from the environment: the Notion adapter (its
 * shared Postgres budget), the contacts port and store, worker auth. index.ts only serves it.
 * Where the contacts live is read from switchboard.notion_settings on every run, so a new
 * set-up is picked up without a deploy; the run answers {skipped} until Notion is set up.
 */
import type { CountryCode } from "libphonenumber-js";
import { z } from "zod";
import { createNotionAdapter, type NotionBudget } from "../_shared/adapters/notion/client.ts";
import { createNotionContacts, loadContactsSetup } from "../_shared/adapters/notion/contacts.ts";
import { createContactsStore } from "../_shared/domain/contacts/pg_store.ts";
import { loadConfig } from "../_shared/platform/config.ts";
import { createDb, type Sql } from "../_shared/platform/db.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { budgetKey, postgresBudget } from "../_shared/platform/rate_budget.ts";
import { createWorkerAuth, vaultWorkerSecret } from "../_shared/platform/worker_auth.ts";
import { createHandler, type SyncMode } from "./handler.ts";
import { syncContacts, type SyncReport } from "./sync.ts";

const NotionEnv = z.object({
  NOTION_TOKEN: z.string().min(1),
  NOTION_API_BASE_URL: z.url().default("https://api.notion.com"),
  /** Requests per second for every Notion caller together (Notion: 180/min, bursts allowed). */
  NOTION_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(2.7),
  NOTION_RATE_BURST: z.coerce.number().int().positive().default(10),
});

export interface SyncWiring {
  sql: Sql;
  log: Logger;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The sync run with its dependencies (tests call it in-process). */
export function buildSync(
  w: SyncWiring,
): (mode: SyncMode) => Promise<SyncReport | { skipped: string }> {
  const base = loadConfig(["WORKER_TIME_BUDGET_SECONDS", "DEFAULT_PHONE_COUNTRY"], w.env);
  const notionEnv = NotionEnv.safeParse(w.env);
  const now = w.now ?? Date.now;
  return async (mode) => {
    if (!notionEnv.success) return { skipped: "Notion is not configured (NOTION_TOKEN)" };
    const setup = await loadContactsSetup((text) => w.sql.unsafe(text));
    if (!setup) return { skipped: "No Contacts data source in switchboard.notion_settings" };
    const env = notionEnv.data;
    const budget = await sharedBudget(
      w.sql,
      env.NOTION_TOKEN,
      env.NOTION_RATE_LIMIT_PER_SECOND,
      env.NOTION_RATE_BURST,
    );
    const notion = createNotionAdapter({
      baseUrl: env.NOTION_API_BASE_URL,
      token: env.NOTION_TOKEN,
      fetch: w.fetch ?? fetch,
      now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      log: w.log,
      budget,
    });
    return syncContacts({
      store: createContactsStore(w.sql),
      directory: createNotionContacts({
        sdk: notion.sdk,
        dataSourceId: setup.dataSourceId,
        properties: setup.properties,
        defaultCountry: base.DEFAULT_PHONE_COUNTRY as CountryCode,
      }),
      defaultCountry: base.DEFAULT_PHONE_COUNTRY as CountryCode,
      now,
      budgetMs: base.WORKER_TIME_BUDGET_SECONDS * 1000,
      log: w.log,
      force: mode,
    });
  };
}

/** The Notion budget every caller with this token shares (one Postgres key per token). */
export async function sharedBudget(
  sql: Sql,
  token: string,
  ratePerSec: number,
  burst: number,
): Promise<NotionBudget> {
  const b = postgresBudget(sql, await budgetKey("notion", token), ratePerSec, burst);
  return { reserve: () => b.reserve(), block: (untilMs) => b.block(untilMs) };
}

export function createSyncApp(): (req: Request) => Promise<Response> {
  const env = Deno.env.toObject();
  const { SUPABASE_DB_URL, LOG_LEVEL } = loadConfig(["SUPABASE_DB_URL", "LOG_LEVEL"], env);
  const log = createLogger({ fn: "notion-contacts-sync" }, { level: LOG_LEVEL });
  const sql = createDb(SUPABASE_DB_URL, "switchboard:notion-contacts-sync", 2);
  return createHandler({
    log,
    authenticate: createWorkerAuth({ readSecret: vaultWorkerSecret(sql), now: Date.now }),
    sync: buildSync({ sql, log, env }),
  });
}
