/**
 * What the call_publish tests and the benchmark share: the sandbox's Notion (its own server, on
 * a free port) with Contacts and Calls databases made through the official SDK with the
 * set-up command's schema (local/notion_setup.ts propertySchema, the default property map), the
 * real handler (calls/publish.ts) with its SQL store, Notion requests and the contacts mirror,
 * calls placed in a stage of the test's own (so no other test's worker takes them, and no other
 * test's call is published here), and in-process workers (drainStage + sqlEngineStore).
 *
 * notion_settings is not touched: the handler's `setup` names the test's data source.
 */
import { Client } from "@notionhq/client";
import type postgres from "postgres";
import { propertySchema } from "../../local/notion_setup.ts";
import { type RunningSandbox, startSandbox } from "../../sandbox/server.ts";
import { createNotion, type NotionOptions } from "../../sandbox/notion/mod.ts";
import {
  createNotionAdapter,
  type NotionAdapter,
  type NotionBudget,
} from "../../supabase/functions/_shared/adapters/notion/client.ts";
import { createNotionContacts } from "../../supabase/functions/_shared/adapters/notion/contacts.ts";
import { DEFAULT_PROPERTY_MAP } from "../../supabase/functions/_shared/adapters/notion/settings.ts";
import { createContactsStore } from "../../supabase/functions/_shared/domain/contacts/pg_store.ts";
import { resolveContact } from "../../supabase/functions/_shared/domain/contacts/resolve.ts";
import { DEFAULT_CONTACT_PROPERTIES } from "../../supabase/functions/_shared/domain/contacts/page.ts";
import type {
  CallPropertyMap,
  SummaryContent,
} from "../../supabase/functions/_shared/domain/notion_pages/call_page.ts";
import type { Utterance } from "../../supabase/functions/_shared/domain/notion_pages/transcript.ts";
import { sqlEngineStore } from "../../supabase/functions/_shared/platform/engine_store.ts";
import { createLogger, type Logger } from "../../supabase/functions/_shared/platform/log.ts";
import {
  type DrainReport,
  drainStage,
} from "../../supabase/functions/_shared/platform/stage_worker.ts";
import { callPagesNotion } from "../../supabase/functions/notion-publish/calls/notion.ts";
import {
  type CallPublishDeps,
  publishCall,
} from "../../supabase/functions/notion-publish/calls/publish.ts";
import { sqlCallPageStore } from "../../supabase/functions/notion-publish/calls/store.ts";

export const TOKEN = "secret_call_publish_tests";
/** The assertions' own connection (so their reads never spend the publisher's rate). */
export const READER_TOKEN = "secret_call_publish_reader";

export function quietLog(): Logger {
  return createLogger({ test: "call_publish" }, {
    level: "error",
    write: (line) => {
      // deno-lint-ignore no-console
      console.error(line);
    },
  });
}

export interface Harness {
  sb: RunningSandbox;
  url: string;
  /** The official SDK on the sandbox, unbudgeted: what the assertions read with. */
  reader: Client;
  /** The publisher's adapter (its requestCount counts the handler's requests). */
  adapter: NotionAdapter;
  contactsDs: string;
  callsDs: string;
  stage: string;
  fault(rule: Record<string, unknown>): Promise<void>;
  /** Requests the sandbox answered with an injected fault so far. */
  faultsHit(): Promise<number>;
  clearFaults(): Promise<void>;
  deps(over?: Partial<CallPublishDeps>): CallPublishDeps;
  close(): Promise<void>;
}

const map = DEFAULT_PROPERTY_MAP;
export const CALL_MAP = map.calls as unknown as CallPropertyMap;

