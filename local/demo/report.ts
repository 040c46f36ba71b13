/**
 * After the run: one row per call and per conversation (how it came in, which contact its page
 * names, the stages it went through, its cost, its Notion page), the totals (pages, requests to
 * each vendor from the sandbox's request log, spend), and where to look next.
 */
import type postgres from "postgres";
import { CALL_STAGES, type LoggedRequest, requestLog } from "./progress.ts";
import { type DemoDay, PHONE_NUMBER_ID } from "./scenario.ts";
import type { DemoTarget } from "./seed.ts";

export interface CallRow {
  callId: number;
  label: string;
  door: string;
  contact: string;
  stages: string;
  costUsd: number;
  status: string;
  pageId: string | null;
  requests: number;
}

export interface ConversationRow {
  label: string;
  messages: number;
  contact: string;
  status: string;
  pageId: string | null;
}

export interface DemoResults {
  calls: CallRow[];
  conversations: ConversationRow[];
  notionPages: { calls: number; conversations: number; contacts: number };
  requests: Record<string, number>;
  rateLimited: Record<string, number>;
  spend: Record<string, number>;
  deadLetters: number;
}

const STAGE_LABEL = new Map<string, string>(CALL_STAGES);

interface NotionPage {
  id: string;
  in_trash?: boolean;
  parent?: { data_source_id?: string; database_id?: string };
  properties: Record<string, { type: string; [k: string]: unknown }>;
}

function plain(p: { type: string; [k: string]: unknown } | undefined): string {
  if (!p) return "";
  const v = p[p.type];
  if (Array.isArray(v)) {
    return v.map((t) => (t as { plain_text?: string; id?: string }).plain_text ?? "").join("");
  }
  return v === null || v === undefined ? "" : String(v);
}

function relationIds(p: { type: string; [k: string]: unknown } | undefined): string[] {
  return p?.type === "relation"
    ? (p.relation as { id: string }[]).map((r) => r.id.replaceAll("-", ""))
    : [];
}

async function notionState(target: DemoTarget): Promise<NotionPage[]> {
  const res = await fetch(`${target.sandboxUrl}/_control/state/notion`);
  const state = await res.json() as { pages: NotionPage[] };
  return state.pages.filter((p) => !p.in_trash);
}

/** Contact names a review note mentions. */
function mentionedNames(note: string, names: Map<string, string>): Set<string> {
  return new Set([...names.values()].filter((n) => n && note.includes(n)));
}

/** Whom a page names: the linked contact, "review: A / B" when flagged, or "unknown". */
function contactOf(page: NotionPage | undefined, names: Map<string, string>): string {
  if (!page) return "—";
  const linked = relationIds(page.properties["Contact"]).map((id) => names.get(id) ?? id);
  const review = page.properties["Needs Review"]?.checkbox === true;
  if (linked.length === 1 && !review) return linked[0]!;
  if (review) {
    const note = plain(page.properties["Review Note"]);
    if (linked.length > 1) return `flagged: ${linked.join(" or ")}`;
    if (/unknown/i.test(note)) return "unknown caller (flagged)";
    const mentioned = [...mentionedNames(note, names)];
    return `flagged: ${mentioned.length ? mentioned.join(" or ") : note.slice(0, 30)}`;
  }
  return linked.length ? linked.join(" / ") : "unknown caller";
}

