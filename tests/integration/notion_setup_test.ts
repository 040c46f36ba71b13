/**
 * `deno task notion:setup` against the sandbox's Notion: creates the three databases with the
 * mapped properties and relations (read back through the official SDK), a second run changes
 * nothing, and a hand-made database with a missing and a mistyped property gets a diff naming
 * both. Each case runs in a transaction that is rolled back, so the shared notion_settings row of
 * the test database is left as it was for other tests.
 */
import assert from "node:assert/strict";
import { Client } from "@notionhq/client";
import type postgres from "postgres";
import { parseArgs } from "../../local/notion_setup_cli.ts";
import { runNotionSetup, type SetupReport } from "../../local/notion_setup.ts";
import {
  createNotionAdapter,
  type NotionAdapter,
} from "../../supabase/functions/_shared/adapters/notion/client.ts";
import {
  DEFAULT_PROPERTY_MAP,
  loadNotionSettings,
  notionBudget,
} from "../../supabase/functions/_shared/adapters/notion/settings.ts";
import type { Sql } from "../../supabase/functions/_shared/platform/db.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { createNotion } from "../../sandbox/notion/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

const TOKEN = "secret_notion_setup_test";

class Rollback extends Error {}

async function inRolledBackTransaction(
  sql: postgres.Sql,
  fn: (tx: Sql) => Promise<void>,
): Promise<void> {
  try {
    await sql.begin(async (tx) => {
      // Start from the migration's defaults whatever other tests stored.
      await tx`update switchboard.notion_settings set parent_page_id = null,
        calls_database_id = null, calls_data_source_id = null,
        conversations_database_id = null, conversations_data_source_id = null,
        contacts_database_id = null, contacts_data_source_id = null, verified_at = null
        where id`;
      await fn(tx as unknown as Sql);
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
}

function adapter(url: string): NotionAdapter {
  return createNotionAdapter({
    baseUrl: `${url}/notion`,
    token: TOKEN,
    fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: createLogger({}, { write: () => {} }),
    budget: { reserve: () => Promise.resolve(0), block: () => Promise.resolve() },
  });
}

async function setup(
  tx: Sql,
  notion: NotionAdapter,
  extra: { parent?: string; ids?: Record<string, string> } = {},
): Promise<SetupReport> {
  return await runNotionSetup({
    notion,
    sql: tx,
    settings: await loadNotionSettings(tx),
    ...(extra.parent ? { parentPageId: extra.parent } : {}),
    ...(extra.ids ? { databaseIds: extra.ids } : {}),
  });
}

async function seedParent(url: string): Promise<string> {
  const res = await fetch(`${url}/_control/seed`, {
    method: "POST",
    body: JSON.stringify({ notion: { pages: [{ title: "Switchboard" }] } }),
  });
  const body = await res.json();
  assert.ok(res.ok, JSON.stringify(body));
  return body.notion.pages[0].id;
}

const databaseCreates = async (url: string) =>
  (await (await fetch(`${url}/_control/requests?vendor=notion`)).json() as {
    method: string;
    route: string | null;
    status: number;
  }[]).filter((r) => r.method === "POST" && r.route === "/v1/databases").length;

Deno.test({
  name:
    "notion:setup creates Contacts, Calls and Conversations with every mapped property; a second run changes nothing",
  ignore: !platformAvailable,
  async fn() {
    const sb = startSandbox({ vendors: [createNotion()] });
    const sql = testDb(2);
    try {
      const parent = await seedParent(sb.url);
      await inRolledBackTransaction(sql, async (tx) => {
        const first = await setup(tx, adapter(sb.url), { parent });
        assert.ok(first.ok, first.lines.join("\n"));
        assert.deepEqual(first.databases.map((d) => [d.database, d.action]), [
          ["contacts", "created"],
          ["calls", "created"],
          ["conversations", "created"],
        ]);
        assert.equal(first.settingsChanged, true);

        // Read back through the official SDK, as a user's tools would see it.
        const sdk = new Client({ auth: TOKEN, baseUrl: `${sb.url}/notion`, retry: false });
        const settings = await loadNotionSettings(tx);
        assert.equal(settings.parentPageId, parent);
        for (const db of ["contacts", "calls", "conversations"] as const) {
          const ids = settings.databases[db];
          assert.ok(ids.databaseId && ids.dataSourceId, db);
          const container = await sdk.databases.retrieve({ database_id: ids.databaseId });
          assert.ok("data_sources" in container);
          assert.deepEqual(container.data_sources.map((s) => s.id), [ids.dataSourceId]);
          assert.ok("parent" in container && container.parent.type === "page_id");
          const ds = await sdk.dataSources.retrieve({ data_source_id: ids.dataSourceId });
          assert.ok("properties" in ds);
          for (const want of Object.values(DEFAULT_PROPERTY_MAP[db])) {
            const have = ds.properties[want.name];
            assert.ok(have, `${db}: "${want.name}" exists`);
            assert.equal(have.type, want.type, `${db}: "${want.name}" type`);
            if (have.type === "relation") {
              assert.equal(have.relation.data_source_id, settings.databases.contacts.dataSourceId);
            }
          }
          assert.equal(
            Object.keys(ds.properties).length,
            Object.keys(DEFAULT_PROPERTY_MAP[db]).length,
            `${db}: no other properties`,
          );
        }
        const creates = await databaseCreates(sb.url);
        assert.equal(creates, 3);

        const second = await setup(tx, adapter(sb.url), { parent });
        assert.ok(second.ok, second.lines.join("\n"));
        assert.deepEqual(second.databases.map((d) => d.action), [
          "verified",
          "verified",
          "verified",
        ]);
        assert.equal(second.settingsChanged, false, second.lines.join("\n"));
        assert.equal(await databaseCreates(sb.url), 3, "no database created the second time");
        assert.deepEqual(await loadNotionSettings(tx), settings);
      });
    } finally {
      await sql.end();
      await sb.close();
    }
  },
});

Deno.test({
  name: "notion:setup reports a hand-made database's missing and mistyped properties by name",
  ignore: !platformAvailable,
  async fn() {
    const sb = startSandbox({ vendors: [createNotion()] });
    const sql = testDb(2);
    try {
      const parent = await seedParent(sb.url);
      const sdk = new Client({ auth: TOKEN, baseUrl: `${sb.url}/notion`, retry: false });
      // Everything the mapping wants, except "Call ID" (missing) and "Duration (s)" as text.
      const properties: Record<string, unknown> = {};
      for (const [logical, p] of Object.entries(DEFAULT_PROPERTY_MAP.calls)) {
        if (logical === "call_id" || p.type === "relation") continue;
        properties[p.name] = logical === "duration" ? { rich_text: {} } : { [p.type]: {} };
      }
      const handMade = await sdk.databases.create({
        parent: { type: "page_id", page_id: parent },
        title: [{ text: { content: "Calls (by hand)" } }],
        // deno-lint-ignore no-explicit-any
        initial_data_source: { properties: properties as any },
      });
      await inRolledBackTransaction(sql, async (tx) => {
        const report = await setup(tx, adapter(sb.url), {
          parent,
          ids: { calls: handMade.id.replace(/-/g, "") },
        });
        assert.equal(report.ok, false);
        const calls = report.databases.find((d) => d.database === "calls")!;
        assert.equal(calls.action, "problems");
        const byName = Object.fromEntries(calls.problems.map((p) => [p.property, p]));
        assert.equal(byName["Call ID"]?.problem, "missing");
        assert.equal(byName["Duration (s)"]?.problem, "wrong_type");
        assert.equal(byName["Duration (s)"]?.actual, "rich_text");
        assert.equal(byName["Duration (s)"]?.expected, "number");
        assert.equal(byName["Contact"]?.problem, "missing");
        assert.equal(calls.problems.length, 3, calls.problems.map((p) => p.property).join(", "));
        const text = report.lines.join("\n");
        assert.match(text, /missing\s+"Call ID" \(call_id\): expected rich_text/);
        assert.match(
          text,
          /wrong type\s+"Duration \(s\)" \(duration\): is rich_text, expected number/,
        );
        // The faulty database is not stored; the clean ones are.
        const settings = await loadNotionSettings(tx);
        assert.equal(settings.databases.calls.databaseId, null);
        assert.ok(settings.databases.contacts.databaseId);
      });
    } finally {
      await sql.end();
      await sb.close();
    }
  },
});

Deno.test("notion:setup arguments: parent, database ids (also --x=y), --check", () => {
  assert.deepEqual(
    parseArgs([
      "--parent",
      "https://www.notion.so/Switchboard-2c1b6b8e3f4a4d7e9a510f3c2d1e4b5a",
      "--calls=abc",
      "--check",
    ]),
    {
      parent: "https://www.notion.so/Switchboard-2c1b6b8e3f4a4d7e9a510f3c2d1e4b5a",
      databaseIds: { calls: "abc" },
      checkOnly: true,
    },
  );
  assert.throws(() => parseArgs(["--nope"]), /Unknown argument/);
});

Deno.test({
  name: "notion_settings.property_map's column default is the adapter's DEFAULT_PROPERTY_MAP",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(1);
    try {
      await inRolledBackTransaction(sql, async (tx) => {
        await tx`create temp table defaults_probe (like switchboard.notion_settings including defaults)
          on commit drop`;
        await tx`insert into defaults_probe default values`;
        const [row] = await tx<
          { property_map: unknown }[]
        >`select property_map from defaults_probe`;
        assert.deepEqual(row!.property_map, JSON.parse(JSON.stringify(DEFAULT_PROPERTY_MAP)));
      });
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "notionBudget: connection and workspace keys in Postgres; a workspace 429 holds every request",
  ignore: !platformAvailable,
  async fn() {
    const sql = testDb(1);
    try {
      const settings = {
        ...(await loadNotionSettings(sql as unknown as Sql)),
        requestsPerMinute: 2,
        burst: 2,
        workspaceRequestsPerMinute: null,
        workspaceBurst: null,
      };
      const token = `secret_budget_${crypto.randomUUID()}`;
      const budget = await notionBudget(sql as unknown as Sql, settings, token);
      assert.equal(await budget.reserve(), 0);
      assert.equal(await budget.reserve(), 0);
      const third = await budget.reserve();
      assert.ok(third > 59_000 && third <= 60_000, `third request waits a window: ${third}`);

      const other = await notionBudget(sql as unknown as Sql, settings, `${token}_2`);
      await other.block(Date.now() + 30_000, "workspace");
      const held = await other.reserve();
      assert.ok(held > 29_000 && held <= 30_000, `a workspace block holds the request: ${held}`);
    } finally {
      await sql.end();
    }
  },
});