export async function harness(
  sql: postgres.Sql,
  opts: { notion?: NotionOptions; budget?: NotionBudget } = {},
): Promise<Harness> {
  const notion = createNotion({ rateLimit: false, ...opts.notion });
  const sb = startSandbox({ vendors: [notion], port: 0 });
  const base = `${sb.url}/notion`;
  const reader = new Client({ auth: READER_TOKEN, baseUrl: base, logger: () => {}, retry: false });
  const seeded = await (await fetch(`${sb.url}/_control/seed`, {
    method: "POST",
    body: JSON.stringify({ notion: { pages: [{ title: "Switchboard" }] } }),
  })).json() as { notion: { pages: { id: string }[] } };
  const parent = seeded.notion.pages[0]!.id;
  const create = async (
    title: string,
    db: "contacts" | "calls",
    sources: Record<string, string>,
  ) => {
    const properties: Record<string, unknown> = {};
    for (const [logical, prop] of Object.entries(map[db])) {
      properties[prop.name] = propertySchema(logical, prop, sources);
    }
    const d = await reader.databases.create({
      parent: { type: "page_id", page_id: parent },
      title: [{ type: "text", text: { content: title } }],
      initial_data_source: { properties },
    } as never) as unknown as { data_sources: { id: string }[] };
    return d.data_sources[0]!.id;
  };
  const contactsDs = await create("Contacts", "contacts", {});
  const callsDs = await create("Calls", "calls", { contacts: contactsDs });
  const adapter = createNotionAdapter({
    baseUrl: base,
    token: TOKEN,
    fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: quietLog(),
    budget: opts.budget ?? { reserve: () => Promise.resolve(0), block: () => Promise.resolve() },
    timeoutMs: 10_000,
  });
  const stage = `t_call_publish_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  await sql`select switchboard.register_stage(${stage}, 'engine-tests-none', 'call', null, 'publish_pending', true)`;
  const contactsStore = createContactsStore(sql as never);
  const directory = createNotionContacts({
    sdk: adapter.sdk,
    dataSourceId: contactsDs,
    properties: { ...DEFAULT_CONTACT_PROPERTIES },
    filterTypes: { phone: "phone_number", other_phones: "rich_text" },
    defaultCountry: "US",
  } as never);
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sb.url}/_control${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${text}`);
  };
  return {
    sb,
    url: sb.url,
    reader,
    adapter,
    contactsDs,
    callsDs,
    stage,
    fault: (rule) => control("POST", "/faults", { vendor: "notion", ...rule }),
    clearFaults: () => control("DELETE", "/faults?vendor=notion"),
    async faultsHit() {
      const res = await fetch(`${sb.url}/_control/requests?vendor=notion`);
      const log = await res.json() as unknown;
      const rows =
        (Array.isArray(log) ? log : (log as { requests?: unknown[] }).requests ?? []) as {
          fault?: unknown;
        }[];
      return rows.filter((r) => r.fault !== undefined && r.fault !== null && r.fault !== false)
        .length;
    },
    deps: (over = {}) => ({
      store: sqlCallPageStore(sql as never),
      setup: () => Promise.resolve({ dataSourceId: callsDs, map: CALL_MAP }),
      notion: callPagesNotion(adapter.sdk),
      requestCount: adapter.requestCount,
      async resolveContact(phone, name) {
        const r = await resolveContact({ store: contactsStore, directory, now: Date.now }, phone, {
          name,
        });
        return {
          status: r.status,
          page_id: r.page_id,
          candidates: r.candidates,
          created: r.created,
          name: r.status === "matched" ? r.candidates[0]?.name ?? null : null,
        };
      },
      recordingLink: (m) => Promise.resolve(`https://functions.example/recording?t=test.${m.id}`),
      ...over,
    }),
    close: async () => {
      await sb.close();
    },
  };
}

