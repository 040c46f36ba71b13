/**
 * Contract tests, happy paths: the official @notionhq/client (v5, API 2025-09-03) against the
 * fake with only `baseUrl` changed.
 */
import assert from "node:assert/strict";
import type {
  BlockObjectResponse,
  DatabaseObjectResponse,
  DataSourceObjectResponse,
  PageObjectResponse,
} from "@notionhq/client";
import { ManualClock } from "../core/clock.ts";
import { CALLS_SCHEMA, paragraph, text, withNotion } from "./testing.ts";

const title = (p: PageObjectResponse, name = "Name") => {
  const prop = p.properties[name];
  return prop?.type === "title" ? prop.title.map((t) => t.plain_text).join("") : undefined;
};

Deno.test("notion: a seeded database answers as a container and its data source holds the schema", async () => {
  await withNotion(async (h) => {
    const seeded = await h.seed({ databases: [{ title: "Calls", properties: CALLS_SCHEMA }] });
    const { id, dataSourceId } = seeded.databases[0]!;
    const client = h.client();

    const db = await client.databases.retrieve({ database_id: id }) as DatabaseObjectResponse;
    assert.equal(db.object, "database");
    assert.deepEqual(db.data_sources, [{ id: dataSourceId, name: "Calls" }]);
    assert.equal("properties" in db, false);

    const ds = await client.dataSources.retrieve({
      data_source_id: dataSourceId,
    }) as DataSourceObjectResponse;
    assert.equal(ds.object, "data_source");
    assert.deepEqual(ds.parent, { type: "database_id", database_id: id });
    assert.deepEqual(Object.keys(ds.properties), Object.keys(CALLS_SCHEMA));
    assert.equal(ds.properties.Name?.id, "title");
    assert.equal(ds.properties.Phone?.type, "phone_number");
    const direction = ds.properties.Direction;
    assert.ok(direction?.type === "select");
    assert.deepEqual(direction.select.options.map((o) => o.name), ["inbound", "outbound"]);
  });
});

Deno.test("notion: databases.create makes a database under a page with its initial data source", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Switchboard" }] })).pages[0]!.id;
    const client = h.client();
    const created = await client.databases.create({
      parent: { type: "page_id", page_id: root },
      title: text("Contacts"),
      initial_data_source: {
        properties: {
          Name: { title: {} },
          Phone: { phone_number: {} },
          Status: { status: {} },
        },
      },
    }) as DatabaseObjectResponse;
    assert.deepEqual(created.parent, { type: "page_id", page_id: root });
    assert.equal(created.data_sources.length, 1);
    const ds = await client.dataSources.retrieve({
      data_source_id: created.data_sources[0]!.id,
    }) as DataSourceObjectResponse;
    const status = ds.properties.Status;
    assert.ok(status?.type === "status");
    assert.deepEqual(status.status.options.map((o) => o.name), [
      "Not started",
      "In progress",
      "Done",
    ]);

    // The database shows in its parent page's content as a child_database block.
    const children = await client.blocks.children.list({ block_id: root });
    const block = children.results[0] as BlockObjectResponse;
    assert.equal(block.type, "child_database");
    assert.equal(block.id, created.id);
  });
});

