/**
 * The workspace view (view.ts): a workspace built through the official SDK, read back as HTML —
 * titles, property values, checkboxes, toggles, links, relations, lists, and escaping of
 * untrusted text.
 */
import assert from "node:assert/strict";
import type { Client } from "@notionhq/client";
import { type Harness, text, withNotion } from "./testing.ts";
import { escapeHtml, markup, safeHref } from "./view_html.ts";

const VIEW = "/_control/notion/view";

async function get(
  h: Harness,
  path: string,
): Promise<{ status: number; body: string; res: Response }> {
  const res = await fetch(`${h.sb.url}${path}`);
  return { status: res.status, body: await res.text(), res };
}

/** The HTML of the element with this id, up to its closing tag (the view nests no same tag). */
function element(body: string, id: string, tag: string): string {
  const at = body.indexOf(`id="b-${id}"`);
  assert.ok(at >= 0, `no element b-${id}`);
  const start = body.lastIndexOf(`<${tag}`, at);
  const end = body.indexOf(`</${tag}>`, at);
  assert.ok(start >= 0 && end > at, `no <${tag}> around b-${id}`);
  return body.slice(start, end + tag.length + 3);
}

const SCRIPT = `<script>document.body.dataset.pwned = "1"</script>`;
const IMG = `"><img src=x onerror="alert(1)">`;

/** Contacts and Calls (Calls → Contacts relation), one contact, one call with content. */
async function buildWorkspace(h: Harness, client: Client) {
  const root = (await h.seed({ pages: [{ title: "Switchboard" }] })).pages[0]!.id;
  const contacts = await client.databases.create({
    parent: { type: "page_id", page_id: root },
    title: text("Contacts"),
    initial_data_source: {
      properties: { Name: { title: {} }, Phone: { phone_number: {} }, Email: { email: {} } },
    },
  }) as { id: string; data_sources: { id: string }[] };
  const contactsDs = contacts.data_sources[0]!.id;
  const calls = await client.databases.create({
    parent: { type: "page_id", page_id: root },
    title: text("Calls"),
    initial_data_source: {
      properties: {
        Name: { title: {} },
        Direction: { select: { options: [{ name: "Incoming", color: "blue" }] } },
        Started: { date: {} },
        "Duration (s)": { number: { format: "number" } },
        "Cost (USD)": { number: { format: "dollar" } },
        Topics: { multi_select: {} },
        Contact: {
          relation: { data_source_id: contactsDs, type: "single_property", single_property: {} },
        },
        Recording: { url: {} },
        "Follow-up Needed": { checkbox: {} },
        "Needs Review": { checkbox: {} },
        "Review Note": { rich_text: {} },
      },
    },
  }) as { id: string; data_sources: { id: string }[] };
  const callsDs = calls.data_sources[0]!.id;

  const ada = await client.pages.create({
    parent: { data_source_id: contactsDs },
    properties: {
      Name: { title: text("Ada Lovelace") },
      Phone: { phone_number: "+1 555 010 0100" },
      Email: { email: "ada@example.com" },
    },
  });
  const call = await client.pages.create({
    parent: { data_source_id: callsDs },
    icon: { type: "emoji", emoji: "📞" },
    properties: {
      Name: { title: text(`Water heater moved ${SCRIPT}`) },
      Direction: { select: { name: "Incoming" } },
      Started: { date: { start: "2026-11-29T14:05:00.000Z" } },
      "Duration (s)": { number: 192 },
      "Cost (USD)": { number: 0.0123 },
      Topics: { multi_select: [{ name: "installation" }, { name: "billing" }] },
      Contact: { relation: [{ id: ada.id }] },
      Recording: { url: "javascript:alert(1)" },
      "Follow-up Needed": { checkbox: true },
      "Needs Review": { checkbox: false },
      "Review Note": { rich_text: text(IMG) },
    },
    children: [
      {
        callout: {
          icon: { type: "emoji", emoji: "📞" },
          rich_text: [{
            type: "text",
            text: { content: "Call summary" },
            annotations: { bold: true },
          }],
          children: [
            {
              paragraph: {
                rich_text: [
                  { type: "text", text: { content: "Sam asked " } },
                  { type: "text", text: { content: "bold" }, annotations: { bold: true } },
                  { type: "text", text: { content: " italic" }, annotations: { italic: true } },
                  { type: "text", text: { content: " code" }, annotations: { code: true } },
                  { type: "text", text: { content: " red" }, annotations: { color: "red" } },
                  {
                    type: "text",
                    text: { content: " listen", link: { url: "https://example.com/r?a=1&b=2" } },
                  },
                ],
              },
            },
            { heading_3: { rich_text: text("Action items") } },
            { to_do: { rich_text: text("Send the confirmation"), checked: true } },
            { to_do: { rich_text: text("Include the invoice") } },
          ],
        },
      },
      { heading_2: { rich_text: text("Transcript · 2 turns") } },
      {
        toggle: {
          rich_text: [
            { type: "text", text: { content: "Dana" }, annotations: { bold: true } },
            { type: "text", text: { content: " · 0:00" }, annotations: { color: "gray" } },
          ],
          children: [{ paragraph: { rich_text: text(`Hello ${SCRIPT}`) } }],
        },
      },
      { bulleted_list_item: { rich_text: text("first bullet") } },
      { bulleted_list_item: { rich_text: text("second bullet") } },
      { numbered_list_item: { rich_text: text("step one") } },
      { divider: {} },
      {
        paragraph: {
          rich_text: [
            { type: "mention", mention: { page: { id: ada.id } } },
            { type: "text", text: { content: " on " } },
            { type: "mention", mention: { date: { start: "2026-12-01" } } },
          ],
        },
      },
    ],
  });
  return { root, contacts, calls, callsDs, ada, call };
}

