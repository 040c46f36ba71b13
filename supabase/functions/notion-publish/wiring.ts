/**
 * What both notion-publish stages share, built once per worker: the Notion adapter (official
 * SDK, classified errors) on the ONE shared Postgres budget of switchboard.notion_settings (per
 * connection and per workspace; a 429 pushes every worker back), the settings (re-read every
 * 30 s, so a set-up or an edited property map applies without a deploy), contact matching
 * through the mirror, and recording links. Each stage's handler is built from it here.
 */
import type { CountryCode } from "libphonenumber-js";
import { z } from "zod";
import {
  createNotionAdapter,
  type NotionAdapter,
  type NotionBudget,
} from "../_shared/adapters/notion/client.ts";
import { contactsResolver } from "../_shared/adapters/notion/contacts.ts";
import {
  loadNotionSettings,
  notionBudget,
  type NotionSettings,
} from "../_shared/adapters/notion/settings.ts";
import type { CallPropertyMap } from "../_shared/domain/notion_pages/call_page.ts";
import type { Sql } from "../_shared/platform/db.ts";
import { json } from "../_shared/platform/http.ts";
import { createLogger, type Logger } from "../_shared/platform/log.ts";
import { recordingLinksFor } from "../_shared/platform/recording_links.ts";
import type { StageHandler } from "../_shared/platform/stage_worker.ts";
import { callPagesNotion } from "./calls/notion.ts";
import { type ContactResolution, publishCall } from "./calls/publish.ts";
import { sqlCallPageStore } from "./calls/store.ts";
import { publishMessage } from "./messages/publish_message.ts";
import { sqlConversationStore } from "./messages/store.ts";

const Env = z.object({
  NOTION_TOKEN: z.string().min(1),
  /** https://api.notion.com, or the sandbox's http://127.0.0.1:54330/notion (no /v1). */
  NOTION_API_BASE_URL: z.url().default("https://api.notion.com"),
  /** Per request, milliseconds. */
  NOTION_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(30_000),
  DEFAULT_PHONE_COUNTRY: z.string().length(2).default("US"),
  /** The zone dates on call pages are written in. */
  RECORDINGS_TIME_ZONE: z.string().default("UTC"),
});
export type NotionPublishEnv = z.infer<typeof Env>;

export function notionPublishEnv(
  env: Record<string, string | undefined>,
): { ok: true; env: NotionPublishEnv } | { ok: false; reason: string } {
  const r = Env.safeParse(env);
  if (r.success) return { ok: true, env: r.data };
  return {
    ok: false,
    reason: `missing or invalid: ${
      [...new Set(r.error.issues.map((i) => String(i.path[0])))].join(", ")
    }`,
  };
}

/** The stand-in endpoint without NOTION_TOKEN: takes no work (the queues keep it). */
export function serveNotConfigured(reason: string): void {
  createLogger({ fn: "notion-publish" }).warn("Not configured: taking no work", { reason });
  Deno.serve(() => json({ error: `notion-publish is not configured (${reason})` }, 503));
}

export interface NotionContext {
  notion: NotionAdapter;
  settings(): Promise<NotionSettings>;
  /** The contact of one number through the mirror (null setup: status "unknown", not flagged). */
  resolveContact(phone: string | null, name?: string | null): Promise<ContactResolution>;
}

const SETTINGS_TTL_MS = 30_000;
/**
 * How stale the cached settings may be at most: a `deno task notion:setup` that points at other
 * databases (it bumps notion_settings.updated_at) is noticed within this, instead of answering
 * 404 — a permanent failure, dead-lettered — for up to the TTL.
 */
const SETTINGS_CHECK_MS = 2_000;

