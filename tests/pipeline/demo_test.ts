/**
 * The demo, end to end, on the throwaway platform: a sandbox of its own (every vendor, in this
 * process), a gateway of its own whose functions point at that sandbox, and the throwaway
 * database's wake-ups (Vault's switchboard_functions_url) pointed at that gateway for the
 * duration. Everything moves as on the dev platform: signed webhooks from the sandbox's sender,
 * the backfill and Drive discovery invoked through pg_net, stages woken by pg_net and by
 * switchboard.sweep() (what pg_cron runs). Then the sandbox's Notion is read through the
 * official SDK: every demo call and conversation has exactly one page.
 */
import assert from "node:assert/strict";
import { Client } from "@notionhq/client";
import postgres from "postgres";
import { gatewayEnv, readDotenv, waitForGateway } from "../../local/gateway/launch.ts";
import { freePort, writeSecretFile } from "../../local/process.ts";
import { PROJECT_ROOT } from "../../local/config.ts";
import { sandboxFunctionsEnv } from "../../local/sandbox_env.ts";
import { runDemo } from "../../local/demo/run.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { createVendors } from "../../sandbox/vendors.ts";
import { platformAvailable, TEST_DB_URL } from "../support/platform.ts";

type Row = Record<string, unknown> & { id: string; properties: Record<string, unknown> };