Deno.test("view: a page shows its title, properties and blocks in order with nesting", async () => {
  await withNotion(async (h) => {
    const client = h.client();
    const { call, ada, calls } = await buildWorkspace(h, client);
    const { status, body, res } = await get(h, `${VIEW}/pages/${call.id}`);
    assert.equal(status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/html; charset=utf-8/);
    assert.match(res.headers.get("content-security-policy")!, /default-src 'none'/);

    // Title, escaped; the breadcrumb leads back through the database to the root page.
    assert.ok(
      body.includes(
        `<h1 class="page-title">Water heater moved &lt;script&gt;document.body.dataset.pwned = &quot;1&quot;&lt;/script&gt;</h1>`,
      ),
    );
    assert.ok(body.includes(`<a href="${VIEW}/databases/${calls.id}">Calls</a>`));
    assert.ok(body.includes(`<a href="${VIEW}">Workspace</a>`));

    // Properties.
    const prop = (name: string) => {
      const m = new RegExp(`<tr data-property="${name}">.*?<td>(.*?)</td></tr>`).exec(body);
      assert.ok(m, `no property row ${name}`);
      return m[1]!;
    };
    assert.match(prop("Direction"), /<span class="tag tag-blue">Incoming<\/span>/);
    assert.match(
      prop("Started"),
      /<time datetime="2026-11-29T14:05:00.000Z">Nov 29, 2026, 2:05 PM UTC<\/time>/,
    );
    assert.match(prop("Duration \\(s\\)"), />192</);
    assert.match(prop("Cost \\(USD\\)"), />\$0\.0123</);
    assert.match(prop("Topics"), /tag-default">installation<.*tag-default">billing</);
    assert.equal(
      prop("Contact"),
      `<a class="relation" href="${VIEW}/pages/${ada.id}">📄 Ada Lovelace</a>`,
    );
    assert.match(prop("Follow-up Needed"), /<input type="checkbox" disabled checked/);
    assert.doesNotMatch(prop("Needs Review"), /checked/);
    assert.match(prop("Needs Review"), /<input type="checkbox" disabled/);
    // A javascript: URL never becomes a link; text that looks like markup stays text.
    assert.equal(prop("Recording"), `<span class="">javascript:alert(1)</span>`);
    assert.equal(prop("Review Note"), `&quot;&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;`);

    // Blocks: the callout holds its paragraph, heading and to-dos.
    const blocks = (await client.blocks.children.list({ block_id: call.id })).results;
    const [callout, heading, toggle, bullet1, bullet2, numbered, divider, mentions] = blocks;
    const inner = (await client.blocks.children.list({ block_id: callout!.id })).results;
    const calloutHtml = body.slice(
      body.indexOf(`b-${callout!.id}`),
      body.indexOf(`b-${heading!.id}`),
    );
    assert.ok(calloutHtml.includes(`<div class="callout-icon">📞</div>`));
    assert.ok(calloutHtml.includes(`<strong>Call summary</strong>`));
    const para = element(body, inner[0]!.id, "div");
    assert.ok(para.includes("Sam asked <strong>bold</strong><em> italic</em><code> code</code>"));
    assert.ok(para.includes(`<span class="c-red"> red</span>`));
    assert.ok(
      para.includes(
        `<a class="" href="https://example.com/r?a=1&amp;b=2" rel="noopener noreferrer nofollow"> listen</a>`,
      ),
    );
    assert.ok(body.includes(`class="heading heading_3 " id="b-${inner[1]!.id}">Action items</h4>`));
    const done = element(body, inner[2]!.id, "div");
    assert.ok(done.includes(`<label class="done"><input type="checkbox" disabled checked>`));
    assert.ok(done.includes("Send the confirmation"));
    const open = element(body, inner[3]!.id, "div");
    assert.ok(open.includes(`<label class=""><input type="checkbox" disabled><span>`));
    // Order: callout, then the transcript heading, then the toggle.
    assert.ok(body.indexOf(`b-${callout!.id}`) < body.indexOf(`b-${heading!.id}`));
    assert.ok(body.indexOf(`b-${heading!.id}`) < body.indexOf(`b-${toggle!.id}`));
    assert.ok(
      body.includes(
        `<h3 class="heading heading_2 " id="b-${heading!.id}">Transcript · 2 turns</h3>`,
      ),
    );

    // The toggle is a <details> with its summary and its content inside.
    const details = element(body, toggle!.id, "details");
    assert.match(
      details,
      /<summary><strong>Dana<\/strong><span class="c-gray"> · 0:00<\/span><\/summary>/,
    );
    assert.ok(details.includes("Hello &lt;script&gt;document.body.dataset.pwned"));

    // Lists are grouped; the divider and the mentions follow.
    assert.ok(
      body.includes(
        `<ul class="list"><li id="b-${bullet1!.id}" class="">first bullet</li><li id="b-${
          bullet2!.id
        }" class="">second bullet</li></ul><ol class="list"><li id="b-${
          numbered!.id
        }" class="">step one</li></ol>`,
      ),
    );
    assert.ok(body.includes(`<hr id="b-${divider!.id}">`));
    const mention = element(body, mentions!.id, "div");
    assert.ok(
      mention.includes(`<a class="mention" href="${VIEW}/pages/${ada.id}">📄 Ada Lovelace</a>`),
    );
    assert.ok(mention.includes(`@<time datetime="2026-12-01">Dec 1, 2026</time>`));

    // No markup from the page's content anywhere.
    assert.equal(body.includes("<script"), false);
    assert.equal(body.includes("<img"), false);
  });
});

