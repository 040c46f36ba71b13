/**
 * `deno task status`'s table against the throwaway platform: local/status.ts reads
 * switchboard.stats() from the database it is given and prints the pipeline at a glance; --json
 * prints the document; an unreachable database is exit code 2 with a short reason.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../../local/config.ts";
import { platformAvailable, TEST_DB_URL } from "../support/platform.ts";

async function status(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/local/status.ts`, ...args],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "status: prints every stage, dead letters, spend, cron jobs and health from the database",
  ignore: !platformAvailable,
  async fn() {
    const r = await status(`--db-url=${TEST_DB_URL}`);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0]!, /^pipeline {3}(HEALTHY|UNHEALTHY)/);
    assert.match(
      r.stdout,
      /^stage\s+pending\s+running\s+waiting\s+failed\s+done\s+queued\s+oldest wait\s+workers/m,
    );
    for (
      const stage of [
        "call_enrich",
        "call_store_recording",
        "call_transcribe",
        "call_summarize",
        "call_publish",
        "message_publish",
        "probe",
      ]
    ) {
      assert.match(
        r.stdout,
        new RegExp(`^  ${stage}\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+`, "m"),
        stage,
      );
    }
    // In pipeline order.
    assert.ok(r.stdout.indexOf("call_enrich") < r.stdout.indexOf("call_publish"));
    assert.match(r.stdout, /^dead letters {2}\d+ open, \d+ unacknowledged/m);
    assert.match(r.stdout, /^spend today {3}\$\d+\.\d\d of \$\d+\.\d\d · \d+ of \d+ calls/m);
    assert.match(r.stdout, /^\s+switchboard-sweep\s+\* \* \* \* \*\s+(\d+ (s|min) ago|never)\s+/m);
    assert.match(r.stdout, /^\s+switchboard-alerts\s+/m);
    assert.match(r.stdout, /^health {8}database ok · /m);
    assert.equal(
      r.code,
      r.stdout.startsWith("pipeline   HEALTHY") ? 0 : 1,
      "exit code follows the verdict",
    );
  },
});

Deno.test({
  name: "status: --json prints switchboard.stats(); an unreachable database exits 2",
  ignore: !platformAvailable,
  async fn() {
    const r = await status(`--db-url=${TEST_DB_URL}`, "--json");
    const doc = JSON.parse(r.stdout);
    assert.ok(Array.isArray(doc.pipeline) && Array.isArray(doc.cron) && doc.spend.today);
    const down = await status("--db-url=postgresql://postgres:postgres@127.0.0.1:1/postgres");
    assert.equal(down.code, 2);
    assert.match(down.stderr, /status: cannot read switchboard.stats\(\)/);
    assert.doesNotMatch(down.stderr, /postgres:postgres/, "no credentials in the message");
  },
});
