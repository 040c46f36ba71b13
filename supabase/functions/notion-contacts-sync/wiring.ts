/**
 * Builds the notion-contacts-sync request handler from the environment: the Notion adapter (the
 * shared Postgres budget of notion_settings), the contacts port and store, worker auth. index.ts
 * only serves it. Where the contacts live is read from switchboard.notion_settings on every run,
 * so a new set-up is picked up without a deploy; the run answers {skipped} until Notion is set up.
 */
import type { CountryCode } from "libphonenumber-js";
import { z } from "zod";
import { createNotionAdapter } from "../_shared/adapters/notion/client.ts";
import { contactsSetup, createNotionContacts } from "../_shared/adapters/notion/contacts.ts";
import { loadNotionSettings, notionBudget } from "../_shared/adapters/notion/settings.ts";
import { createContactsStore } from "../_shared/domain/contacts/pg_store.ts";
import { loadConfig } from "../_shared/platform/config.ts";
import { createDb, type Sql } from "../_shared/platform/db.ts";
import { createLogger, type Logger } from "../_shared/platform/log.ts";
import { createWorkerAuth, vaultWorkerSecret } from "../_shared/platform/worker_auth.ts";
import { createHandler, type SyncMode } from "./handler.ts";
import { syncContacts, type SyncReport } from "./sync.ts";

const NotionEnv = z.object({
  NOTION_TOKEN: z.string().min(1),
  NOTION_API_BASE_URL: z.url().default("https://api.notion.com"),
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
  const country = base.DEFAULT_PHONE_COUNTRY as CountryCode;
  return async (mode) => {
    if (!notionEnv.success) return { skipped: "Notion is not configured (NOTION_TOKEN)" };
    const settings = await loadNotionSettings(w.sql);
    const setup = contactsSetup(settings);
    if (!setup) return { skipped: "No Contacts data source in switchboard.notion_settings" };
    const { NOTION_TOKEN, NOTION_API_BASE_URL } = notionEnv.data;
    const notion = createNotionAdapter({
      baseUrl: NOTION_API_BASE_URL,
      token: NOTION_TOKEN,
      fetch: w.fetch ?? fetch,
      now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      log: w.log,
      budget: await notionBudget(w.sql, settings, NOTION_TOKEN),
    });
    return syncContacts({
      store: createContactsStore(w.sql),
      directory: createNotionContacts({
        sdk: notion.sdk,
        dataSourceId: setup.dataSourceId,
        properties: setup.properties,
        filterTypes: setup.filterTypes,
        defaultCountry: country,
      }),
      defaultCountry: country,
      now,
      budgetMs: base.WORKER_TIME_BUDGET_SECONDS * 1000,
      log: w.log,
      force: mode,
    });
  };
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
