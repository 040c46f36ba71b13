/**
 * Contract tests, refusals: each limit and schema check answers 400 `validation_error` in
 * Notion's own message format, as the SDK surfaces it (APIResponseError code and message).
 * The rate limit is off here: these tests fire many requests on purpose.
 */
import assert from "node:assert/strict";
import { APIResponseError } from "@notionhq/client";
import { CALLS_SCHEMA, paragraph, text, withNotion } from "./testing.ts";

const noLimit = { rateLimit: false as const };

/** Asserts the promise fails as Notion's validation_error with exactly this message. */
async function refused(p: Promise<unknown>, message: string | RegExp, code = "validation_error") {
  const err = await p.then(() => null, (e) => e);
  assert.ok(APIResponseError.isAPIResponseError(err), `expected an APIResponseError, got ${err}`);
  assert.equal(err.code, code);
  assert.equal(err.status, 400);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
}

Deno.test("notion: a 2001-character rich text is refused with the path to it", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const client = h.client();
    await refused(
      client.blocks.children.append({
        block_id: root,
        children: [paragraph("ok"), paragraph("x".repeat(2001))],
      }),
      "body failed validation: body.children[1].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.",
    );
    await client.blocks.children.append({
      block_id: root,
      children: [paragraph("x".repeat(2000))],
    });
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    await refused(
      client.pages.create({
        parent: { data_source_id: databases[0]!.dataSourceId },
        properties: { Notes: { rich_text: text("y".repeat(2242)) } },
      }),
      "body failed validation: body.properties.Notes.rich_text[0].text.content.length should be ≤ `2000`, instead was `2242`.",
    );
  }, noLimit);
});

Deno.test("notion: more than 100 blocks or 100 rich text items in one array are refused", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const client = h.client();
    await refused(
      client.blocks.children.append({
        block_id: root,
        children: Array.from({ length: 101 }, (_, i) => paragraph(`${i}`)),
      }),
      "body failed validation: body.children.length should be ≤ `100`, instead was `101`.",
    );
    const items = Array.from({ length: 111 }, () => text("a")[0]!);
    await refused(
      client.blocks.children.append({
        block_id: root,
        children: [paragraph("a"), { paragraph: { rich_text: items } }],
      }),
      "body failed validation: body.children[1].paragraph.rich_text.length should be ≤ `100`, instead was `111`.",
    );
    assert.equal((await client.blocks.children.list({ block_id: root })).results.length, 0);
  }, noLimit);
});

Deno.test("notion: children nested three levels deep in one request are refused", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const client = h.client();
    const toggle = (children: unknown[]) => ({ toggle: { rich_text: text("t"), children } });
    // Two levels below the appended block are fine…
    await client.blocks.children.append({
      block_id: root,
      children: [toggle([toggle([paragraph("2")])]) as never],
    });
    // …a third is not: its parent's `children` "should be not present".
    await refused(
      client.blocks.children.append({
        block_id: root,
        children: [toggle([toggle([toggle([paragraph("3")])])]) as never],
      }),
      'body failed validation: body.children[0].toggle.children[0].toggle.children[0].toggle.children should be not present, instead was `[{"type":"paragraph","paragraph":{"rich_text":[{"type":...`.',
    );
  }, noLimit);
});

Deno.test("notion: a payload over 1000 blocks or 500 KB is refused", async () => {
  await withNotion(async (h) => {
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const client = h.client();
    const eleven = () => ({
      toggle: { rich_text: text("t"), children: Array.from({ length: 10 }, () => paragraph("p")) },
    });
    // 91 toggles of 10 children each: 1001 blocks, every array within its 100.
    await refused(
      client.blocks.children.append({
        block_id: root,
        children: Array.from({ length: 91 }, eleven) as never,
      }),
      "body failed validation: body.children should contain at most `1000` block elements including nested children, instead was `1001`.",
    );
    const big = Array.from({ length: 100 }, () => ({
      paragraph: { rich_text: Array.from({ length: 3 }, () => text("z".repeat(2000))[0]!) },
    }));
    await refused(
      client.blocks.children.append({ block_id: root, children: big }),
      /^Request body too large: the maximum payload size is 500KB, instead was \d+ bytes\.$/,
    );
  }, noLimit);
});

