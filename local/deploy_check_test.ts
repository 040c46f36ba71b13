import assert from "node:assert/strict";
import {
  type CliRunner,
  formatChecks,
  functionChecks,
  FUNCTIONS,
  migrationVersions,
  projectRef,
  secretChecks,
} from "./deploy_check.ts";

function fakeCli(out: Record<string, { code?: number; stdout?: string; stderr?: string }>): {
  cli: CliRunner;
  calls: string[][];
} {
  const calls: string[][] = [];
  return {
    calls,
    cli: (args) => {
      calls.push(args);
      const r = out[args.slice(0, 2).join(" ")] ?? {};
      return Promise.resolve({ code: r.code ?? 0, stdout: r.stdout ?? "", stderr: r.stderr ?? "" });
    },
  };
}

Deno.test("deploy:check: function secrets by name from `supabase secrets list -o json`", async () => {
  const { cli, calls } = fakeCli({
    "secrets list": {
      stdout: JSON.stringify([
        { name: "OPENPHONE_API_KEY", value: "digest" },
        { name: "OPENPHONE_LEGACY_WEBHOOK_KEYS", value: "digest" },
        { name: "OPENAI_API_KEY", value: "digest" },
        { name: "NOTION_TOKEN", value: "digest" },
        { name: "GDRIVE_FOLDER_ID", value: "digest" },
        { name: "SUPABASE_URL", value: "digest" },
      ]),
    },
  });
  const checks = await secretChecks(cli, "abcdefghijklmnopqrst", {});
  assert.deepEqual(calls, [["secrets", "list", "--remote=abcdefghijklmnopqrst", "-o", "json"]]);
  const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
  assert.equal(byName["OPENPHONE_API_KEY"]?.status, "ok");
  assert.equal(
    byName["OPENPHONE_LEGACY_WEBHOOK_KEYS"]?.status,
    "ok",
    "either webhook scheme will do",
  );
  assert.equal(byName["ASSEMBLYAI_API_KEY"]?.status, "missing");
  assert.match(byName["ASSEMBLYAI_API_KEY"]!.fix!, /supabase secrets set ASSEMBLYAI_API_KEY=…/);
  const drive = byName["GDRIVE_SERVICE_ACCOUNT_JSON, GDRIVE_FOLDER_ID"]!;
  assert.equal(drive.status, "warn", "Drive is optional, half of it is worth a warning");
  assert.match(drive.detail!, /only GDRIVE_FOLDER_ID set/);
  assert.ok(!JSON.stringify(checks).includes("digest"), "values are never printed");
});

Deno.test("deploy:check: every function deployed, active, verify_jwt off", async () => {
  const deployed = FUNCTIONS.filter((f) => f !== "stats").map((slug) => ({
    slug,
    status: slug === "recording" ? "THROTTLED" : "ACTIVE",
    verify_jwt: slug === "health",
  }));
  const { cli } = fakeCli({ "functions list": { stdout: JSON.stringify(deployed) } });
  const checks = await functionChecks(cli, "ref", {});
  assert.equal(checks.length, FUNCTIONS.length);
  const by = Object.fromEntries(checks.map((c) => [c.name, c]));
  assert.equal(by["stats"]?.status, "missing");
  assert.equal(by["stats"]?.fix, "supabase functions deploy stats");
  assert.equal(by["recording"]?.status, "missing");
  assert.match(by["health"]!.detail!, /verify_jwt is on/);
  assert.equal(by["notion-publish"]?.status, "ok");
});

Deno.test("deploy:check: a CLI that cannot list (bad token, no network) is a missing check with the reason", async () => {
  const { cli } = fakeCli({
    "secrets list": {
      code: 1,
      stderr: "Target: project x\nfailed to list secrets: Unauthorized\nTry rerunning",
    },
    "functions list": { code: 0, stdout: "not json" },
  });
  const [s] = await secretChecks(cli, "x", {});
  assert.equal(s?.status, "missing");
  assert.match(
    s!.detail!,
    /could not list the function secrets: failed to list secrets: Unauthorized/,
  );
  const [f] = await functionChecks(cli, "x", {});
  assert.equal(f?.status, "missing");
});

Deno.test("deploy:check: one line per check, the fix under what is not ok, a summary", () => {
  const lines = formatChecks([
    { area: "extension", name: "pg_cron", status: "ok", detail: "1.6.4 in pg_catalog" },
    { area: "vault", name: "switchboard_worker_secret", status: "missing", fix: "select …" },
    { area: "secrets", name: "function secrets not checked", status: "skipped", detail: "needs X" },
  ]);
  assert.deepEqual(
    lines,
    [
      "ok       extension  pg_cron — 1.6.4 in pg_catalog",
      "MISSING  vault      switchboard_worker_secret",
      "                    → select …",
      "skipped  secrets    function secrets not checked — needs X",
      "                    → " + "",
      "",
      "deploy:check: 1 ok, 1 missing, 0 warnings, 1 skipped",
    ].filter((l) => l !== "                    → "),
  );
});

Deno.test("deploy:check: migration versions from the file names; the ref from --project-ref", async () => {
  const versions = await migrationVersions();
  assert.ok(versions.length > 20);
  assert.ok(versions.includes("20261129004000"));
  assert.deepEqual(versions, [...versions].sort());
  assert.equal(await projectRef(["--project-ref=abc"], "/nonexistent"), "abc");
});
