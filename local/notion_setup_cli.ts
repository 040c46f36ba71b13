/**
 * `deno task notion:setup [--parent <page id or URL>] [--calls|--conversations|--contacts <id or URL>] [--check]`
 *
 * Creates the Contacts ("Canvas"), Calls and Conversations databases under the parent page, or
 * checks the ones already configured against the property mapping, and stores the ids in
 * switchboard.notion_settings (see notion_setup.ts). Exit 0 when every database matches, 1 when
 * a property is missing or mistyped (the diff is printed), 2 on a usage or connection error.
 *
 * Environment (or supabase/functions/.env, or the local platform's .local/functions.env):
 *   NOTION_TOKEN           the integration's secret (required)
 *   NOTION_PARENT_PAGE_ID  the page to create the databases under (or --parent)
 *   NOTION_API_BASE_URL    default https://api.notion.com (the sandbox: http://127.0.0.1:54330/notion)
 *   SWITCHBOARD_DB_URL     default: the local platform's database
 */
import {
  createNotionAdapter,
  DEFAULT_NOTION_BASE_URL,
  NotionError,
} from "../supabase/functions/_shared/adapters/notion/client.ts";
import {
  loadNotionSettings,
  notionBudget,
  type NotionDatabaseName,
} from "../supabase/functions/_shared/adapters/notion/settings.ts";
import { createDb } from "../supabase/functions/_shared/platform/db.ts";
import { createLogger } from "../supabase/functions/_shared/platform/log.ts";
import { dbUrl, PROJECT_ROOT, STATE_DIR } from "./config.ts";
import { readDotenv } from "./gateway/launch.ts";
import { runNotionSetup } from "./notion_setup.ts";

export interface CliArgs {
  parent: string | null;
  databaseIds: Partial<Record<NotionDatabaseName, string>>;
  checkOnly: boolean;
}

const USAGE =
  "Usage: deno task notion:setup [--parent <page id|URL>] [--contacts|--calls|--conversations <database id|URL>] [--check]";

export function parseArgs(args: string[]): CliArgs {
  const out: CliArgs = { parent: null, databaseIds: {}, checkOnly: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (!v) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case "--parent":
        out.parent = value();
        break;
      case "--calls":
      case "--conversations":
      case "--contacts":
        out.databaseIds[flag.slice(2) as NotionDatabaseName] = value();
        break;
      case "--check":
        out.checkOnly = true;
        break;
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`Unknown argument ${a}\n${USAGE}`);
    }
  }
  return out;
}

function say(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

if (import.meta.main) {
  let code = 2;
  try {
    const args = parseArgs(Deno.args);
    const env: Record<string, string> = {
      ...(await readDotenv(`${STATE_DIR}/functions.env`)),
      ...(await readDotenv(`${PROJECT_ROOT}/supabase/functions/.env`)),
      ...Deno.env.toObject(),
    };
    const token = env.NOTION_TOKEN;
    if (!token) throw new Error("NOTION_TOKEN is not set (the integration's secret)");
    const sql = createDb(env.SWITCHBOARD_DB_URL ?? dbUrl(), "switchboard:notion-setup", 2);
    try {
      const settings = await loadNotionSettings(sql);
      const log = createLogger({ fn: "notion-setup" }, {
        level: "warn",
        write: (l) => Deno.stderr.writeSync(new TextEncoder().encode(`${l}\n`)),
      });
      const notion = createNotionAdapter({
        baseUrl: env.NOTION_API_BASE_URL || DEFAULT_NOTION_BASE_URL,
        token,
        fetch,
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        log,
        budget: await notionBudget(sql, settings, token),
        maxBudgetWaitMs: 120_000,
      });
      const report = await runNotionSetup({
        notion,
        sql,
        settings,
        parentPageId: args.parent ?? env.NOTION_PARENT_PAGE_ID ?? null,
        databaseIds: args.databaseIds,
        checkOnly: args.checkOnly,
      });
      for (const line of report.lines) say(line);
      code = report.ok ? 0 : 1;
    } finally {
      await sql.end();
    }
  } catch (e) {
    const msg = e instanceof NotionError ? e.message : e instanceof Error ? e.message : String(e);
    // deno-lint-ignore no-console
    console.error(`notion:setup: ${msg}`);
  }
  Deno.exit(code);
}