/** Contact pages in the sandbox, mirrored as the contacts sync would. Returns their page ids. */
export async function seedContacts(
  sql: postgres.Sql,
  h: Harness,
  contacts: { name: string; phone: string }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const c of contacts) {
    const page = await h.reader.pages.create({
      parent: { type: "data_source_id", data_source_id: h.contactsDs },
      properties: {
        Name: { title: [{ type: "text", text: { content: c.name } }] },
        Phone: { phone_number: c.phone },
      },
    } as never);
    ids.push(page.id);
  }
  const store = createContactsStore(sql as never);
  const directory = createNotionContacts({
    sdk: h.reader as never,
    dataSourceId: h.contactsDs,
    properties: { ...DEFAULT_CONTACT_PROPERTIES },
    filterTypes: { phone: "phone_number", other_phones: "rich_text" },
    defaultCountry: "US",
  } as never);
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = await directory.listPage({ editedSince: null, startCursor: cursor });
    await store.upsertContacts(h.contactsDs, page.contacts, Date.now());
    cursor = page.nextCursor;
  }
  return ids;
}

export function utterances(
  n: number,
  text: (i: number) => string = (i) => `Line ${i} of the call.`,
): Utterance[] {
  return Array.from({ length: n }, (_, i) => ({
    speaker: i % 2 ? "B" : "A",
    speaker_name: i % 2 ? "Sam" : "Dana",
    start_ms: i * 3000,
    end_ms: i * 3000 + 2500,
    text: text(i),
  }));
}

export const SUMMARY: SummaryContent = {
  title: "Water heater installation moved",
  summary: "Sam asked to move the installation to Tuesday; Dana agreed to send a confirmation.",
  key_points: ["Installation moved to Tuesday", "Updated invoice requested"],
  action_items: [
    { text: "Send the confirmation email", owner: "Dana", due: "2026-12-01" },
    { text: "Include the updated invoice", owner: null, due: null },
  ],
  follow_up_needed: true,
  follow_up_by: "2026-12-01",
  follow_up_reason: "Confirm the new date",
  sentiment: "positive",
  topics: ["installation", "invoice"],
  category: "scheduling",
};

export interface CallSpec {
  phone: string;
  turns: number;
  summary?: SummaryContent | null;
  text?: (i: number) => string;
}