/** Every page of a data source, through the SDK's pagination. */
async function allRows(notion: Client, dataSourceId: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | undefined;
  do {
    const page = await notion.dataSources.query({
      data_source_id: dataSourceId,
      page_size: 100,
      ...(cursor ? { start_cursor: cursor } : {}),
    });
    rows.push(...page.results as unknown as Row[]);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return rows;
}

function text(prop: unknown): string {
  const p = prop as { type: string; [k: string]: unknown };
  const items = p[p.type] as { plain_text: string }[];
  return items.map((t) => t.plain_text).join("");
}

/** Frees every slot of the call and message stages (no worker of them is alive when called). */
async function freeSlots(sql: postgres.Sql): Promise<void> {
  await sql`
    update switchboard.worker_slots set worker_id = null, held_until = null
    where stage in (select name from switchboard.stages where subject_kind in ('call', 'message'))
      and worker_id is not null`;
}

Deno.test({
  name: "demo: a day through the real doors ends with every call and conversation in Notion once",
  ignore: !platformAvailable,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "switchboard-demo-" });
    const sandbox = startSandbox({ vendors: createVendors(), port: 0 });
    const sql = postgres(TEST_DB_URL!, { max: 2, onnotice: () => {} });
    const [previous] = await sql<{ url: string }[]>`
      select decrypted_secret as url from vault.decrypted_secrets
      where name = 'switchboard_functions_url'`;
    const previousUrl = previous!.url;
    // The demo points notion_settings at its own sandbox's databases: given back afterwards.
    const [settingsBefore] = await sql`select * from switchboard.notion_settings`;
    let gateway: Deno.ChildProcess | null = null;
    const lines: string[] = [];
    try {
      const env = await sandboxFunctionsEnv(sandbox.url);
      const envFile = `${root}/functions.env`;
      await writeSecretFile(
        envFile,
        Object.entries({ ...env, LOG_LEVEL: "warn" }).map(([k, v]) => `${k}=${v}`).join("\n") +
          "\n",
      );
      const port = freePort();
      const log = await Deno.open(`${root}/gateway.log`, { write: true, create: true });
      gateway = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${PROJECT_ROOT}/local/gateway/main.ts`],
        env: gatewayEnv({
          port,
          dbUrl: TEST_DB_URL!,
          storageDir: `${root}/storage`,
          envFiles: [envFile],
          skipUserDotenv: true,
        }),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      gateway.stdout.pipeTo(log.writable, { preventClose: true }).catch(() => {});
      gateway.stderr.pipeTo(log.writable).catch(() => {});
      const gatewayUrl = `http://127.0.0.1:${port}`;
      await waitForGateway(gatewayUrl);
      // Slots still held by workers of the tests before this one (in-process drains that are
      // gone) would hold a stage back for up to its lease (what the watchdog waits out); tests
      // here run one at a time, so none of them is alive now.
      await freeSlots(sql);
      // Wake-ups (pg_net) go to this gateway for the duration.
      await sql`select switchboard.set_secret('switchboard_functions_url', ${gatewayUrl})`;

      const run = await runDemo(
        {
          dbUrl: TEST_DB_URL!,
          gatewayUrl,
          sandboxUrl: sandbox.url,
          functionsEnv: { ...env, ...(await readDotenv(envFile)) },
        },
        { say: (l) => lines.push(l), tty: false, timeoutMs: 80_000, sweepEveryMs: 3_000 },
      );
      assert.ok(run.finished, "the demo finished");

      const notion = new Client({ auth: env.NOTION_TOKEN!, baseUrl: `${sandbox.url}/notion` });
      const [ids] = await sql<{ calls: string; conversations: string }[]>`
        select calls_data_source_id as calls, conversations_data_source_id as conversations
        from switchboard.notion_settings`;
      const callPages = await allRows(notion, ids!.calls);
      const callIds = callPages.map((p) => text(p.properties["Call ID"]));
      assert.equal(callPages.length, run.day.expectedCallPages, "one page per demo call");
      assert.equal(new Set(callIds).size, callIds.length, "no Call ID twice");
      const keys = await sql<{ call_key: string }[]>`
        select p.call_key from switchboard.notion_call_pages p
        join switchboard.calls c on c.id = p.call_id where c.merged_into_call_id is null`;
      assert.deepEqual(new Set(callIds), new Set(keys.map((k) => k.call_key)));

      const conversationPages = await allRows(notion, ids!.conversations);
      const convKeys = conversationPages.map((p) => text(p.properties["Conversation ID"]));
      assert.equal(conversationPages.length, run.day.expectedConversationPages);
      assert.equal(new Set(convKeys).size, convKeys.length, "no conversation twice");
      const messages = conversationPages.reduce(
        (n, p) => n + ((p.properties["Messages"] as { number: number }).number ?? 0),
        0,
      );
      assert.equal(messages, run.day.messages.length, "every text on its conversation's page");

      // The faults happened and changed nothing: 429s seen, no dead letters.
      assert.ok((run.results.rateLimited.notion ?? 0) >= 1, "Notion's 429 burst was met");
      assert.equal(run.results.deadLetters, 0);
      // The long call's transcript ran to several thousand blocks, in order, on its one page.
      const long = run.results.calls.find((c) => c.label.includes("contract review"))!;
      assert.ok(long.pageId);
      const [page] = await sql<{ blocks: number }[]>`
        select top_level_count as blocks from switchboard.notion_call_pages
        where page_id = ${long.pageId}::uuid`;
      const blocks = page!.blocks;
      assert.ok(blocks > 900, `the long call's page has ${blocks} top-level blocks`);
    } catch (e) {
      // deno-lint-ignore no-console
      console.error(lines.join("\n"));
      const stages = await sql`
        select name, function_name, enabled, max_workers,
               (select count(*) from switchboard.worker_slots w where w.stage = s.name
                  and w.worker_id is not null and w.held_until > now())::int as held
        from switchboard.stages s order by name`.catch(() => []);
      const wakeups = await sql`
        select status_code, left(content, 120) as content, count(*)::int as n
        from net._http_response group by 1, 2 order by 3 desc limit 10`.catch(() => []);
      const items = await sql`
        select stage, status, waiting_for, last_error->>'code' as code, count(*)::int as n
        from switchboard.work_items group by 1, 2, 3, 4`.catch(() => []);
      // deno-lint-ignore no-console
      console.error(JSON.stringify({ stages, wakeups, items }, null, 1));
      throw e;
    } finally {
      await sql`select switchboard.set_secret('switchboard_functions_url', ${previousUrl})`
        .catch(() => {});
      if (settingsBefore) {
        const { id: _id, ...columns } = settingsBefore;
        await sql`update switchboard.notion_settings set ${sql(columns)}`.catch(() => {});
      }
      if (gateway) {
        // Let this gateway's workers finish their drains and give their slots back first.
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          const [held] = await sql<{ n: number }[]>`
            select count(*)::int as n from switchboard.worker_slots
            where worker_id is not null and held_until > now()`.catch(() => [{ n: 0 }]);
          if (!held?.n) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        gateway.kill("SIGTERM");
        await gateway.status;
        await freeSlots(sql).catch(() => {});
      }
      await sql.end();
      await sandbox.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
