/**
 * Contract tests for the rest of the property model: typed filters, status and select options,
 * two-way relations, schema updates through `dataSources.update`, pages under pages,
 * `filter_properties`, and deleting blocks.
 */
import assert from "node:assert/strict";
import type {
  BlockObjectResponse,
  DataSourceObjectResponse,
  PageObjectResponse,
} from "@notionhq/client";
import { ManualClock } from "../core/clock.ts";
import { paragraph, text, withNotion } from "./testing.ts";

const noLimit = { rateLimit: false as const };

const SCHEMA = {
  Name: { title: {} },
  Amount: { number: {} },
  Done: { checkbox: {} },
  Tags: { multi_select: { options: [{ name: "vip" }, { name: "new" }] } },
  Stage: { status: {} },
  Due: { date: {} },
};

Deno.test("notion: number, checkbox, multi-select, status and date filters", async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 12));
  await withNotion(async (h) => {
    const { databases } = await h.seed({ databases: [{ title: "Deals", properties: SCHEMA }] });
    const data_source_id = databases[0]!.dataSourceId;
    const client = h.client();
    const rows = [
      { name: "a", amount: 5, done: true, tags: ["vip"], stage: "Done", due: "2026-03-09" },
      {
        name: "b",
        amount: 50,
        done: false,
        tags: ["vip", "new"],
        stage: null,
        due: "2026-03-10T18:00:00Z",
      },
      { name: "c", amount: null, done: false, tags: [], stage: "In progress", due: null },
    ];
    for (const r of rows) {
      await client.pages.create({
        parent: { data_source_id },
        properties: {
          Name: { title: text(r.name) },
          Amount: { number: r.amount },
          Done: { checkbox: r.done },
          Tags: { multi_select: r.tags.map((name) => ({ name })) },
          ...(r.stage ? { Stage: { status: { name: r.stage } } } : {}),
          Due: { date: r.due ? { start: r.due } : null },
        },
      });
    }
    const names = async (filter: Parameters<typeof client.dataSources.query>[0]["filter"]) => {
      const res = await client.dataSources.query({
        data_source_id,
        ...(filter ? { filter } : {}),
        sorts: [{ property: "Name", direction: "ascending" }],
      });
      return res.results.map((p) => {
        const t = (p as PageObjectResponse).properties.Name;
        return t?.type === "title" ? t.title[0]?.plain_text : "";
      });
    };
    assert.deepEqual(await names({ property: "Amount", number: { greater_than: 10 } }), ["b"]);
    assert.deepEqual(await names({ property: "Amount", number: { is_empty: true } }), ["c"]);
    assert.deepEqual(await names({ property: "Done", checkbox: { equals: false } }), ["b", "c"]);
    assert.deepEqual(await names({ property: "Tags", multi_select: { contains: "new" } }), ["b"]);
    assert.deepEqual(await names({ property: "Tags", multi_select: { is_empty: true } }), ["c"]);
    // A row created without a status starts at the first option, "Not started".
    assert.deepEqual(await names({ property: "Stage", status: { equals: "Not started" } }), ["b"]);
    assert.deepEqual(await names({ property: "Due", date: { equals: "2026-03-10" } }), ["b"]);
    assert.deepEqual(await names({ property: "Due", date: { before: "today" } }), ["a"]);
    assert.deepEqual(await names({ property: "Due", date: { past_week: {} } }), ["a"]);
    assert.deepEqual(await names({ property: "Due", date: { is_empty: true } }), ["c"]);

    const bad = await client.pages.create({
      parent: { data_source_id },
      properties: { Stage: { status: { name: "Blocked" } } },
    }).catch((e) => e);
    assert.equal(bad.code, "validation_error");
    assert.match(bad.message, /Blocked/);
  }, { ...noLimit, clock });
});

Deno.test("notion: a two-way relation shows on both sides and follows edits", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [
        {
          title: "Contacts",
          properties: { Name: { title: {} } },
          rows: [{ Name: { title: text("Ada") } }],
        },
        { title: "Calls", properties: { Name: { title: {} } } },
      ],
    });
    const [contacts, calls] = databases as [
      typeof databases[0] & object,
      typeof databases[0] & object,
    ];
    const client = h.client();
    await client.dataSources.update({
      data_source_id: calls.dataSourceId,
      properties: {
        Contact: { relation: { data_source_id: contacts.dataSourceId, dual_property: {} } },
      },
    });
    const contactsDs = await client.dataSources.retrieve({
      data_source_id: contacts.dataSourceId,
    }) as DataSourceObjectResponse;
    const mirror = Object.values(contactsDs.properties).find((p) => p.type === "relation");
    assert.equal(mirror?.name, "Related to Calls (Contact)");

    const adaId = contacts.rows[0]!;
    const call = await client.pages.create({
      parent: { data_source_id: calls.dataSourceId },
      properties: { Name: { title: text("Call 1") }, Contact: { relation: [{ id: adaId }] } },
    }) as PageObjectResponse;
    const ada = await client.pages.retrieve({ page_id: adaId }) as PageObjectResponse;
    assert.deepEqual(ada.properties[mirror!.name], {
      id: mirror!.id,
      type: "relation",
      relation: [{ id: call.id }],
      has_more: false,
    });
    await client.pages.update({ page_id: call.id, properties: { Contact: { relation: [] } } });
    const after = await client.pages.retrieve({ page_id: adaId }) as PageObjectResponse;
    const rel = after.properties[mirror!.name];
    assert.deepEqual(rel?.type === "relation" && rel.relation, []);
  }, noLimit);
});