export function notionContext(
  sql: Sql,
  log: Logger,
  env: NotionPublishEnv,
  opts: { fetch?: typeof fetch; now?: () => number } = {},
): NotionContext {
  const now = opts.now ?? Date.now;
  let cached:
    | {
      at: number;
      checkedAt: number;
      version: string;
      settings: NotionSettings;
      budget: NotionBudget;
    }
    | null = null;
  const version = async () => {
    const [row] = await sql<{ v: string }[]>`
      select updated_at::text as v from switchboard.notion_settings where id`;
    return row?.v ?? "";
  };
  const current = async () => {
    if (
      cached && now() - cached.at <= SETTINGS_TTL_MS && now() - cached.checkedAt > SETTINGS_CHECK_MS
    ) {
      cached.checkedAt = now();
      if ((await version()) !== cached.version) cached = null;
    }
    if (!cached || now() - cached.at > SETTINGS_TTL_MS) {
      const v = await version();
      const settings = await loadNotionSettings(sql);
      cached = {
        at: now(),
        checkedAt: now(),
        version: v,
        settings,
        budget: await notionBudget(sql, settings, env.NOTION_TOKEN),
      };
    }
    return cached;
  };
  const notion = createNotionAdapter({
    baseUrl: env.NOTION_API_BASE_URL,
    token: env.NOTION_TOKEN,
    fetch: opts.fetch ?? fetch,
    now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log,
    timeoutMs: env.NOTION_TIMEOUT_MS,
    budget: {
      reserve: async () => (await current()).budget.reserve(),
      block: async (untilMs, scope) => (await current()).budget.block(untilMs, scope),
    },
  });
  const country = env.DEFAULT_PHONE_COUNTRY as CountryCode;
  return {
    notion,
    settings: async () => (await current()).settings,
    async resolveContact(phone, name) {
      const resolve = contactsResolver({
        sql,
        sdk: notion.sdk,
        settings: (await current()).settings,
        defaultCountry: country,
        now,
      });
      if (!resolve || !phone) return { status: "none", page_id: null, candidates: [] };
      const r = await resolve(phone, { name: name ?? null });
      return {
        status: r.status,
        page_id: r.page_id,
        candidates: r.candidates,
        created: r.created,
        name: r.status === "matched" ? r.candidates[0]?.name ?? null : null,
      };
    },
  };
}

/** One NotionContext per worker, made on first use from the function's database and logger. */
export function sharedNotion(
  env: NotionPublishEnv,
): (e: { sql: Sql; log: Logger }) => NotionContext {
  let shared: NotionContext | null = null;
  return (e) => shared ??= notionContext(e.sql, e.log, env);
}

/** call_publish's handler. */
export function callPublishHandler(
  sql: Sql,
  ctx: NotionContext,
  env: NotionPublishEnv,
  links: {
    recordingLinkFor: (m: { id: string; call_id: string; storage_path: string }) => Promise<string>;
  } | null = safeLinks(sql),
): StageHandler {
  return publishCall({
    store: sqlCallPageStore(sql),
    notion: callPagesNotion(ctx.notion.sdk),
    requestCount: ctx.notion.requestCount,
    async setup() {
      const s = await ctx.settings();
      const ds = s.databases.calls.dataSourceId;
      if (!ds) return null;
      return {
        dataSourceId: ds,
        map: s.propertyMap.calls as CallPropertyMap,
        timeZone: env.RECORDINGS_TIME_ZONE,
      };
    },
    resolveContact: (phone, name) => ctx.resolveContact(phone, name),
    recordingLink: async (m) => links ? await links.recordingLinkFor(m) : null,
  });
}

/** Recording links when the function knows its public URL; else pages go without one. */
function safeLinks(sql: Sql) {
  try {
    return recordingLinksFor(sql);
  } catch {
    return null;
  }
}

/** message_publish's handler (messages/…, the conversations publisher). */
export function messagePublishHandler(sql: Sql, ctx: NotionContext): StageHandler {
  return publishMessage({
    store: sqlConversationStore(sql),
    sdk: ctx.notion.sdk as never,
    settings: () => ctx.settings(),
    resolveContact: async (phone) => {
      const r = await ctx.resolveContact(phone);
      return {
        status: r.status === "none" ? "unknown" : r.status,
        page_id: r.page_id,
        candidates: r.candidates,
      };
    },
  });
}