export async function collectResults(
  sql: postgres.Sql,
  target: DemoTarget,
  day: DemoDay,
): Promise<DemoResults> {
  const pages = await notionState(target);
  const byId = new Map(pages.map((p) => [p.id.replaceAll("-", ""), p]));
  const [settings] = await sql<
    { calls: string; conversations: string; contacts: string }[]
  >`select calls_data_source_id as calls, conversations_data_source_id as conversations,
           contacts_data_source_id as contacts from switchboard.notion_settings`;
  const inSource = (ds: string | undefined) =>
    pages.filter((p) =>
      ds && p.parent?.data_source_id?.replaceAll("-", "") === ds.replaceAll("-", "")
    );
  const contactNames = new Map(
    inSource(settings?.contacts).map((
      p,
    ) => [p.id.replaceAll("-", ""), plain(p.properties["Name"])]),
  );

  const calls = await sql<{
    id: number;
    source: string;
    external_id: string;
    pipeline_status: string;
    cost_usd: string;
    eligibility: { eligible?: boolean; reason?: string } | null;
    webhooks: number;
    merged_from: number;
    page_id: string | null;
    requests: number | null;
    stages: string[] | null;
  }[]>`
    select c.id, c.source, c.external_id, c.pipeline_status, c.cost_usd, c.eligibility,
           (select count(*) from switchboard.webhook_deliveries d where d.call_id = c.id)::int
             as webhooks,
           (select count(*) from switchboard.call_merges m where m.survivor_call_id = c.id)::int
             as merged_from,
           p.page_id::text, p.requests,
           (select array_agg(distinct a.stage) from switchboard.stage_attempts a
              join switchboard.work_items w on w.id = a.item_id
             where w.subject_kind = 'call' and w.subject_id = c.id and a.outcome = 'completed')
             as stages
    from switchboard.calls c
    left join switchboard.notion_call_pages p on p.call_id = c.id
    where c.merged_into_call_id is null
    order by c.started_at`;
  const byExternal = new Map(day.calls.filter((c) => c.id).map((c) => [c.id!, c]));
  const sent = await fetch(`${target.sandboxUrl}/_control/openphone/webhooks/deliveries`)
    .then((r) => r.json()) as { body: string }[];
  const deliveriesOf = (externalId: string) =>
    sent.filter((d) => d.body.includes(`"${externalId}"`)).length;
  const callRows: CallRow[] = calls.map((c) => {
    const scenario = c.source === "openphone"
      ? byExternal.get(c.external_id)
      : day.calls.find((x) => x.door === "drive");
    const posts = c.source === "openphone" ? deliveriesOf(c.external_id) : 0;
    const door = c.source === "drive"
      ? "Drive"
      : `${
        c.webhooks
          ? `webhook ×${c.webhooks}${posts > c.webhooks ? ` (${posts} deliveries)` : ""}`
          : "backfill"
      }${c.merged_from ? " + Drive" : ""}`;
    const done = new Set(c.stages ?? []);
    const stages = CALL_STAGES.filter(([s]) => done.has(s)).map(([s]) => STAGE_LABEL.get(s))
      .join("→");
    const skipped = c.eligibility && c.eligibility.eligible === false
      ? ` (${c.eligibility.reason ?? "not eligible"})`
      : "";
    return {
      callId: c.id,
      label: scenario?.label ?? c.external_id,
      door,
      contact: contactOf(
        c.page_id ? byId.get(c.page_id.replaceAll("-", "")) : undefined,
        contactNames,
      ),
      stages: `${stages}${skipped}`,
      costUsd: Number(c.cost_usd),
      status: c.pipeline_status,
      pageId: c.page_id,
      requests: c.requests ?? 0,
    };
  });

  const convs = await sql<{
    other_parties: string[];
    message_count: number;
    contact_status: string | null;
    page_id: string | null;
  }[]>`
    select other_parties, message_count, contact_status, page_id::text
    from switchboard.notion_conversations order by id`;
  const contactByPhone = new Map<string, string[]>();
  for (const p of inSource(settings?.contacts)) {
    const phone = plain(p.properties["Phone"]).replace(/[^+\d]/g, "");
    contactByPhone.set(phone, [...(contactByPhone.get(phone) ?? []), plain(p.properties["Name"])]);
  }
  const conversationRows: ConversationRow[] = convs.map((c) => {
    const names = c.other_parties.flatMap((n) => contactByPhone.get(n) ?? []);
    return {
      label: names.length === 1
        ? `Texts with ${names[0]}`
        : names.length > 1
        ? `Texts with the ${names[0]!.split(" ").pop()} household`
        : "Texts with an unknown number",
      messages: c.message_count,
      contact: contactOf(
        c.page_id ? byId.get(c.page_id.replaceAll("-", "")) : undefined,
        contactNames,
      ),
      status: c.page_id ? "published" : "pending",
      pageId: c.page_id,
    };
  });

  const log = await requestLog(target.sandboxUrl);
  const requests: Record<string, number> = {};
  const rateLimited: Record<string, number> = {};
  for (const r of log as LoggedRequest[]) {
    requests[r.vendor] = (requests[r.vendor] ?? 0) + 1;
    if (r.status === 429) rateLimited[r.vendor] = (rateLimited[r.vendor] ?? 0) + 1;
  }
  const spendRows = await sql<{ vendor: string; usd: string }[]>`
    select vendor, sum(coalesce(actual_usd, estimate_usd))::text as usd
    from switchboard.spend_ledger group by vendor order by vendor`;
  const [dead] = await sql<{ n: number }[]>`
    select count(*)::int as n from switchboard.dead_letters`;
  return {
    calls: callRows,
    conversations: conversationRows,
    notionPages: {
      calls: inSource(settings?.calls).length,
      conversations: inSource(settings?.conversations).length,
      contacts: inSource(settings?.contacts).length,
    },
    requests,
    rateLimited,
    spend: Object.fromEntries(spendRows.map((r) => [r.vendor, Number(r.usd)])),
    deadLetters: dead!.n,
  };
}

