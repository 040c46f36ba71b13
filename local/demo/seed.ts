/**
 * Puts the demo's day (scenario.ts) into the sandbox and through Switchboard's real doors:
 *
 *   reset      the sandbox forgets everything; the pipeline's tables start empty (the sandbox's
 *              Notion, OpenPhone and Drive live in memory, so rows pointing at an earlier run's
 *              pages would point at nothing)
 *   notion     a parent page, `deno task notion:setup` under it, the contacts as Notion pages,
 *              the contacts mirror synced by the notion-contacts-sync function
 *   faults     a burst of Notion 429s and one page create whose connection drops after Notion
 *              applied it
 *   deliver    signed webhooks from the sandbox's sender (a duplicate storm, a recording before
 *              its call), one MMS webhook signed here, the openphone-backfill function for what
 *              no webhook announced, drive-discover for the phone recordings in Drive
 *
 * Functions are invoked the way pg_cron invokes them (switchboard.invoke_function → pg_net →
 * the gateway), never in process.
 */
import { Client } from "@notionhq/client";
import type postgres from "postgres";
import { registerSandboxAccounts, SANDBOX_DRIVE_FOLDER_ID } from "../sandbox_env.ts";
import { PROJECT_ROOT } from "../config.ts";
import { standardSignatureHeader } from "../../sandbox/openphone/webhooks/sign.ts";
import {
  CONTACTS,
  type DemoDay,
  longCallDialogue,
  OUR_NUMBER,
  PHONE_NUMBER_ID,
  USER_ID,
} from "./scenario.ts";

export interface DemoTarget {
  dbUrl: string;
  gatewayUrl: string;
  sandboxUrl: string;
  /** The functions' secrets (webhook signing secret, Notion token, keys …). */
  functionsEnv: Record<string, string>;
}

export type Say = (line: string) => void;

