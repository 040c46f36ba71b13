import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

Deno.test("loadConfig() parses only the keys asked for, with defaults", () => {
  const c = loadConfig(["SUPABASE_DB_URL", "LOG_LEVEL", "WORKER_TIME_BUDGET_SECONDS"], {
    SUPABASE_DB_URL: "postgresql://u:p@h:5432/db",
    WORKER_TIME_BUDGET_SECONDS: "30",
  });
  assert.deepEqual(c, {
    SUPABASE_DB_URL: "postgresql://u:p@h:5432/db",
    LOG_LEVEL: "info",
    WORKER_TIME_BUDGET_SECONDS: 30,
  });
});

Deno.test("loadConfig() names missing and invalid keys without echoing values", () => {
  assert.throws(
    () => loadConfig(["SUPABASE_DB_URL", "SUPABASE_URL"], { SUPABASE_URL: "not a url secretish" }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /SUPABASE_DB_URL/);
      assert.match(e.message, /SUPABASE_URL/);
      assert.doesNotMatch(e.message, /secretish/);
      return true;
    },
  );
});
