/**
 * The contacts mirror against the sandbox's Notion and the throwaway database: a Contacts data
 * source made through the official SDK (its ids in switchboard.notion_settings), synced by the
 * notion-contacts-sync run (in-process, as the function wires it), then matched with no Notion
 * request (the sandbox's request log shows it); a shared number is ambiguous; an edit is picked
 * up incrementally; a trashed page is noticed by the full pass; a miss costs one query, then none
 * within the hour; OpenPhone contact events link; an unknown caller gets a page when enabled.
 */
import assert from "node:assert/strict";
import { Client } from "@notionhq/client";
import { createNotion } from "../../sandbox/notion/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { createNotionAdapter } from "../../supabase/functions/_shared/adapters/notion/client.ts";
import { contactsResolver } from "../../supabase/functions/_shared/adapters/notion/contacts.ts";
import {
  loadNotionSettings,
  notionBudget,
} from "../../supabase/functions/_shared/adapters/notion/settings.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { buildSync } from "../../supabase/functions/notion-contacts-sync/wiring.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

const silent = createLogger({}, { write: () => {} });
const TOKEN = `secret_contacts${crypto.randomUUID().replaceAll("-", "")}`;

// Fictional numbers (555-01xx), written as users of the earlier system wrote them.
const ADA = "+15550107001";
const ADA_OTHER = "+15550107002";
const SHARED = "+15550107010";
const EVE_OLD = "+15550107020";
const EVE_NEW = "+15550107021";
const DAN = "+15550107030";
const LATE = "+15550107040";
const NOBODY = "+15550107099";
const STRANGER = "+15550107098";

const rt = (s: string) => [{ type: "text" as const, text: { content: s } }];