Deno.test("view: a database is a table of its pages; the index lists the workspace", async () => {
  await withNotion(async (h) => {
    const client = h.client();
    const { calls, callsDs, call, contacts, ada, root } = await buildWorkspace(h, client);
    const second = await client.pages.create({
      parent: { data_source_id: callsDs },
      properties: { Name: { title: text("Call from +15555550111") } },
    });

    const table = await get(h, `${VIEW}/databases/${calls.id}`);
    assert.equal(table.status, 200);
    assert.match(table.body, /<h1>Calls<\/h1>/);
    const headers = [...table.body.matchAll(/<th><span class="picon">[^<]*<\/span> ([^<]*)<\/th>/g)]
      .map((m) => m[1]);
    assert.deepEqual(headers.slice(0, 3), ["Name", "Direction", "Started"]);
    assert.ok(headers.includes("Contact"));
    // Rows in creation order, each title a link to the page, relations to the related page.
    const rows = [...table.body.matchAll(/<tr class="[^"]*" data-page-id="([^"]+)">/g)].map((m) =>
      m[1]
    );
    assert.deepEqual(rows, [call.id, second.id]);
    assert.ok(
      table.body.includes(`<a href="${VIEW}/pages/${second.id}">Call from +15555550111</a>`),
    );
    assert.ok(table.body.includes(`href="${VIEW}/pages/${ada.id}">📄 Ada Lovelace</a>`));
    assert.ok(
      table.body.includes(
        `<input type="checkbox" disabled checked aria-label="Follow-up Needed: yes">`,
      ),
    );
    assert.ok(table.body.includes('<p class="meta">2 pages</p>'));
    assert.equal(table.body.includes("<script"), false);
    // The data source id leads to the same table.
    assert.equal((await get(h, `${VIEW}/data_sources/${callsDs}`)).body, table.body);

    const contactsTable = await get(h, `${VIEW}/databases/${contacts.id.replaceAll("-", "")}`);
    assert.ok(
      contactsTable.body.includes(
        `<a class="" href="tel:+15550100100" rel="noopener noreferrer nofollow">+1 555 010 0100</a>`,
      ),
    );
    assert.ok(contactsTable.body.includes(`href="mailto:ada@example.com"`));

    const index = await get(h, VIEW);
    assert.equal(index.status, 200);
    assert.ok(index.body.includes(`<a href="${VIEW}/pages/${root}">📄 Switchboard</a>`));
    assert.ok(
      index.body.includes(
        `<a href="${VIEW}/databases/${calls.id}">🗃️ Calls</a> <span class="count">2 pages</span>`,
      ),
    );
    assert.ok(
      index.body.includes(
        `<a href="${VIEW}/databases/${contacts.id}">🗃️ Contacts</a> <span class="count">1 page</span>`,
      ),
    );
    assert.ok(index.body.includes(`href="/_control/state/notion"`));

    // The root page lists its databases as child links.
    const rootPage = await get(h, `${VIEW}/pages/${root}`);
    assert.ok(rootPage.body.includes(`<a href="${VIEW}/databases/${contacts.id}">🗃️ Contacts</a>`));
    assert.equal(rootPage.body.includes(`<table class="props">`), false);
  });
});

Deno.test("view: trashed pages and blocks are hidden, or marked when asked for", async () => {
  await withNotion(async (h) => {
    const client = h.client();
    const { calls, callsDs, call } = await buildWorkspace(h, client);
    const gone = await client.pages.create({
      parent: { data_source_id: callsDs },
      properties: { Name: { title: text("Pocket dial") } },
    });
    await client.pages.update({ page_id: gone.id, in_trash: true });
    const divider = (await client.blocks.children.list({ block_id: call.id })).results[6]!;
    await client.blocks.delete({ block_id: divider.id });

    const table = await get(h, `${VIEW}/databases/${calls.id}`);
    assert.equal(table.body.includes("Pocket dial"), false);
    assert.ok(
      table.body.includes(
        `1 in the trash, hidden. <a href="${VIEW}/databases/${calls.id}?trash=1">Show</a>`,
      ),
    );
    const withTrash = await get(h, `${VIEW}/databases/${calls.id}?trash=1`);
    assert.ok(withTrash.body.includes(`<tr class="trashed" data-page-id="${gone.id}">`));
    assert.ok(
      withTrash.body.includes(`Pocket dial</a> <span class="trash-tag">in the trash</span>`),
    );

    const page = await get(h, `${VIEW}/pages/${gone.id}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(`<p class="banner">This page is in the trash.</p>`));
    const live = await get(h, `${VIEW}/pages/${call.id}`);
    assert.equal(live.body.includes(`class="banner"`), false);
    assert.equal(live.body.includes(`b-${divider.id}`), false);
  });
});

Deno.test("view: read-only, outside the API's auth, rate limit and request log", async () => {
  await withNotion(async (h) => {
    const client = h.client();
    const { call } = await buildWorkspace(h, client);
    const before = h.sb.sandbox.log.list({ vendor: "notion" }).length;
    for (let i = 0; i < 15; i++) {
      assert.equal((await get(h, `${VIEW}/pages/${call.id}`)).status, 200);
    }
    assert.equal(h.sb.sandbox.log.list({ vendor: "notion" }).length, before);

    for (const method of ["POST", "PATCH", "DELETE", "PUT"]) {
      const res = await fetch(`${h.sb.url}${VIEW}/pages/${call.id}`, { method, body: "{}" });
      await res.body?.cancel();
      assert.equal(res.status, 404, method);
    }
    const missing = await get(h, `${VIEW}/pages/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
    const bad = await get(h, `${VIEW}/pages/%3Cscript%3E`);
    assert.equal(bad.status, 404);
    assert.ok(bad.body.includes("<code>&lt;script&gt;</code>"));
    assert.equal(bad.body.includes("<script"), false);
  }, { rateLimit: { perMinute: 10 } });
});

Deno.test("view: html escapes every interpolation; only safe links pass", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  const inner = markup`<b>${"<i>"}</b>`;
  assert.equal(
    markup`<p>${inner}${["<", markup`<br>`]}${null}${undefined}${false}${0}</p>`.value,
    "<p><b>&lt;i&gt;</b>&lt;<br>0</p>",
  );
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref(" JaVaScRiPt:alert(1)"), null);
  assert.equal(safeHref("data:text/html,<script>"), null);
  assert.equal(safeHref("/relative"), null);
  assert.equal(safeHref("https://example.com/a b"), "https://example.com/a%20b");
  assert.equal(safeHref("mailto:a@example.com"), "mailto:a@example.com");
});