Deno.test("notion: a page is created with properties and children and read back in Notion's shapes", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const client = h.client();
    const page = await client.pages.create({
      // database_id resolves to the database's single data source.
      parent: { database_id: databases[0]!.id },
      properties: {
        Name: { title: text("Ada Lovelace") },
        Phone: { phone_number: "+15555550100" },
        Email: { email: "ada@example.com" },
        Direction: { select: { name: "inbound" } },
        Duration: { number: 95 },
      },
      children: [
        { type: "heading_2", heading_2: { rich_text: text("Summary") } },
        {
          type: "toggle",
          toggle: {
            rich_text: text("Transcript"),
            children: [paragraph("Hi, thanks for calling.")],
          },
        },
      ],
    }) as PageObjectResponse;

    assert.equal(page.object, "page");
    assert.deepEqual(page.parent, {
      type: "data_source_id",
      data_source_id: databases[0]!.dataSourceId,
      database_id: databases[0]!.id,
    });
    assert.equal(title(page), "Ada Lovelace");
    assert.deepEqual(page.properties.Phone, {
      id: page.properties.Phone!.id,
      type: "phone_number",
      phone_number: "+15555550100",
    });
    assert.equal(page.properties.Website?.type === "url" && page.properties.Website.url, null);
    assert.equal(page.in_trash, false);
    assert.match(page.url, /^https:\/\/www\.notion\.so\/Ada-Lovelace-[0-9a-f]{32}$/);
    assert.match(page.created_time, /:00\.000Z$/); // rounded down to the minute, as Notion does

    const read = await client.pages.retrieve({ page_id: page.id.replaceAll("-", "") });
    assert.deepEqual(read, page);

    const top = await client.blocks.children.list({ block_id: page.id });
    const [heading, toggle] = top.results as BlockObjectResponse[];
    assert.equal(heading?.type, "heading_2");
    assert.ok(toggle?.type === "toggle" && toggle.has_children);
    const inner = await client.blocks.children.list({ block_id: toggle.id });
    const para = inner.results[0] as BlockObjectResponse;
    assert.ok(para.type === "paragraph");
    assert.equal(para.paragraph.rich_text[0]?.plain_text, "Hi, thanks for calling.");
    assert.deepEqual(para.parent, { type: "block_id", block_id: toggle.id });
  });
});

Deno.test("notion: queries filter on text properties with and/or and sort by property and timestamp", async () => {
  const clock = new ManualClock();
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const ds = databases[0]!.dataSourceId;
    const client = h.client();
    const people = [
      ["Ada", "+15555550100", "ada@example.com"],
      ["Grace", "+15555550101", "grace@navy.mil"],
      ["Alan", "+442071234567", null],
    ] as const;
    for (const [name, phone, email] of people) {
      await client.pages.create({
        parent: { data_source_id: ds },
        properties: {
          Name: { title: text(name) },
          Phone: { phone_number: phone },
          Email: { email },
        },
      });
      clock.advance(120_000);
    }
    const names = (r: { results: unknown[] }) =>
      r.results.map((p) => title(p as PageObjectResponse));

    const byPhone = await client.dataSources.query({
      data_source_id: ds,
      filter: { property: "Phone", phone_number: { equals: "+15555550101" } },
    });
    assert.deepEqual(names(byPhone), ["Grace"]);

    const usNumbers = await client.dataSources.query({
      data_source_id: ds,
      filter: {
        and: [
          { property: "Phone", phone_number: { starts_with: "+1555" } },
          {
            or: [
              { property: "Email", email: { ends_with: "@EXAMPLE.com" } },
              { property: "Name", title: { contains: "grace" } },
            ],
          },
        ],
      },
      sorts: [{ property: "Name", direction: "descending" }],
    });
    assert.deepEqual(names(usNumbers), ["Grace", "Ada"]);

    const noEmail = await client.dataSources.query({
      data_source_id: ds,
      filter: { property: "Email", email: { is_empty: true } },
    });
    assert.deepEqual(names(noEmail), ["Alan"]);

    const oldestFirst = await client.dataSources.query({
      data_source_id: ds,
      sorts: [{ timestamp: "created_time", direction: "ascending" }],
    });
    assert.deepEqual(names(oldestFirst), ["Ada", "Grace", "Alan"]);
    const newestFirst = await client.dataSources.query({ data_source_id: ds });
    assert.deepEqual(names(newestFirst), ["Alan", "Grace", "Ada"]);

    const recent = await client.dataSources.query({
      data_source_id: ds,
      filter: {
        timestamp: "created_time",
        created_time: { on_or_after: new Date(clock.now() - 240_000).toISOString() },
      },
    });
    assert.deepEqual(names(recent), ["Alan", "Grace"]);
  }, { clock });
});

