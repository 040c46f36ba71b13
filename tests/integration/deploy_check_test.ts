/**
 * `deno task deploy:check` against the throwaway platform's database (it stands for a linked
 * project's): extensions, migrations, Vault, cron, stages and Notion are read and judged, the
 * command changes nothing, and without an access token the CLI checks are skipped with a note.
 * With a token the real Supabase CLI is asked; a token it cannot use (or no network) is a missing
 * check with the CLI's reason, not a crash.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../../local/config.ts";
import { type CliRunner, FUNCTIONS, runDeployCheck } from "../../local/deploy_check.ts";
import { platformAvailable, TEST_DB_URL, testDb } from "../support/platform.ts";

async function deployCheck(env: Record<string, string>, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/local/deploy_check.ts`, ...args],
    cwd: PROJECT_ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name:
    "deploy:check: reads the project's database, one line per check; CLI checks skipped without a token",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(1);
    const snapshot = () =>
      sql<{ s: string }[]>`select (select count(*) from vault.secrets) || '/' ||
        (select count(*) from cron.job) || '/' || (select count(*) from switchboard.incidents) as s`;
    const before = (await snapshot())[0]!.s;
    try {
      const r = await deployCheck(
        { SUPABASE_DB_URL: TEST_DB_URL! },
        "--project-ref=abcdefghijklmnopqrst",
      );
      const out = r.stdout;
      for (const ext of ["pg_cron", "pgmq", "pg_net", "supabase_vault"]) {
        assert.match(out, new RegExp(`^ok {7}extension {2}${ext} — `, "m"), ext);
      }
      assert.match(out, /^ok {7}migrations {1}(\d+) of \1 applied$/m, "every migration applied");
      assert.match(out, /^ok {7}vault {6}switchboard_functions_url — set$/m);
      assert.match(out, /^ok {7}vault {6}switchboard_worker_secret — set$/m);
      // Optional: reported as such when missing; another test file may have set it meanwhile.
      assert.match(
        out,
        /^(warn {5}vault {6}switchboard_alert_webhook_url — optional|ok {7}vault {6}switchboard_alert_webhook_url — set)/m,
      );
      assert.match(out, /^ok {7}cron {7}pg_cron scheduler — running$/m);
      assert.match(out, /^(ok {7}|warn {5})cron {7}switchboard-sweep/m);
      assert.match(out, /^ok {7}stage {6}call_enrich — enabled → call-enrich$/m);
      assert.match(out, /^(ok|MISSING) +notion {5}databases/m);
      assert.match(
        out,
        /^skipped {2}secrets {4}function secrets not checked — needs SUPABASE_ACCESS_TOKEN$/m,
      );
      assert.match(
        out,
        /^skipped {2}functions {2}deployed functions not checked — needs SUPABASE_ACCESS_TOKEN$/m,
      );
      assert.match(
        out,
        /^ +→ create a token at https:\/\/supabase\.com\/dashboard\/account\/tokens/m,
      );
      assert.match(out, /^deploy:check: \d+ ok, \d+ missing, \d+ warnings, 2 skipped$/m);
      assert.equal(
        r.code,
        /^MISSING/m.test(out) ? 1 : 0,
        "exit code: 1 exactly when something is missing",
      );
      assert.equal((await snapshot())[0]!.s, before, "nothing was changed");
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "deploy:check: a disabled stage and a missing Vault secret are MISSING with the fix; no URL → exit 2",
  ignore: !platformAvailable,
  async fn() {
    // A fake CLI: the listed path, without the network.
    const cli: CliRunner = (args) =>
      Promise.resolve({
        code: 0,
        stderr: "",
        stdout: JSON.stringify(
          args[0] === "secrets"
            ? [{ name: "NOTION_TOKEN", value: "x" }]
            : FUNCTIONS.map((slug) => ({ slug, status: "ACTIVE", verify_jwt: false })),
        ),
      });
    const checks = await runDeployCheck({
      dbUrl: TEST_DB_URL!,
      projectRef: "ref",
      accessToken: "sbp_x",
      cli,
    });
    const by = (area: string, name: string) =>
      checks.find((c) => c.area === area && c.name === name);
    assert.equal(by("secrets", "NOTION_TOKEN")?.status, "ok");
    assert.equal(by("secrets", "OPENAI_API_KEY")?.status, "missing");
    assert.equal(by("functions", "stats")?.status, "ok");
    assert.equal(checks.filter((c) => c.status === "skipped").length, 0);

    const none = await deployCheck({});
    assert.equal(none.code, 2);
    assert.match(none.stdout, /needs the project's database URL: SUPABASE_DB_URL=/);
    const down = await deployCheck({
      SUPABASE_DB_URL: "postgresql://postgres:secret-pw@127.0.0.1:1/postgres",
    });
    assert.equal(down.code, 2);
    assert.doesNotMatch(down.stdout, /secret-pw/);
  },
});

Deno.test({
  name:
    "deploy:check: with a token the Supabase CLI is asked; one it cannot use is reported, not a crash",
  ignore: !platformAvailable,
  async fn() {
    const r = await deployCheck(
      { SUPABASE_DB_URL: TEST_DB_URL!, SUPABASE_ACCESS_TOKEN: "sbp_" + "0".repeat(40) },
      "--project-ref=abcdefghijklmnopqrst",
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /^MISSING {2}secrets {4}supabase secrets list — could not list the function secrets: /m,
    );
    assert.match(
      r.stdout,
      /^MISSING {2}functions {2}supabase functions list — could not list the functions: /m,
    );
    assert.doesNotMatch(r.stdout, /sbp_0000/, "the token is never printed");
  },
});
