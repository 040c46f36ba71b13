/**
 * message_publish against the throwaway database and an in-process Notion sandbox, with the real
 * stage worker (drainStage + sqlEngineStore), handler, Notion adapter (shared Postgres budget)
 * and contact matching; Notion's state is read back through the official SDK:
 *
 *   - a thread of SMS/MMS → one conversation page, header then messages in sent order, MMS media
 *     as links; messages arriving later are appended; several waiting → one append request and
 *     the other items complete without a request; a message that arrives late goes in its place
 *   - faults: the append's and the create's connection dropped after Notion applied them, 503
 *     saying the write was committed, a 429 storm, a 5xx burst → each message exactly once, one
 *     page per conversation, no dead letters (T24, T25)
 *   - a number shared by two contacts → the page is flagged for review with both named
 *
 * The throwaway gateway's notion-publish has no Notion token, so the only workers that publish
 * are the tests' own. Each test has the pipeline stages to itself (isolatePipeline: their
 * wake-ups go nowhere, items other tests left in them are hidden); an item of another test's
 * message that these drains claim all the same is put back untouched (a short wait).
 */
import assert from "node:assert/strict";
import { Client } from "@notionhq/client";
import { createNotion } from "../../sandbox/notion/mod.ts";
import { type RunningSandbox, startSandbox } from "../../sandbox/server.ts";
import { createNotionAdapter } from "../../supabase/functions/_shared/adapters/notion/client.ts";
import { createNotionContacts } from "../../supabase/functions/_shared/adapters/notion/contacts.ts";
import {
  notionBudget,
  type NotionSettings,
  settingsFromRow,
} from "../../supabase/functions/_shared/adapters/notion/settings.ts";
import { contactProperties } from "../../supabase/functions/_shared/domain/contacts/page.ts";
import { createContactsStore } from "../../supabase/functions/_shared/domain/contacts/pg_store.ts";
import { resolveContact } from "../../supabase/functions/_shared/domain/contacts/resolve.ts";
import { scanMarkers } from "../../supabase/functions/_shared/domain/conversations/blocks.ts";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import {
  type DrainReport,
  drainStage,
  type StageHandler,
} from "../../supabase/functions/_shared/platform/stage_worker.ts";
import { publishMessage } from "../../supabase/functions/notion-publish/messages/publish_message.ts";
import { sqlConversationStore } from "../../supabase/functions/notion-publish/messages/store.ts";
import { isolatePipeline } from "../support/pipeline.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

type Sql = ReturnType<typeof testDb>;
const STAGE = "message_publish";
const OUR = "+15550107000";

const quietLog = () =>
  createLogger({ test: "notion_publish_conversations" }, {
    level: "error",
    write: (line) => {
      // deno-lint-ignore no-console
      console.error(line);
    },
  });

interface Harness {
  sql: Sql;
  sb: RunningSandbox;
  raw: Client;
  settings: NotionSettings;
  conversationsDs: string;
  contactsDs: string;
  line: string;
  handler: StageHandler;
  requestCount: () => number;
  control(path: string, body?: unknown, method?: string): Promise<unknown>;
  notionRequests(
    since: number,
  ): Promise<{ method: string; path: string; status: number; fault: string | null }[]>;
  lastSeq(): Promise<number>;
}