Deno.test("notion: a query over 250 pages is paginated 100 at a time with cursors", async () => {
  await withNotion(async (h) => {
    const rows = Array.from({ length: 250 }, (_, i) => ({
      Name: { title: text(`Caller ${String(i).padStart(3, "0")}`) },
    }));
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA, rows }],
    });
    const client = h.client();
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await client.dataSources.query({
        data_source_id: databases[0]!.dataSourceId,
        sorts: [{ property: "Name", direction: "ascending" }],
        ...(cursor ? { start_cursor: cursor } : {}),
      });
      sizes.push(page.results.length);
      for (const r of page.results) seen.push(title(r as PageObjectResponse)!);
      cursor = page.next_cursor ?? undefined;
      assert.equal(page.has_more, cursor !== undefined);
    } while (cursor);
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.deepEqual(seen, rows.map((r) => r.Name.title[0]!.text.content));

    const small = await client.dataSources.query({
      data_source_id: databases[0]!.dataSourceId,
      page_size: 7,
    });
    assert.equal(small.results.length, 7);
    assert.equal(small.next_cursor, small.has_more ? small.next_cursor : null);
  });
});

Deno.test("notion: appended children come back in order, paginated, and after a given block", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const client = h.client();
    const first = await client.blocks.children.append({
      block_id: root,
      children: Array.from({ length: 100 }, (_, i) => paragraph(`line ${i}`)),
    });
    assert.equal(first.results.length, 100);
    await client.blocks.children.append({ block_id: root, children: [paragraph("line 100")] });
    const anchor = first.results[0]!.id;
    await client.blocks.children.append({
      block_id: root,
      children: [paragraph("after 0")],
      after: anchor,
    });

    const lines: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.blocks.children.list({
        block_id: root,
        page_size: 40,
        ...(cursor ? { start_cursor: cursor } : {}),
      });
      for (const b of page.results as BlockObjectResponse[]) {
        if (b.type === "paragraph") lines.push(b.paragraph.rich_text[0]!.plain_text);
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    assert.equal(lines.length, 102);
    assert.deepEqual(lines.slice(0, 3), ["line 0", "after 0", "line 1"]);
    assert.equal(lines.at(-1), "line 100");
  });
});

Deno.test("notion: a trashed page leaves queries and search, and cannot be edited until restored", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{
        title: "Calls",
        properties: CALLS_SCHEMA,
        rows: [{ Name: { title: text("Ada") } }],
      }],
    });
    const client = h.client();
    const ds = databases[0]!.dataSourceId;
    const id = databases[0]!.rows[0]!;
    const trashed = await client.pages.update({
      page_id: id,
      in_trash: true,
    }) as PageObjectResponse;
    assert.equal(trashed.in_trash, true);
    assert.equal(trashed.archived, true);
    assert.equal((await client.dataSources.query({ data_source_id: ds })).results.length, 0);
    assert.equal((await client.search({ query: "Ada" })).results.length, 0);
    await assert.rejects(
      client.pages.update({ page_id: id, properties: { Duration: { number: 1 } } }),
      {
        code: "validation_error",
        message: "Can't edit block that is archived. You must unarchive the block before editing.",
      },
    );
    const restored = await client.pages.update({
      page_id: id,
      archived: false,
    }) as PageObjectResponse;
    assert.equal(restored.in_trash, false);
    assert.equal((await client.dataSources.query({ data_source_id: ds })).results.length, 1);
    const state = h.notion.state();
    assert.equal(state.pages.find((p) => p.id === id)?.in_trash, false);
  });
});

Deno.test("notion: search finds pages and data sources by title and filters by object", async () => {
  await withNotion(async (h) => {
    await h.seed({
      pages: [{ title: "Switchboard home" }],
      databases: [{
        title: "Calls",
        properties: CALLS_SCHEMA,
        rows: [{ Name: { title: text("Call with Ada") } }],
      }],
    });
    const client = h.client();
    const all = await client.search({});
    assert.deepEqual(all.results.map((r) => r.object).sort(), ["data_source", "page", "page"]);
    const calls = await client.search({ query: "CALL" });
    assert.equal(calls.results.length, 2);
    const sources = await client.search({
      query: "call",
      filter: { property: "object", value: "data_source" },
    });
    assert.deepEqual(sources.results.map((r) => r.object), ["data_source"]);
    assert.equal(sources.type, "page_or_data_source");
  });
});