/** The sandbox's HTML view of a Notion page. */
export function notionPageUrl(target: DemoTarget, pageId: string): string {
  return `${target.sandboxUrl}/_control/notion/view/pages/${pageId.replaceAll("-", "")}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    "  " + cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), "  " + widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)];
}

export function renderResults(r: DemoResults, target: DemoTarget): string[] {
  const money = (n: number) => `$${n.toFixed(4)}`;
  const out: string[] = [""];
  const page = (id: string | null, status: string) =>
    `    └ ${id ? notionPageUrl(target, id) : `no page yet (${status})`}`;
  const callRows = table(
    ["call", "came in by", "contact on the page", "stages", "cost"],
    r.calls.map((c) => [c.label, c.door, c.contact, c.stages || c.status, money(c.costUsd)]),
  );
  out.push(`Calls (${r.calls.length}; the Notion page under each)`);
  out.push(...callRows.slice(0, 2));
  r.calls.forEach((c, i) => out.push(callRows[i + 2]!, page(c.pageId, c.status)));
  out.push("");
  const convRows = table(
    ["conversation", "texts", "contact on the page"],
    r.conversations.map((c) => [c.label, String(c.messages), c.contact]),
  );
  out.push(`Conversations (${r.conversations.length})`);
  out.push(...convRows.slice(0, 2));
  r.conversations.forEach((c, i) => out.push(convRows[i + 2]!, page(c.pageId, c.status)));
  out.push("");
  const totalSpend = Object.values(r.spend).reduce((a, b) => a + b, 0);
  out.push("Totals");
  out.push(
    `  Notion pages     ${r.notionPages.calls} calls, ${r.notionPages.conversations} conversations,` +
      ` ${r.notionPages.contacts} contacts`,
  );
  out.push(
    `  vendor requests  ${
      Object.entries(r.requests).sort().map(([v, n]) =>
        `${v} ${n}${r.rateLimited[v] ? ` (${r.rateLimited[v]} × 429)` : ""}`
      ).join(" · ")
    }`,
  );
  out.push(
    `  spend            ${money(totalSpend)} (${
      Object.entries(r.spend).map(([v, n]) => `${v} ${money(n)}`).join(", ") || "nothing paid"
    })`,
  );
  out.push(`  dead letters     ${r.deadLetters}`);
  out.push("");
  out.push("Where to look next");
  out.push(`  Notion, as HTML  ${target.sandboxUrl}/_control/notion/view`);
  out.push(`  the pipeline     ${psql(target)} -c 'select * from ops.pipeline_status'`);
  out.push(
    "                   and ops.queues, ops.stage_latency, ops.spend_daily, ops.dead_letters," +
      " ops.notion_call_pages, ops.contacts_mirror",
  );
  out.push(`  vendor requests  curl -s ${target.sandboxUrl}/_control/requests`);
  const id = `ACmine${new Date().toISOString().slice(11, 19).replaceAll(":", "")}`;
  const startedAt = new Date(Math.floor(Date.now() / 1000 - 180) * 1000).toISOString();
  const call = {
    id,
    phoneNumberId: PHONE_NUMBER_ID,
    participant: "+14155550111",
    direction: "incoming",
    createdAt: startedAt,
    duration: 90,
    recordings: [{ status: "completed" }],
  };
  const events = ["call.completed", "call.recording.completed"].map((type) => ({
    type,
    resourceId: id,
  }));
  out.push(
    `  send more        webhooks go to POST ${target.gatewayUrl}/functions/v1/openphone-webhook`,
  );
  out.push(
    "                   (signed with OPENPHONE_WEBHOOK_SECRETS in .local/functions.env); or let the" +
      " sandbox's OpenPhone call Ana again and send them:",
  );
  out.push(
    `                   curl -s ${target.sandboxUrl}/_control/seed -d '${
      JSON.stringify({ openphone: { calls: [call] } })
    }'`,
  );
  out.push(
    `                   curl -s ${target.sandboxUrl}/_control/openphone/webhooks/emit -d '${
      JSON.stringify({ events })
    }'`,
  );
  out.push("  run it again     deno task demo");
  return out;
}

function psql(target: DemoTarget): string {
  return `psql ${target.dbUrl}`;
}