Deno.test("notion: dataSources.update adds, renames and removes properties", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: { Name: { title: {} } } }],
    });
    const data_source_id = databases[0]!.dataSourceId;
    const client = h.client();
    await client.dataSources.update({
      data_source_id,
      properties: { Phone: { phone_number: {} }, Notes: { rich_text: {} } },
    });
    const updated = await client.dataSources.update({
      data_source_id,
      properties: { Notes: { name: "Summary" }, Phone: null },
    }) as DataSourceObjectResponse;
    assert.deepEqual(Object.keys(updated.properties), ["Name", "Summary"]);
    const refused = await client.dataSources.update({ data_source_id, properties: { Name: null } })
      .catch((e) => e);
    assert.equal(refused.code, "validation_error");
  }, noLimit);
});

Deno.test("notion: a page under a page has only a title and shows as a child_page block", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Home" }] })).pages[0]!.id;
    const client = h.client();
    const child = await client.pages.create({
      parent: { page_id: root },
      properties: { title: { title: text("Call log") } },
      children: [paragraph("first")],
    }) as PageObjectResponse;
    assert.deepEqual(Object.keys(child.properties), ["title"]);
    const refused = await client.pages.create({
      parent: { page_id: root },
      properties: { Phone: { phone_number: "+1" } },
    }).catch((e) => e);
    assert.equal(refused.message, "Phone is not a property that exists.");
    const listed = await client.blocks.children.list({ block_id: root });
    const block = listed.results[0] as BlockObjectResponse;
    assert.ok(block.type === "child_page");
    assert.equal(block.child_page.title, "Call log");
    const same = await client.blocks.retrieve({ block_id: child.id }) as BlockObjectResponse;
    assert.equal(same.type, "child_page");
  }, noLimit);
});

Deno.test("notion: filter_properties limits the properties answered", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{
        title: "Calls",
        properties: { Name: { title: {} }, Phone: { phone_number: {} } },
        rows: [{ Name: { title: text("Ada") }, Phone: { phone_number: "+1" } }],
      }],
    });
    const client = h.client();
    const page = await client.pages.retrieve({
      page_id: databases[0]!.rows[0]!,
      filter_properties: ["title"],
    }) as PageObjectResponse;
    assert.deepEqual(Object.keys(page.properties), ["Name"]);
  }, noLimit);
});

Deno.test("notion: blocks are edited in place, keep their type, and once deleted leave their parent", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const client = h.client();
    const appended = await client.blocks.children.append({
      block_id: root,
      children: [paragraph("keep"), paragraph("drop")],
    });
    const kept = appended.results[0]!.id;
    const edited = await client.blocks.update({
      block_id: kept,
      paragraph: { rich_text: text("kept, edited") },
    }) as BlockObjectResponse;
    assert.ok(edited.type === "paragraph");
    assert.equal(edited.paragraph.rich_text[0]?.plain_text, "kept, edited");
    assert.equal(edited.paragraph.color, "default");
    const retyped = await client.blocks.update({
      block_id: kept,
      heading_1: { rich_text: text("no") },
    }).catch((e) => e);
    assert.equal(retyped.message, "Expected block type paragraph in request body");
    const dropped = await client.blocks.delete({
      block_id: appended.results[1]!.id,
    }) as BlockObjectResponse;
    assert.equal(dropped.in_trash, true);
    const left = await client.blocks.children.list({ block_id: root });
    assert.equal(left.results.length, 1);
    const again = await client.blocks.delete({ block_id: dropped.id }).catch((e) => e);
    assert.equal(
      again.message,
      "Can't edit block that is archived. You must unarchive the block before editing.",
    );
    const shorthand = await client.pages.update({
      page_id: root,
      properties: { title: "Renamed" as never },
    }).catch((e) => e);
    assert.equal(
      shorthand.message,
      'body failed validation: body.properties.title should be an object, instead was `"Renamed"`.',
    );
  }, noLimit);
});

Deno.test("notion: a page object shows 25 relations; the property endpoint pages through all", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Contacts", properties: { Name: { title: {} } } }],
    });
    const contacts = databases[0]!.dataSourceId;
    const { databases: [calls] } = await h.seed({
      databases: [{
        title: "Calls",
        properties: {
          Name: { title: {} },
          Contacts: { relation: { data_source_id: contacts, single_property: {} } },
        },
      }],
    });
    const client = h.client();
    const ids = Array.from({ length: 30 }, () => crypto.randomUUID());
    const page = await client.pages.create({
      parent: { data_source_id: calls!.dataSourceId },
      properties: { Contacts: { relation: ids.map((id) => ({ id })) } },
    }) as PageObjectResponse;
    const shown = page.properties.Contacts;
    assert.ok(shown?.type === "relation");
    assert.equal(shown.relation.length, 25);
    assert.equal((shown as { has_more?: boolean }).has_more, true);

    const first = await client.pages.properties.retrieve({
      page_id: page.id,
      property_id: shown.id,
      page_size: 20,
    });
    assert.ok(first.object === "list");
    assert.equal(first.results.length, 20);
    const rest = await client.pages.properties.retrieve({
      page_id: page.id,
      property_id: shown.id,
      start_cursor: first.next_cursor!,
    });
    assert.ok(rest.object === "list" && !rest.has_more);
    const all = [...first.results, ...rest.results].map((r) =>
      r.type === "relation" ? r.relation.id : ""
    );
    assert.deepEqual(all, ids);
  }, noLimit);
});