/** A call with its transcript and summary, waiting in the test's stage. */
export async function callInStage(sql: postgres.Sql, h: Harness, spec: CallSpec): Promise<number> {
  return await sql.begin(async (tx) => {
    const ext = `ACpub${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const [call] = await tx<{ id: string }[]>`
      insert into switchboard.calls (source, external_id, direction, from_number, to_number, participants,
        started_at, duration_sec, eligibility, cost_usd)
      values ('openphone', ${ext}, 'incoming', ${spec.phone}, '+15555550199', ${[
      spec.phone,
    ]}::text[],
        '2026-11-29T10:00:00Z', ${
      spec.turns * 3
    }, '{"eligible": true, "reason": "eligible"}', 0.0123)
      returning id::text`;
    const id = Number(call!.id);
    await tx`
      insert into switchboard.call_media (call_id, kind, media_key, source, storage_path)
      values (${id}, 'recording', ${`RE${ext}`}, 'openphone', ${`calls/${id}.mp3`})`;
    if (spec.turns > 0) {
      await tx`
        insert into switchboard.call_transcripts (call_id, source, status, utterances, completed_at)
        values (${id}, 'assemblyai', 'completed', ${
        tx.json(utterances(spec.turns, spec.text) as never)
      }, now())`;
    }
    if (spec.summary !== null) {
      await tx`
        insert into switchboard.call_summaries (call_id, status, model, summary)
        values (${id}, 'summarized', 'gpt-6-luna', ${tx.json((spec.summary ?? SUMMARY) as never)})`;
    }
    const [moved] = await tx<
      { ok: boolean }[]
    >`select switchboard.send_back('call', ${id}::bigint, ${h.stage}) as ok`;
    if (!moved?.ok) throw new Error("could not place the call in the test stage");
    return id;
  });
}

/** One in-process worker draining the test's stage. */
export function drain(
  sql: postgres.Sql,
  h: Harness,
  deps: CallPublishDeps,
  worker: string,
): Promise<DrainReport> {
  return drainStage({
    stage: h.stage,
    handler: publishCall(deps),
    store: sqlEngineStore(sql as never),
    log: quietLog(),
    now: Date.now,
    budgetMs: 60_000,
    workerId: worker,
  });
}

/** Drains until every call is done (waits and backoff skipped), or throws after `ms`. */
export async function drainUntilDone(
  sql: postgres.Sql,
  h: Harness,
  deps: CallPublishDeps,
  ids: number[],
  ms = 60_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (let round = 0;; round++) {
    await drain(sql, h, deps, `t-${round}`);
    const rows = await sql<{ status: string }[]>`
      select status from switchboard.work_items where subject_kind = 'call' and subject_id = any(${ids}::bigint[])`;
    if (rows.every((r) => r.status === "done")) return;
    if (rows.some((r) => r.status === "failed")) throw new Error("a call failed");
    if (Date.now() > deadline) {
      throw new Error(`not done after ${ms} ms: ${rows.map((r) => r.status)}`);
    }
    await skipWaits(sql, h, ids);
  }
}

/** Backoff and waits pass at once for these calls. */
export async function skipWaits(sql: postgres.Sql, h: Harness, ids: number[]): Promise<void> {
  const queue = `${h.stage}_jobs`;
  await sql`
    select pgmq.set_vt(${queue}, w.msg_id, 0)
    from switchboard.work_items w
    where w.subject_kind = 'call' and w.subject_id = any(${ids}::bigint[]) and w.status = 'pending'
      and w.msg_id is not null`;
  await sql`
    update switchboard.work_items w set run_after = now()
    where w.subject_kind = 'call' and w.subject_id = any(${ids}::bigint[]) and w.status = 'pending'`;
}

/** Sends calls back through the test's stage (a re-summary, a republish). */
export async function sendBack(sql: postgres.Sql, h: Harness, id: number): Promise<void> {
  const [r] = await sql<
    { ok: boolean }[]
  >`select switchboard.send_back('call', ${id}::bigint, ${h.stage}) as ok`;
  if (!r?.ok) throw new Error("send_back refused");
}

export interface PageView {
  id: string;
  properties: Record<string, Record<string, unknown>>;
  blocks: { id: string; type: string; text: string; children: number }[];
}

/** Every live page of the Calls data source with this Call ID, read through the official SDK. */
export async function pagesFor(h: Harness, sql: postgres.Sql, callId: number): Promise<PageView[]> {
  const [row] = await sql<
    { external_id: string }[]
  >`select external_id from switchboard.calls where id = ${callId}`;
  const res = await h.reader.dataSources.query({
    data_source_id: h.callsDs,
    filter: { property: "Call ID", rich_text: { equals: row!.external_id } },
  } as never);
  const out: PageView[] = [];
  for (const p of res.results as unknown as { id: string; properties: PageView["properties"] }[]) {
    out.push({ id: p.id, properties: p.properties, blocks: await blocksOf(h, p.id) });
  }
  return out;
}

async function blocksOf(h: Harness, pageId: string): Promise<PageView["blocks"]> {
  const out: PageView["blocks"] = [];
  let cursor: string | undefined;
  do {
    const r = await h.reader.blocks.children.list({
      block_id: pageId,
      page_size: 100,
      ...(cursor ? { start_cursor: cursor } : {}),
    });
    for (const b of r.results as unknown as Record<string, unknown>[]) {
      const body = b[b.type as string] as {
        rich_text?: { plain_text?: string; text?: { content: string } }[];
      };
      out.push({
        id: String(b.id),
        type: String(b.type),
        text: (body.rich_text ?? []).map((t) => t.plain_text ?? t.text?.content ?? "").join(""),
        children: b.has_children ? 1 : 0,
      });
    }
    cursor = r.has_more ? r.next_cursor ?? undefined : undefined;
  } while (cursor);
  return out;
}

export const plain = (p: Record<string, unknown> | undefined): string =>
  ((p?.title ?? p?.rich_text ?? []) as { plain_text?: string }[]).map((t) => t.plain_text ?? "")
    .join("");