async function harness(): Promise<Harness> {
  const sql = testDb(4);
  const sb = startSandbox({ vendors: [createNotion({ rateLimit: false })], port: 0 });
  const token = `secret_conv_${crypto.randomUUID().replaceAll("-", "")}`;
  const baseUrl = `${sb.url}/notion`;
  const control = async (path: string, body?: unknown, method = "POST") => {
    const res = await fetch(`${sb.url}/_control${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  // Set-up as `deno task notion:setup` does it: two databases under a shared page.
  const seeded = await control("/seed", { notion: { pages: [{ title: "Switchboard" }] } }) as {
    notion: { pages: { id: string }[] };
  };
  const root = seeded.notion.pages[0]!.id;
  const raw = new Client({ auth: token, baseUrl, retry: false });
  const contactsDb = await raw.databases.create({
    parent: { type: "page_id", page_id: root },
    title: [{ type: "text", text: { content: "Contacts" } }],
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
  const contactsDs = contactsDb.data_sources[0]!.id;
  const convDb = await raw.databases.create({
    parent: { type: "page_id", page_id: root },
    title: [{ type: "text", text: { content: "Conversations" } }],
    initial_data_source: {
      properties: {
        Name: { title: {} },
        "Conversation ID": { rich_text: {} },
        "Our Number": { phone_number: {} },
        "Other Party": { phone_number: {} },
        Contact: { relation: { data_source_id: contactsDs, single_property: {} } },
        "Last Message": { date: {} },
        Messages: { number: {} },
        "Needs Review": { checkbox: {} },
        "Review Note": { rich_text: {} },
      },
    },
  }) as { id: string; data_sources: { id: string }[] };
  const conversationsDs = convDb.data_sources[0]!.id;

  const settings = settingsFromRow({
    parent_page_id: root,
    calls_database_id: null,
    calls_data_source_id: null,
    conversations_database_id: convDb.id,
    conversations_data_source_id: conversationsDs,
    contacts_database_id: contactsDb.id,
    contacts_data_source_id: contactsDs,
    database_titles: null,
    workspace_id: `ws-${token.slice(-12)}`,
    requests_per_minute: 600,
    burst: 600,
    workspace_requests_per_minute: null,
    workspace_burst: null,
    rate_window_seconds: 60,
    property_map: null,
    verified_at: null,
  });
  const log = quietLog();
  const notion = createNotionAdapter({
    baseUrl,
    token,
    fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log,
    budget: await notionBudget(sql, settings, token),
    timeoutMs: 5_000,
  });
  const directory = createNotionContacts({
    sdk: notion.sdk,
    dataSourceId: contactsDs,
    properties: contactProperties(null),
    defaultCountry: "US",
  });
  const contactsStore = createContactsStore(sql);
  const publish = publishMessage({
    store: sqlConversationStore(sql),
    sdk: notion.sdk,
    settings: () => Promise.resolve(settings),
    resolveContact: (phone) =>
      resolveContact({ store: contactsStore, directory, now: Date.now }, phone),
  });
  const line = `PNconv${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  await sql`insert into switchboard.phone_numbers (id, number) values (${line}, ${OUR})
    on conflict (id) do nothing`;
  // Only this run's messages: items of other tests' messages go back untouched.
  const handler: StageHandler = async (item, ctx) => {
    const [row] = await sql<{ mine: boolean }[]>`
      select phone_number_id = ${line} as mine from switchboard.messages where id = ${item.subjectId}`;
    if (!row?.mine) return { defer: { untilMs: Date.now() + 2_000, reason: "publish_pending" } };
    return await publish(item, ctx);
  };
  return {
    sql,
    sb,
    raw,
    settings,
    conversationsDs,
    contactsDs,
    line,
    handler,
    requestCount: notion.requestCount,
    control,
    async notionRequests(since) {
      return await control(`/requests?vendor=notion&since=${since}`, undefined, "GET") as {
        method: string;
        path: string;
        status: number;
        fault: string | null;
      }[];
    },
    async lastSeq() {
      const all = await control("/requests?vendor=notion", undefined, "GET") as { seq: number }[];
      return all.at(-1)?.seq ?? 0;
    },
  };
}

async function close(h: Harness): Promise<void> {
  await h.sb.close();
  await h.sql.end();
}

function suite(name: string, fn: (h: Harness) => Promise<void>): void {
  Deno.test({
    name: `notion_publish conversations: ${name}`,
    ignore: !platformAvailable,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const pipeline = await isolatePipeline({ stages: [STAGE] });
      try {
        const h = await harness();
        try {
          await fn(h);
        } finally {
          await close(h);
        }
      } finally {
        await pipeline.restore();
      }
    },
  });
}

interface Msg {
  ext: string;
  dir: "incoming" | "outgoing";
  other: string | string[];
  body: string | null;
  at: string;
  media?: unknown[];
}

async function insertMessages(h: Harness, msgs: Msg[]): Promise<number[]> {
  const ids: number[] = [];
  for (const m of msgs) {
    const others = Array.isArray(m.other) ? m.other : [m.other];
    const from = m.dir === "incoming" ? others[0]! : OUR;
    const to = m.dir === "incoming" ? [OUR, ...others.slice(1)] : others;
    const [row] = await h.sql<{ id: string }[]>`
      insert into switchboard.messages (external_id, phone_number_id, direction, from_number,
        to_numbers, body, media, sent_at)
      values (${m.ext}, ${h.line}, ${m.dir}, ${from}, ${to}, ${m.body},
        ${h.sql.json((m.media ?? []) as never)}, ${m.at})
      returning id::text`;
    ids.push(Number(row!.id));
  }
  return ids;
}

const uid = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);

function drain(h: Harness, id: string): Promise<DrainReport> {
  return drainStage({
    stage: STAGE,
    handler: h.handler,
    store: sqlEngineStore(h.sql),
    log: quietLog(),
    now: Date.now,
    budgetMs: 30_000,
    workerId: `t-conv-${id}`,
  });
}

/** Makes these messages' waiting items runnable now (their backoff passes). */
async function skipBackoff(h: Harness, ids: number[]): Promise<void> {
  await h.sql`
    select pgmq.set_vt('message_publish_jobs', w.msg_id, 0)
    from switchboard.work_items w
    where w.subject_kind = 'message' and w.subject_id = any(${ids}::bigint[]) and w.status = 'pending'
      and w.stage = ${STAGE} and w.msg_id is not null`;
  await h.sql`
    update switchboard.work_items w set run_after = now()
    where w.subject_kind = 'message' and w.subject_id = any(${ids}::bigint[]) and w.status = 'pending'
      and w.stage = ${STAGE}`;
}

async function statuses(h: Harness, ids: number[]): Promise<string[]> {
  const rows = await h.sql<{ status: string }[]>`
    select status from switchboard.work_items
    where subject_kind = 'message' and subject_id = any(${ids}::bigint[]) order by subject_id`;
  return rows.map((r) => r.status);
}

/** Drains until every one of `ids` is done (or failed); `skip`: no waiting for backoff. */
async function drainUntilDone(
  h: Harness,
  ids: number[],
  opts: { skip?: boolean; rounds?: number } = {},
): Promise<DrainReport[]> {
  const reports: DrainReport[] = [];
  for (let round = 0; round < (opts.rounds ?? 40); round++) {
    reports.push(await drain(h, `${round}`));
    const s = await statuses(h, ids);
    if (s.every((x) => x === "done" || x === "failed")) return reports;
    if (opts.skip !== false) await skipBackoff(h, ids);
    await new Promise((r) => setTimeout(r, opts.skip === false ? 500 : 100));
  }
  throw new Error(`items not done: ${JSON.stringify(await statuses(h, ids))}`);
}

interface PageView {
  pageId: string;
  properties: Record<string, unknown>;
  /** Markers in page order (conv:…, msg:…), one entry per block. */
  markers: string[];
  blocks: {
    id: string;
    type?: string;
    paragraph?: { rich_text: { plain_text: string; href: string | null }[] };
  }[];
}

/** Every conversation page with this key, read through the official SDK. */
async function pagesFor(h: Harness, other: string): Promise<PageView[]> {
  const key = `${h.line}:${other}`;
  const res = await h.raw.dataSources.query({
    data_source_id: h.conversationsDs,
    filter: { property: "Conversation ID", rich_text: { equals: key } },
  });
  const out: PageView[] = [];
  for (const p of res.results as { id: string; properties: Record<string, unknown> }[]) {
    const blocks: PageView["blocks"] = [];
    let cursor: string | undefined;
    do {
      const list = await h.raw.blocks.children.list({
        block_id: p.id,
        ...(cursor ? { start_cursor: cursor } : {}),
      });
      blocks.push(...list.results as PageView["blocks"]);
      cursor = list.has_more ? list.next_cursor ?? undefined : undefined;
    } while (cursor);
    const markers = blocks.map((b) => {
      const scan = scanMarkers([b]);
      return [...scan.blocks.keys()][0] ?? "(none)";
    });
    out.push({ pageId: p.id, properties: p.properties, markers, blocks });
  }
  return out;
}

const numberProp = (p: PageView, name: string) =>
  (p.properties[name] as { number: number | null }).number;

async function deadLetters(h: Harness, ids: number[]): Promise<number> {
  const [row] = await h.sql<{ n: number }[]>`
    select count(*)::int as n from switchboard.dead_letters
    where stage = ${STAGE} and subject_kind = 'message' and subject_id = any(${ids}::bigint[])`;
  return row!.n;
}

/** Exactly one page, and on it each message's marker exactly once, in this order. */
async function assertExactlyOnce(h: Harness, other: string, exts: string[]): Promise<PageView> {
  const pages = await pagesFor(h, other);
  assert.equal(pages.length, 1, "one page per conversation");
  const page = pages[0]!;
  const messages = page.markers.filter((m) => m.startsWith("msg:"));
  assert.deepEqual(messages, exts.map((e) => `msg:${e}`), "each message once, in order");
  assert.equal(page.markers.filter((m) => m.startsWith("conv:")).length, 1, "one header");
  return page;
}

const perMessage: Record<string, { requests: number; messages: number }> = {};

suite(
  "a thread of SMS/MMS → one page, in order; later messages appended, several in one request",
  async (h) => {
    const other = "+15550107101";
    const t = uid();
    const seq0 = await h.lastSeq();
    const first = await insertMessages(h, [
      {
        ext: `AC${t}a`,
        dir: "incoming",
        other,
        body: "Hi, is the van free on Friday?",
        at: "2026-11-29T09:00:00Z",
      },
      {
        ext: `AC${t}b`,
        dir: "outgoing",
        other,
        body: "Yes, from 9am.",
        at: "2026-11-29T09:01:00Z",
      },
      {
        ext: `AC${t}c`,
        dir: "incoming",
        other,
        body: "Here is the address",
        at: "2026-11-29T09:02:00Z",
        media: [{ url: "https://media.example/map.jpg", type: "image/jpeg" }],
      },
    ]);
    await drainUntilDone(h, first);
    const created = await h.notionRequests(seq0);
    let page = await assertExactlyOnce(h, other, [`AC${t}a`, `AC${t}b`, `AC${t}c`]);
    assert.equal(page.markers[0], page.markers.find((m) => m.startsWith("conv:")), "header first");
    const mms = page.blocks.find((b) =>
      b.paragraph?.rich_text.some((r) => r.href === "https://media.example/map.jpg")
    );
    assert.ok(mms, "the MMS image is a link");
    assert.equal(numberProp(page, "Messages"), 3);
    assert.equal(created.filter((r) => r.method === "POST" && r.path === "/v1/pages").length, 1);
    assert.equal(
      created.filter((r) => r.method === "PATCH" && /\/children$/.test(r.path)).length,
      0,
      "the page was created with its messages in one request",
    );

    // One more: appended at the end.
    const seq1 = await h.lastSeq();
    const one = await insertMessages(h, [
      { ext: `AC${t}d`, dir: "outgoing", other, body: "See you then.", at: "2026-11-29T09:05:00Z" },
    ]);
    await drainUntilDone(h, one);
    const afterOne = await h.notionRequests(seq1);

    // Three waiting at once: one append request; the other two items complete without one.
    const seq2 = await h.lastSeq();
    const three = await insertMessages(h, [
      { ext: `AC${t}e`, dir: "incoming", other, body: "Running late", at: "2026-11-29T09:10:00Z" },
      {
        ext: `AC${t}f`,
        dir: "incoming",
        other,
        body: "x".repeat(4500),
        at: "2026-11-29T09:11:00Z",
      },
      { ext: `AC${t}g`, dir: "outgoing", other, body: "No problem", at: "2026-11-29T09:12:00Z" },
    ]);
    await drainUntilDone(h, three);
    const afterThree = await h.notionRequests(seq2);
    assert.equal(
      afterThree.filter((r) =>
        r.method === "PATCH" && /\/v1\/blocks\/[^/]+\/children$/.test(r.path)
      )
        .length,
      1,
      "several waiting → one append request",
    );
    assert.equal(
      afterThree.filter((r) => r.method === "PATCH" && /^\/v1\/pages\//.test(r.path)).length,
      1,
    );

    // A message that arrives late (the backfill finds an older one) goes in its place.
    const late = await insertMessages(h, [
      { ext: `AC${t}z`, dir: "incoming", other, body: "(earlier)", at: "2026-11-29T09:00:30Z" },
    ]);
    const seq3 = await h.lastSeq();
    await drainUntilDone(h, late);
    const afterLate = await h.notionRequests(seq3);
    page = await assertExactlyOnce(h, other, [
      `AC${t}a`,
      `AC${t}z`,
      `AC${t}b`,
      `AC${t}c`,
      `AC${t}d`,
      `AC${t}e`,
      `AC${t}f`,
      `AC${t}g`,
    ]);
    assert.equal(numberProp(page, "Messages"), 8);
    const lastMessage = (page.properties["Last Message"] as { date: { start: string } }).date.start;
    assert.equal(Date.parse(lastMessage), Date.parse("2026-11-29T09:12:00Z"));
    // Each block's text items stay within 2,000 characters.
    for (const b of page.blocks) {
      for (const r of b.paragraph?.rich_text ?? []) assert.ok(r.plain_text.length <= 2000);
    }
    assert.equal(await deadLetters(h, [...first, ...one, ...three, ...late]), 0);

    perMessage["new conversation, 3 waiting"] = { requests: created.length, messages: 3 };
    perMessage["one message appended"] = { requests: afterOne.length, messages: 1 };
    perMessage["3 waiting appended"] = { requests: afterThree.length, messages: 3 };
    perMessage["one late arrival (page read once for block ids)"] = {
      requests: afterLate.length,
      messages: 1,
    };
    perMessage["whole scenario"] = {
      requests: created.length + afterOne.length + afterThree.length + afterLate.length,
      messages: 8,
    };
    // deno-lint-ignore no-console
    console.log(JSON.stringify({
      bench: "notion_requests_per_message",
      scenarios: Object.fromEntries(
        Object.entries(perMessage).map((
          [k, v],
        ) => [k, { ...v, per_message: +(v.requests / v.messages).toFixed(2) }]),
      ),
    }));
  },
);

suite(
  "faults: dropped connections after Notion applied the write → exactly once (T25)",
  async (h) => {
    // The create's answer is lost: the retry finds the page by its Conversation ID.
    const other = "+15550107102";
    const t = uid();
    await h.control("/faults", {
      vendor: "notion",
      method: "POST",
      path: "^/v1/pages$",
      drop: "after",
      times: 1,
    });
    const a = await insertMessages(h, [
      { ext: `AC${t}a`, dir: "incoming", other, body: "one", at: "2026-11-29T10:00:00Z" },
      { ext: `AC${t}b`, dir: "outgoing", other, body: "two", at: "2026-11-29T10:01:00Z" },
    ]);
    await drainUntilDone(h, a);
    await assertExactlyOnce(h, other, [`AC${t}a`, `AC${t}b`]);

    // The append's answer is lost: the retry lists the page after the anchor before appending.
    await h.control("/faults", {
      vendor: "notion",
      method: "PATCH",
      path: "^/v1/blocks/[^/]+/children$",
      drop: "after",
      times: 1,
    });
    const b = await insertMessages(h, [
      { ext: `AC${t}c`, dir: "incoming", other, body: "three", at: "2026-11-29T10:02:00Z" },
      { ext: `AC${t}d`, dir: "incoming", other, body: "four", at: "2026-11-29T10:03:00Z" },
    ]);
    await drainUntilDone(h, b);
    const page = await assertExactlyOnce(h, other, [`AC${t}a`, `AC${t}b`, `AC${t}c`, `AC${t}d`]);
    assert.equal(numberProp(page, "Messages"), 4);
    assert.equal(await deadLetters(h, [...a, ...b]), 0);
  },
);

suite("faults: 503 saying the write was committed is honoured, not repeated", async (h) => {
  const other = "+15550107103";
  const t = uid();
  await h.control("/faults", {
    vendor: "notion",
    method: "POST",
    path: "^/v1/pages$",
    status: 503,
    commit: true,
    times: 1,
  });
  const a = await insertMessages(h, [
    { ext: `AC${t}a`, dir: "incoming", other, body: "one", at: "2026-11-29T11:00:00Z" },
  ]);
  const seq = await h.lastSeq();
  await drainUntilDone(h, a);
  const afterCreate = await h.notionRequests(seq);
  assert.equal(afterCreate.filter((r) => r.method === "POST" && r.path === "/v1/pages").length, 1);
  await h.control("/faults", {
    vendor: "notion",
    method: "PATCH",
    path: "^/v1/blocks/[^/]+/children$",
    status: 503,
    commit: true,
    times: 1,
  });
  const b = await insertMessages(h, [
    { ext: `AC${t}b`, dir: "outgoing", other, body: "two", at: "2026-11-29T11:01:00Z" },
    { ext: `AC${t}c`, dir: "incoming", other, body: "three", at: "2026-11-29T11:02:00Z" },
  ]);
  const seq2 = await h.lastSeq();
  await drainUntilDone(h, b);
  const afterAppend = await h.notionRequests(seq2);
  assert.equal(
    afterAppend.filter((r) => r.method === "PATCH" && /\/children$/.test(r.path)).length,
    1,
    "the committed append is not repeated",
  );
  assert.equal(
    afterAppend.filter((r) => r.method === "GET").length,
    0,
    "nor checked: 503 named the blocks",
  );
  await assertExactlyOnce(h, other, [`AC${t}a`, `AC${t}b`, `AC${t}c`]);
  assert.equal(await deadLetters(h, [...a, ...b]), 0);
});

suite(
  "faults: a 429 storm and a 5xx burst → exactly once, nothing dead-lettered (T24)",
  async (h) => {
    const other = "+15550107104";
    const t = uid();
    const a = await insertMessages(h, [
      { ext: `AC${t}a`, dir: "incoming", other, body: "one", at: "2026-11-29T12:00:00Z" },
    ]);
    await drainUntilDone(h, a);
    // The engine waits at least what Retry-After says and backs off from the stage's base delay
    // (10 s by default): a short base keeps this storm to seconds, the rules being the same.
    const [policy] = await h.sql<{ base: number; cap: number }[]>`
      select retry_base_seconds::float8 as base, retry_cap_seconds::float8 as cap
      from switchboard.stages where name = ${STAGE}`;
    await h.sql`update switchboard.stages set retry_base_seconds = 1, retry_cap_seconds = 2
      where name = ${STAGE}`;
    let b: Awaited<ReturnType<typeof insertMessages>> = [];
    try {
      await h.control("/faults", { vendor: "notion", status: 429, retryAfter: 1, times: 4 });
      await h.control("/faults", { vendor: "notion", status: 529, times: 1 });
      b = await insertMessages(h, [
        { ext: `AC${t}b`, dir: "outgoing", other, body: "two", at: "2026-11-29T12:01:00Z" },
        { ext: `AC${t}c`, dir: "incoming", other, body: "three", at: "2026-11-29T12:02:00Z" },
      ]);
      // No backoff skipping: the engine waits at least what Retry-After says.
      await drainUntilDone(h, b, { skip: false, rounds: 60 });
    } finally {
      await h.sql`update switchboard.stages set retry_base_seconds = ${policy!.base},
        retry_cap_seconds = ${policy!.cap} where name = ${STAGE}`;
    }
    await assertExactlyOnce(h, other, [`AC${t}a`, `AC${t}b`, `AC${t}c`]);

    for (const status of [500, 502, 503, 504]) {
      await h.control("/faults", {
        vendor: "notion",
        method: "PATCH",
        path: "/children$",
        status,
        times: 1,
      });
    }
    const c = await insertMessages(h, [
      { ext: `AC${t}d`, dir: "incoming", other, body: "four", at: "2026-11-29T12:03:00Z" },
      { ext: `AC${t}e`, dir: "incoming", other, body: "five", at: "2026-11-29T12:04:00Z" },
    ]);
    await drainUntilDone(h, c);
    const page = await assertExactlyOnce(h, other, [
      `AC${t}a`,
      `AC${t}b`,
      `AC${t}c`,
      `AC${t}d`,
      `AC${t}e`,
    ]);
    assert.equal(numberProp(page, "Messages"), 5);
    assert.equal(await deadLetters(h, [...a, ...b, ...c]), 0);
  },
);

suite(
  "a number shared by two contacts → flagged for review with both named; a known one is linked",
  async (h) => {
    const shared = "+15550107105";
    const known = "+15550107106";
    const mk = (name: string, phone: string) =>
      h.raw.pages.create({
        parent: { type: "data_source_id", data_source_id: h.contactsDs },
        properties: {
          Name: { title: [{ type: "text", text: { content: name } }] },
          Phone: { phone_number: phone },
        },
      });
    const bea = await mk("Bea Shared", shared);
    const cy = await mk("Cy Shared", shared);
    const ada = await mk("Ada Known", known);
    const t = uid();
    const ids = await insertMessages(h, [
      {
        ext: `AC${t}a`,
        dir: "incoming",
        other: shared,
        body: "who am I?",
        at: "2026-11-29T13:00:00Z",
      },
      { ext: `AC${t}b`, dir: "incoming", other: known, body: "hello", at: "2026-11-29T13:00:00Z" },
    ]);
    await drainUntilDone(h, ids);
    const [flagged] = await pagesFor(h, shared);
    assert.ok(flagged);
    assert.equal((flagged.properties["Needs Review"] as { checkbox: boolean }).checkbox, true);
    const note = (flagged.properties["Review Note"] as { rich_text: { plain_text: string }[] })
      .rich_text
      .map((r) => r.plain_text).join("");
    assert.match(note, /Bea Shared/);
    assert.match(note, /Cy Shared/);
    assert.ok(note.includes(bea.id) && note.includes(cy.id));
    assert.deepEqual((flagged.properties["Contact"] as { relation: unknown[] }).relation, []);

    const [linked] = await pagesFor(h, known);
    assert.ok(linked);
    assert.deepEqual(
      (linked.properties["Contact"] as { relation: { id: string }[] }).relation.map((r) => r.id),
      [ada.id],
    );
    assert.equal((linked.properties["Needs Review"] as { checkbox: boolean }).checkbox, false);
  },
);
