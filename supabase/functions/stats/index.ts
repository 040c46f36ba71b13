// stats: GET → switchboard.stats() as JSON, for the project's secret key only. See README.md.
import { loadConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createServiceKeyAuth, secretKeysFromEnv } from "../_shared/platform/service_key_auth.ts";
import { createHandler } from "./handler.ts";

const config = loadConfig(["SUPABASE_DB_URL", "LOG_LEVEL"]);
const log = createLogger({ fn: "stats" }, { level: config.LOG_LEVEL });
const sql = createDb(config.SUPABASE_DB_URL, "switchboard:stats", 1);

Deno.serve(createHandler({
  log,
  authenticate: createServiceKeyAuth(secretKeysFromEnv(Deno.env.toObject())),
  stats: async () => {
    const [row] = await sql<
      { stats: Record<string, unknown> }[]
    >`select switchboard.stats() as stats`;
    if (!row) throw new Error("switchboard.stats returned no row");
    return row.stats;
  },
}));