Deno.test({
  name: "contacts mirror: synced from Notion, matched without Notion, incremental, trash, lookups",
  ignore: !platformAvailable,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // One clock for the sandbox's Notion (last_edited_time) and our side (sync, lookups).
    let clock = Math.floor(Date.now() / 60_000) * 60_000 + 5_000;
    const now = () => clock;
    const sb = startSandbox({ vendors: [createNotion({ rateLimit: false })], clock: { now } });
    const sql = testDb(4);
    const notion = new Client({ auth: TOKEN, baseUrl: `${sb.url}/notion`, retry: false });
    const requests = async () => {
      const res = await fetch(`${sb.url}/_control/requests?vendor=notion`);
      return (await res.json() as { route: string | null; method: string }[]).length;
    };
    let previous: { db: string | null; ds: string | null } | undefined;
    try {
      // A parent page (made by a person), then the Contacts database through the SDK.
      const seeded = await fetch(`${sb.url}/_control/seed`, {
        method: "POST",
        body: JSON.stringify({ notion: { pages: [{ title: "Switchboard" }] } }),
      });
      const parent = (await seeded.json()).notion.pages[0].id as string;
      const db = await notion.databases.create({
        parent: { type: "page_id", page_id: parent },
        title: rt("Contacts"),
        initial_data_source: {
          properties: {
            Name: { title: {} },
            Phone: { phone_number: {} },
            "Other Phones": { rich_text: {} },
            Email: { email: {} },
            Company: { rich_text: {} },
            "OpenPhone ID": { rich_text: {} },
          },
        },
      }) as { id: string; data_sources: { id: string }[] };
      const ds = db.data_sources[0]!.id;
      [previous] = await sql<{ db: string | null; ds: string | null }[]>`
        select contacts_database_id::text as db, contacts_data_source_id::text as ds
        from switchboard.notion_settings`;
      await sql`update switchboard.notion_settings
        set contacts_database_id = ${db.id}::uuid, contacts_data_source_id = ${ds}::uuid`;
      await sql`update switchboard.contacts_settings
        set create_unknown_contacts = false, lookup_interval = '1 hour', full_sync_interval = '1 day'`;

      const create = async (props: Record<string, unknown>) =>
        (await notion.pages.create({
          parent: { type: "data_source_id", data_source_id: ds },
          properties: props as never,
        })).id;
      const ada = await create({
        Name: { title: rt("Ada Lovelace") },
        Phone: { phone_number: "555-010-7001" },
        "Other Phones": { rich_text: rt("+1 555 010 7002, n/a") },
        Email: { email: "Ada@Example.COM" },
        Company: { rich_text: rt("Analytical Engines") },
      });
      const bea = await create({
        Name: { title: rt("Bea") },
        Phone: { phone_number: "5550107010" },
      });
      const cy = await create({
        Name: { title: rt("Cy") },
        "Other Phones": { rich_text: rt("(555) 010-7010") },
      });
      const eve = await create({
        Name: { title: rt("Eve") },
        Phone: { phone_number: "+15550107020" },
      });
      const dan = await create({
        Name: { title: rt("Dan") },
        Phone: { phone_number: "555-010-7030" },
      });

      const env = {
        NOTION_TOKEN: TOKEN,
        NOTION_API_BASE_URL: `${sb.url}/notion`,
        DEFAULT_PHONE_COUNTRY: "US",
        WORKER_TIME_BUDGET_SECONDS: "30",
      };
      const sync = buildSync({ sql, log: silent, env, now });
      const settings = await loadNotionSettings(sql);
      const adapter = createNotionAdapter({
        baseUrl: `${sb.url}/notion`,
        token: TOKEN,
        fetch,
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        log: silent,
        budget: await notionBudget(sql, settings, TOKEN),
      });
      const resolve = contactsResolver({
        sql,
        sdk: adapter.sdk,
        settings,
        defaultCountry: "US",
        now,
      })!;
      assert.ok(resolve, "Contacts are set up");

      await t.step("the first run is a full pass that mirrors every contact", async () => {
        clock += 60_000;
        const report = await sync(null);
        assert.ok(!("skipped" in report), JSON.stringify(report));
        assert.equal(report.mode, "full");
        assert.equal(report.finished, true);
        assert.equal(report.contacts, 5);
        const [row] = await sql<
          { name: string; phones: string[]; emails: string[]; company: string }[]
        >`
          select name, phones, emails, company from switchboard.contacts where page_id = ${ada}`;
        assert.deepEqual(row, {
          name: "Ada Lovelace",
          phones: [ADA, ADA_OTHER],
          emails: ["ada@example.com"],
          company: "Analytical Engines",
        });
      });

      await t.step(
        "mirrored contacts match with no Notion request; a shared number is ambiguous",
        async () => {
          const before = await requests();
          for (const form of [ADA, "555-010-7001", "5550107001", "+1 555 010 7002"]) {
            const r = await resolve(form);
            assert.deepEqual([r.status, r.page_id, r.lookedUp], ["matched", ada, false], form);
          }
          const shared = await resolve(SHARED);
          assert.equal(shared.status, "ambiguous");
          assert.equal(shared.page_id, null);
          assert.deepEqual(
            shared.candidates.map((c) => c.page_id).sort(),
            [bea, cy].sort(),
          );
          assert.deepEqual(shared.candidates.map((c) => c.name), ["Bea", "Cy"]);
          assert.equal(await requests(), before, "not one Notion request");
        },
      );

      await t.step("an edited contact is picked up by the next (incremental) run", async () => {
        clock += 3 * 60_000;
        await notion.pages.update({
          page_id: eve,
          properties: { Phone: { phone_number: "555-010-7021" } } as never,
        });
        const report = await sync(null);
        assert.ok(!("skipped" in report));
        assert.equal(report.mode, "incremental");
        assert.equal(report.contacts, 1, "read only what changed");
        assert.equal((await resolve(EVE_NEW)).page_id, eve);
        const before = await requests();
        assert.equal(
          (await resolve(EVE_OLD)).status,
          "unknown",
          "the old number: one lookup, no match",
        );
        assert.equal(await requests(), before + 1);
      });

      await t.step(
        "a trashed page: noticed by the full pass, not by the incremental one",
        async () => {
          await notion.pages.update({ page_id: dan, in_trash: true });
          clock += 3 * 60_000;
          const inc = await sync(null);
          assert.ok(!("skipped" in inc));
          assert.equal(inc.mode, "incremental");
          assert.equal((await resolve(DAN)).page_id, dan, "still mirrored until the full pass");
          clock += 3 * 60_000;
          const full = await sync("full");
          assert.ok(!("skipped" in full));
          assert.deepEqual([full.mode, full.finished], ["full", true]);
          assert.ok(full.removed >= 1);
          const [row] = await sql<{ in_trash: boolean; removed_at: Date | null }[]>`
          select in_trash, removed_at from switchboard.contacts where page_id = ${dan}`;
          assert.equal(row!.in_trash, true);
          assert.ok(row!.removed_at);
          const before = await requests();
          const r = await resolve(DAN);
          assert.deepEqual(
            [r.status, r.lookedUp],
            ["unknown", true],
            "trashed: one lookup, no match",
          );
          assert.equal(await requests(), before + 1);
        },
      );

      await t.step("a miss costs one Notion query, then none within the hour", async () => {
        const late = await create({
          Name: { title: rt("Late") },
          "Other Phones": { rich_text: rt("555.010.7040") },
        });
        let before = await requests();
        const found = await resolve(LATE);
        assert.deepEqual([found.status, found.page_id, found.lookedUp], ["matched", late, true]);
        assert.equal(
          await requests(),
          before + 1,
          "one query found the page created since the sync",
        );
        assert.equal((await resolve(LATE)).lookedUp, false, "… and it is mirrored now");

        before = await requests();
        assert.deepEqual((await resolve(NOBODY)).status, "unknown");
        assert.equal(await requests(), before + 1, "a miss: one query");
        clock += 30 * 60_000;
        assert.deepEqual((await resolve(NOBODY)).lookedUp, false);
        assert.equal(await requests(), before + 1, "none within the hour");
        clock += 31 * 60_000;
        assert.deepEqual((await resolve(NOBODY)).lookedUp, true, "an hour later: looked up again");
        assert.equal(await requests(), before + 2);
        const [lookup] = await sql<{ outcome: string; lookups: number }[]>`
          select outcome, lookups from switchboard.contact_lookups where phone_e164 = ${NOBODY}`;
        assert.deepEqual(lookup, { outcome: "missing", lookups: 2 });
      });

      await t.step(
        "OpenPhone contact events link the mirror; a deleted contact unlinks",
        async () => {
          await sql`insert into switchboard.contact_events
          (external_contact_id, event_type, contact, event_created_at, received_at) values
          ('CTada', 'contact.updated', ${
            sql.json({
              id: "CTada",
              defaultFields: {
                firstName: "Ada",
                lastName: "L.",
                phoneNumbers: [{ value: "555-010-7001" }],
              },
            })
          }, now(), now())`;
          clock += 3 * 60_000;
          const report = await sync(null);
          assert.ok(!("skipped" in report));
          assert.equal(report.events >= 1, true);
          const [row] = await sql<{ id: string | null }[]>`
          select openphone_linked_id as id from switchboard.contacts where page_id = ${ada}`;
          assert.equal(row!.id, "CTada");
          await sql`insert into switchboard.contact_events
          (external_contact_id, event_type, contact, event_created_at, received_at)
          values ('CTada', 'contact.deleted', ${
            sql.json({ id: "CTada" })
          }, now() + interval '1 second', now())`;
          await sync(null);
          const [after] = await sql<{ id: string | null }[]>`
          select openphone_linked_id as id from switchboard.contacts where page_id = ${ada}`;
          assert.equal(after!.id, null);
        },
      );

      await t.step(
        "unknown caller: a new contact page only when create_unknown_contacts is on",
        async () => {
          await sql`update switchboard.contacts_settings set create_unknown_contacts = true`;
          try {
            const r = await resolve(STRANGER, { name: "Grace Hopper" });
            assert.deepEqual([r.status, r.created], ["matched", true]);
            const page = await notion.pages.retrieve({ page_id: r.page_id! }) as {
              properties: Record<
                string,
                { title?: { plain_text: string }[]; phone_number?: string }
              >;
            };
            assert.equal(page.properties.Name!.title![0]!.plain_text, "Grace Hopper");
            assert.equal(page.properties.Phone!.phone_number, STRANGER);
            assert.equal((await resolve(STRANGER)).page_id, r.page_id, "mirrored at once");
          } finally {
            await sql`update switchboard.contacts_settings set create_unknown_contacts = false`;
          }
        },
      );
    } finally {
      // notion_settings is one row: give other tests back what they had.
      if (previous) {
        await sql`update switchboard.notion_settings
          set contacts_database_id = ${previous.db}::uuid, contacts_data_source_id = ${previous.ds}::uuid`;
      }
      await sql.end();
      await sb.close();
    }
  },
});
