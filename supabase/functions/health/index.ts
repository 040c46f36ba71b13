import { loadConfig } from "../_shared/platform/config.ts";
import { createDb } from "../_shared/platform/db.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { createHandler, type HealthReport } from "./handler.ts";

const config = loadConfig(["SUPABASE_DB_URL", "LOG_LEVEL"]);
const log = createLogger({ fn: "health" }, { level: config.LOG_LEVEL });
const sql = createDb(config.SUPABASE_DB_URL, "switchboard:health", 1);

Deno.serve(createHandler({
  log,
  report: async () => {
    const [row] = await sql<
      { report: HealthReport }[]
    >`select switchboard.health_report() as report`;
    if (!row) throw new Error("health_report returned no row");
    return row.report;
  },
}));