Deno.test("notion: unknown properties, wrong value types and over-long values are refused by name", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const parent = { data_source_id: databases[0]!.dataSourceId };
    const client = h.client();
    await refused(
      client.pages.create({ parent, properties: { Colour: { rich_text: text("red") } } }),
      "Colour is not a property that exists.",
    );
    await refused(
      client.pages.create({ parent, properties: { Phone: { rich_text: text("+1555") } } }),
      "Phone is expected to be phone_number.",
    );
    await refused(
      client.pages.create({ parent, properties: { Email: { email: `${"a".repeat(195)}@x.com` } } }),
      "body failed validation: body.properties.Email.email.length should be ≤ `200`, instead was `201`.",
    );
    await refused(
      client.pages.create({ parent, properties: { Phone: { phone_number: "1".repeat(201) } } }),
      "body failed validation: body.properties.Phone.phone_number.length should be ≤ `200`, instead was `201`.",
    );
    await refused(
      client.pages.create({ parent, properties: { Direction: { select: { name: "in, out" } } } }),
      "Invalid select option, commas not allowed: in, out",
    );
    // A value of the right key but the wrong type: every property variant is listed.
    const wrong = client.pages.create({
      parent,
      properties: { Duration: { number: "95" } as never },
    });
    await refused(wrong, /^body failed validation\. Fix one:\n/);
    await refused(
      wrong,
      /\nbody\.properties\.Duration\.number should be a number or `null`, instead was `"95"`\.\n/,
    );
    assert.equal(h.notion.state().pages.length, 0);
  }, noLimit);
});

Deno.test("notion: more than 100 relation ids are refused", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Contacts", properties: { Name: { title: {} } } }],
    });
    const client = h.client();
    const calls = await client.databases.create({
      parent: { type: "workspace", workspace: true },
      title: text("Calls"),
    }).catch((e) => e);
    // An internal integration cannot create at the top level of the workspace.
    assert.equal(calls.code, "validation_error");
    assert.equal(
      calls.message,
      "Internal integrations aren't owned by a single user, so creating workspace-level private pages is not supported.",
    );
    const root = (await h.seed({ pages: [{ title: "Home" }] })).pages[0]!.id;
    const db = await client.databases.create({
      parent: { type: "page_id", page_id: root },
      title: text("Calls"),
      initial_data_source: {
        properties: {
          Name: { title: {} },
          Contacts: {
            relation: { data_source_id: databases[0]!.dataSourceId, single_property: {} },
          },
        },
      },
    });
    const ds = "data_sources" in db ? db.data_sources[0]!.id : "";
    const ids = Array.from({ length: 101 }, () => ({ id: crypto.randomUUID() }));
    await refused(
      client.pages.create({
        parent: { data_source_id: ds },
        properties: { Contacts: { relation: ids } },
      }),
      "body failed validation: body.properties.Contacts.relation.length should be ≤ `100`, instead was `101`.",
    );
  }, noLimit);
});

Deno.test("notion: parents, ids and block types are checked as Notion's validator does", async () => {
  await withNotion(async (h) => {
    const client = h.client();
    await refused(
      client.pages.create({ parent: { database_id: "not-a-uuid" }, properties: {} }),
      [
        "body failed validation. Fix one:",
        "body.parent.page_id should be defined, instead was `undefined`.",
        'body.parent.database_id should be a valid uuid, instead was `"not-a-uuid"`.',
        "body.parent.data_source_id should be defined, instead was `undefined`.",
        "body.parent.workspace should be defined, instead was `undefined`.",
      ].join("\n"),
    );
    await refused(
      client.pages.retrieve({ page_id: "nope" }),
      'path failed validation: path.page_id should be a valid uuid, instead was `"nope"`.',
    );
    const missing = crypto.randomUUID();
    const notFound = await client.pages.retrieve({ page_id: missing }).catch((e) => e);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.code, "object_not_found");
    assert.equal(
      notFound.message,
      `Could not find page with ID: ${missing}. Make sure the relevant pages and databases are shared with your integration.`,
    );
    const root = (await h.seed({ pages: [{ title: "Notes" }] })).pages[0]!.id;
    const unknownType = client.blocks.children.append({
      block_id: root,
      children: [{ type: "note", note: { rich_text: text("x") } } as never],
    });
    await refused(
      unknownType,
      /^body failed validation\. Fix one:\nbody\.children\[0\]\.embed should be defined/,
    );
    await refused(
      unknownType,
      /\nbody\.children\[0\]\.synced_block should be defined, instead was `undefined`\.$/,
    );
    await refused(
      client.blocks.children.append({
        block_id: root,
        children: [
          {
            paragraph: { rich_text: [{ text: { content: "b", style: { bold: true } } }] },
          } as never,
        ],
      }),
      'body failed validation: body.children[0].paragraph.rich_text[0].text.style should be not present, instead was `{"bold":true}`.',
    );
  }, noLimit);
});