async function control(target: DemoTarget, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${target.sandboxUrl}/_control${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

/** The pipeline's data tables (configuration — stages, policies, prompts, prices — stays). */
const DATA_TABLES = [
  "calls",
  "messages",
  "webhook_deliveries",
  "work_items",
  "stage_attempts",
  "dead_letters",
  "call_media",
  "call_merges",
  "call_summaries",
  "call_transcripts",
  "contact_events",
  "contact_lookups",
  "contacts",
  "openphone_contacts",
  "notion_call_pages",
  "notion_conversation_messages",
  "notion_conversations",
  "spend_admissions",
  "spend_ledger",
  "spend_days",
  "sync_cursors",
  "rate_limits",
  "phone_numbers",
  "recording_link_revocations",
];

/** A fresh day: the sandbox and the pipeline's tables start empty. */
export async function resetDay(target: DemoTarget, sql: postgres.Sql): Promise<void> {
  await control(target, "/reset", {});
  await registerSandboxAccounts(target.sandboxUrl, target.functionsEnv);
  // Transcripts in about a second instead of 2 s + 20 ms per second of audio: a demo, not a bench.
  await control(target, "/seed", {
    assemblyai: { processing: { baseMs: 800, perAudioSecondMs: 2 } },
  }).catch(() => {
    // A sandbox started by an older checkout: transcripts take their default time.
  });
  // Workers and pg_cron jobs may hold locks on these tables for a moment: a deadlock or a lock
  // wait that runs out is tried again.
  for (let attempt = 1;; attempt++) {
    try {
      await truncateDay(sql);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (attempt >= 8 || (code !== "40P01" && code !== "55P03")) throw e;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

async function truncateDay(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`set local lock_timeout = '3s'`;
    await tx.unsafe(
      `truncate ${DATA_TABLES.map((t) => `switchboard.${t}`).join(", ")} restart identity cascade`,
    );
    await tx`select pgmq.purge_queue(queue_name) from switchboard.stages`;
    await tx`
      update switchboard.notion_settings
      set parent_page_id = null, calls_database_id = null, calls_data_source_id = null,
          conversations_database_id = null, conversations_data_source_id = null,
          contacts_database_id = null, contacts_data_source_id = null, verified_at = null,
          updated_at = now()`;
  });
}

/** Runs a command of the project (`deno run -A <script> …`) with extra environment. */
async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/${script}`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: (dec.decode(out.stdout) + dec.decode(out.stderr)).trim() };
}

export function notionClient(target: DemoTarget): Client {
  return new Client({
    auth: target.functionsEnv.NOTION_TOKEN!,
    baseUrl: `${target.sandboxUrl}/notion`,
  });
}

/** The parent page, the set-up command, the contacts, the mirror. Returns the set-up's lines. */
export async function setUpNotion(
  target: DemoTarget,
  sql: postgres.Sql,
  day: DemoDay,
  say: Say,
): Promise<void> {
  const seeded = await control(target, "/seed", {
    notion: { pages: [{ title: "Switchboard — studio workspace" }] },
  }) as { notion: { pages: { id: string }[] } };
  const parent = seeded.notion.pages[0]!.id;
  const setup = await runScript("local/notion_setup_cli.ts", ["--parent", parent], {
    NOTION_TOKEN: target.functionsEnv.NOTION_TOKEN!,
    NOTION_API_BASE_URL: `${target.sandboxUrl}/notion`,
    SWITCHBOARD_DB_URL: target.dbUrl,
  });
  if (setup.code !== 0) throw new Error(`deno task notion:setup failed:\n${setup.out}`);
  for (const line of setup.out.split("\n")) say(`  setup   ${line}`);

  const [settings] = await sql<{ contacts_data_source_id: string }[]>`
    select contacts_data_source_id from switchboard.notion_settings`;
  const notion = notionClient(target);
  for (const c of CONTACTS) {
    await notion.pages.create({
      parent: { type: "data_source_id", data_source_id: settings!.contacts_data_source_id },
      properties: {
        Name: { title: [{ text: { content: c.name } }] },
        Phone: { phone_number: c.phone },
        ...(c.email ? { Email: { email: c.email } } : {}),
        ...(c.company ? { Company: { rich_text: [{ text: { content: c.company } }] } } : {}),
        ...(c.otherPhones
          ? { "Other Phones": { rich_text: [{ text: { content: c.otherPhones } }] } }
          : {}),
      },
    });
  }
  await sql`select switchboard.invoke_function('notion-contacts-sync', '{"mode": "full"}'::jsonb, 30000)`;
  await waitFor(
    async () => {
      const [r] = await sql<{ n: number }[]>`
      select count(*)::int as n from switchboard.contacts where not in_trash and removed_at is null`;
      return r!.n >= CONTACTS.length;
    },
    30_000,
    "the contacts mirror",
  );
  say(
    `  contacts ${CONTACTS.length} pages in Notion's Contacts, mirrored by notion-contacts-sync` +
      ` (${day.calls.length} calls and ${day.messages.length} texts will look them up locally)`,
  );
}

export async function waitFor(
  probe: () => Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A burst of 429s (every worker waits: one shared budget) and one create dropped after commit. */
export async function injectNotionFaults(target: DemoTarget): Promise<void> {
  await control(target, "/faults", {
    vendor: "notion",
    method: "POST",
    path: "^/v1/pages$",
    drop: "after",
    times: 1,
  });
  await control(target, "/faults", { vendor: "notion", status: 429, retryAfter: 2, times: 6 });
}

/** The day in OpenPhone's records (everything but the MMS, which only a webhook carries). */
export function openPhoneScenario(day: DemoDay): unknown {
  return {
    workspace: { plan: "business" },
    users: [{
      id: USER_ID,
      email: "dana@studio.example",
      firstName: "Dana",
      lastName: "Reyes",
      role: "owner",
    }],
    phoneNumbers: [{
      id: PHONE_NUMBER_ID,
      number: OUR_NUMBER,
      name: "Studio main line",
      users: [USER_ID],
    }],
    calls: day.calls.filter((c) => c.id !== null).map((c) => {
      const completedAt = new Date(Date.parse(c.startedAt) + c.durationSec * 1000).toISOString();
      return {
        id: c.id,
        phoneNumberId: PHONE_NUMBER_ID,
        participant: c.number,
        direction: c.direction,
        status: "completed",
        createdAt: c.startedAt,
        completedAt,
        duration: c.durationSec,
        userId: USER_ID,
        answeredAt: c.kind === "voicemail"
          ? null
          : new Date(Date.parse(c.startedAt) + 4000).toISOString(),
        ...(c.recorded
          ? { recordings: [{ status: "completed", duration: c.durationSec - 4 }] }
          : {}),
        ...(c.kind === "voicemail"
          ? { voicemail: { status: "completed", duration: c.durationSec } }
          : {}),
        ...(c.providerTranscriptTurns
          ? { transcript: { status: "completed", dialogue: longCallDialogue(c) } }
          : {}),
      };
    }),
    messages: day.messages.filter((x) => !x.media).map((x) => ({
      id: x.id,
      phoneNumberId: PHONE_NUMBER_ID,
      participants: [x.number],
      direction: x.direction,
      text: x.text,
      userId: USER_ID,
      createdAt: x.sentAt,
    })),
  };
}

/** The Drive recordings folder's new files (the folder itself is registered at start). */
export async function seedDrive(target: DemoTarget, day: DemoDay): Promise<void> {
  const folderId = target.functionsEnv.GDRIVE_FOLDER_ID ?? SANDBOX_DRIVE_FOLDER_ID;
  for (const f of day.driveFiles) {
    await control(target, "/gdrive/files", {
      folderId,
      recording: {
        number: f.number,
        direction: f.direction,
        startTime: f.startTime,
        durationSec: f.durationSec,
        ...(f.contactName ? { contactName: f.contactName } : {}),
        style: f.style,
        utcOffsetMinutes: -480,
      },
      sidecar: f.style !== "bcr",
    });
  }
}

/** Webhook events for a call: what OpenPhone sends when it ends and when its media is ready. */
function callEvents(c: DemoDay["calls"][number]): string[] {
  const events = ["call.completed"];
  if (c.recorded) events.push("call.recording.completed");
  if (c.kind === "voicemail") events.push("call.voicemail.completed");
  return events;
}

export interface Delivered {
  webhookEvents: number;
  webhookDeliveries: number;
}

/** Every door: webhooks (with their storm and disorder), the MMS, the backfill, Drive. */
export async function deliver(
  target: DemoTarget,
  sql: postgres.Sql,
  day: DemoDay,
): Promise<Delivered> {
  await control(target, "/seed", { openphone: openPhoneScenario(day) });
  await seedDrive(target, day);
  const secret = target.functionsEnv.OPENPHONE_WEBHOOK_SECRETS!.split(",")[0]!.trim();
  const webhookUrl = `${target.gatewayUrl}/functions/v1/openphone-webhook`;
  await control(target, "/openphone/webhooks", {
    url: webhookUrl,
    format: "2026-03-30",
    secrets: [secret],
  });
  let events = 0;
  let deliveries = 0;
  const emit = async (body: Record<string, unknown>) => {
    const r = await control(target, "/openphone/webhooks/emit", body) as {
      events: unknown[];
      deliveries: unknown[];
    };
    events += r.events.length;
    deliveries += r.deliveries.length;
  };
  const webhookCalls = day.calls.filter((c) => c.id && c.door.startsWith("webhook"));
  // An ordinary stream: calls and texts as they happened.
  await emit({
    events: [
      ...webhookCalls.filter((c) => !c.delivery).flatMap((c) =>
        callEvents(c).map((type) => ({ type, resourceId: c.id }))
      ),
      ...day.messages.filter((x) => x.door === "webhook" && !x.media).map((x) => ({
        type: x.direction === "incoming" ? "message.received" : "message.delivered",
        resourceId: x.id,
      })),
    ],
    spacingMs: 40,
  });
  for (const c of webhookCalls.filter((c) => c.delivery)) {
    if (c.delivery === "duplicate_storm") {
      // At-least-once delivery at its worst: every event six more times, same webhook-id.
      await emit({
        events: callEvents(c).map((type) => ({ type, resourceId: c.id })),
        duplicate: 6,
        duplicateDelayMs: 30,
      });
    } else {
      // The recording's event overtakes its call's.
      await emit({
        events: callEvents(c).map((type) => ({ type, resourceId: c.id })),
        order: "reverse",
        spacingMs: 1500,
      });
    }
  }
  // The MMS: sandbox messages carry no media, so the demo signs this delivery itself.
  for (const x of day.messages.filter((x) => x.media)) {
    await postSignedMessage(webhookUrl, secret, x);
    events += 1;
    deliveries += 1;
  }
  // What no webhook announced: the backfill (pg_cron's job, invoked now) and Drive discovery.
  await sql`select switchboard.invoke_function('openphone-backfill', '{}'::jsonb, 30000)`;
  await sql`select switchboard.invoke_function('drive-discover', '{}'::jsonb, 30000)`;
  return { webhookEvents: events, webhookDeliveries: deliveries };
}

async function postSignedMessage(
  url: string,
  secret: string,
  x: DemoDay["messages"][number],
): Promise<void> {
  const id = `msg_demo_${x.id}`;
  const body = JSON.stringify({
    id: `EV${x.id}`,
    apiVersion: "2026-03-30",
    createdAt: x.sentAt,
    type: "message.received",
    data: {
      resource: {
        createdAt: x.sentAt,
        direction: x.direction,
        errorCode: null,
        id: x.id,
        media: x.media,
        status: "received",
        text: x.text || null,
      },
      context: {
        contacts: [],
        conversationId: null,
        phoneNumberId: PHONE_NUMBER_ID,
        phoneNumberType: "personal",
        recipientIdentifiers: [OUR_NUMBER],
        senderIdentifier: x.number,
        userId: USER_ID,
      },
      links: { quo: null },
    },
  });
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": standardSignatureHeader([secret], id, ts, body),
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`MMS webhook: ${res.status} ${text.slice(0, 300)}`);
}