Deno.test("notion: filters and sorts naming unknown properties or other types are refused", async () => {
  await withNotion(async (h) => {
    const { databases } = await h.seed({
      databases: [{ title: "Calls", properties: CALLS_SCHEMA }],
    });
    const data_source_id = databases[0]!.dataSourceId;
    const client = h.client();
    await refused(
      client.dataSources.query({
        data_source_id,
        filter: { property: "Colour", rich_text: { equals: "x" } },
      }),
      "Could not find property with name or id: Colour",
    );
    await refused(
      client.dataSources.query({
        data_source_id,
        filter: { property: "Duration", rich_text: { equals: "5" } },
      }),
      "The property type in the database does not match the property type of the filter provided: database property number does not match filter rich_text",
    );
    await refused(
      client.dataSources.query({
        data_source_id,
        sorts: [{ property: "Colour", direction: "ascending" }],
      }),
      "Could not find sort property with name or id: Colour",
    );
    await refused(
      client.dataSources.query({
        data_source_id,
        filter: {
          or: Array.from({ length: 101 }, () => ({ property: "Name", title: { equals: "a" } })),
        },
      }),
      "body failed validation: body.filter.or.length should be ≤ `100`, instead was `101`.",
    );
    await refused(
      client.dataSources.query({ data_source_id, page_size: 101 }),
      "body failed validation: body.page_size should be ≤ `100` or `undefined`, instead was `101`.",
    );
    await refused(
      client.search({ filter: { property: "object", value: "database" as "page" } }),
      'body failed validation: body.filter.value should be `"page"` or `"data_source"`, instead was `"database"`.',
    );
  }, noLimit);
});

Deno.test("notion: version, token, JSON and URL errors answer in Notion's error body", async () => {
  await withNotion(async (h) => {
    const missingVersion = await h.raw("POST", "/v1/search", {}, { "notion-version": null });
    assert.equal(missingVersion.status, 400);
    const body = await missingVersion.json();
    assert.deepEqual({ ...body, request_id: "" }, {
      object: "error",
      status: 400,
      code: "missing_version",
      message:
        "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
      request_id: "",
    });
    assert.match(body.request_id, /^[0-9a-f-]{36}$/);

    for (const authorization of [null, "Bearer wrong_token", "secret_without_bearer"]) {
      const res = await h.raw("POST", "/v1/search", {}, { authorization });
      assert.equal(res.status, 401);
      assert.deepEqual((await res.json()).message, "API token is invalid.");
    }
    const unauthorized = await h.client({ auth: "nope" }).search({}).catch((e) => e);
    assert.equal(unauthorized.code, "unauthorized");

    const badJson = await h.raw("POST", "/v1/search", "{not json");
    assert.equal(badJson.status, 400);
    assert.deepEqual((await badJson.json()).message, "Error parsing JSON body.");

    // Appending with POST (not PATCH) and unknown paths are both "Invalid request URL."
    const wrongMethod = await h.raw("POST", `/v1/blocks/${crypto.randomUUID()}/children`, {
      children: [],
    });
    assert.equal(wrongMethod.status, 400);
    assert.equal((await wrongMethod.json()).code, "invalid_request_url");
    const oldQuery = await h.raw("POST", `/v1/databases/${crypto.randomUUID()}/query`, {});
    assert.equal((await oldQuery.json()).message, "Invalid request URL.");
  }, noLimit);
});
