/**
 * Notion settings (switchboard.notion_settings, one row): which databases, the rate budget and
 * the property mapping — logical names our code uses → the Notion property name and type, per
 * database. The defaults below equal the migration's column default; a stored map may be partial
 * (a missing database or entry falls back to its default), so an operator overrides only names.
 *
 *   const s = await loadNotionSettings(sql);
 *   const p = s.propertyMap.calls;          // p.call_id.name === "Call ID"
 *   properties[p.call_id.name] = { rich_text: [...] };
 */
import type { Sql } from "../../platform/db.ts";
import { ConfigError } from "../../platform/errors.ts";
import { budgetKey, postgresWindowBudget } from "../../platform/rate_budget.ts";
import type { NotionBudget } from "./client.ts";

export type NotionDatabaseName = "calls" | "conversations" | "contacts";
export const DATABASE_NAMES: readonly NotionDatabaseName[] = ["contacts", "calls", "conversations"];

/** Property types the mapping uses (Notion's schema type names). */
export type MappedPropertyType =
  | "title"
  | "rich_text"
  | "number"
  | "select"
  | "multi_select"
  | "date"
  | "checkbox"
  | "url"
  | "email"
  | "phone_number"
  | "relation";

export interface MappedProperty {
  name: string;
  type: MappedPropertyType;
  /** For relations: the database the relation points at. */
  target?: NotionDatabaseName;
}

const p = (name: string, type: MappedPropertyType, target?: NotionDatabaseName): MappedProperty =>
  target ? { name, type, target } : { name, type };

export const DEFAULT_PROPERTY_MAP = {
  contacts: {
    name: p("Name", "title"),
    phone: p("Phone", "phone_number"),
    other_phones: p("Other Phones", "rich_text"),
    email: p("Email", "email"),
    company: p("Company", "rich_text"),
    openphone_id: p("OpenPhone ID", "rich_text"),
  },
  calls: {
    title: p("Name", "title"),
    call_id: p("Call ID", "rich_text"),
    direction: p("Direction", "select"),
    started: p("Started", "date"),
    duration: p("Duration (s)", "number"),
    from: p("From", "phone_number"),
    to: p("To", "phone_number"),
    contact: p("Contact", "relation", "contacts"),
    source: p("Source", "select"),
    status: p("Status", "select"),
    recording: p("Recording", "url"),
    sentiment: p("Sentiment", "select"),
    category: p("Category", "select"),
    topics: p("Topics", "multi_select"),
    follow_up: p("Follow-up", "date"),
    follow_up_needed: p("Follow-up Needed", "checkbox"),
    cost: p("Cost (USD)", "number"),
    needs_review: p("Needs Review", "checkbox"),
    review_note: p("Review Note", "rich_text"),
  },
  conversations: {
    title: p("Name", "title"),
    conversation_key: p("Conversation ID", "rich_text"),
    our_number: p("Our Number", "phone_number"),
    other_party: p("Other Party", "phone_number"),
    contact: p("Contact", "relation", "contacts"),
    last_message: p("Last Message", "date"),
    message_count: p("Messages", "number"),
    needs_review: p("Needs Review", "checkbox"),
    review_note: p("Review Note", "rich_text"),
  },
} as const satisfies Record<NotionDatabaseName, Record<string, MappedProperty>>;

type DefaultMap = typeof DEFAULT_PROPERTY_MAP;
export type PropertyMap = {
  [D in keyof DefaultMap]: { [K in keyof DefaultMap[D]]: MappedProperty };
};

export const DEFAULT_DATABASE_TITLES: Record<NotionDatabaseName, string> = {
  calls: "Calls",
  conversations: "Conversations",
  contacts: "Contacts",
};

export interface NotionDatabaseIds {
  databaseId: string | null;
  dataSourceId: string | null;
}

export interface NotionSettings {
  parentPageId: string | null;
  databases: Record<NotionDatabaseName, NotionDatabaseIds>;
  databaseTitles: Record<NotionDatabaseName, string>;
  workspaceId: string | null;
  requestsPerMinute: number;
  burst: number;
  workspaceRequestsPerMinute: number | null;
  workspaceBurst: number | null;
  rateWindowSeconds: number;
  propertyMap: PropertyMap;
  verifiedAt: string | null;
}

const TYPES = new Set<string>([
  "title",
  "rich_text",
  "number",
  "select",
  "multi_select",
  "date",
  "checkbox",
  "url",
  "email",
  "phone_number",
  "relation",
]);

/**
 * The stored map over the defaults: a missing database or entry keeps its default; a given entry
 * may change the name (a string or {name}) and the type. Anything malformed is a ConfigError
 * naming the entry. Two logical names mapped to one property name in a database is refused.
 */
export function resolvePropertyMap(stored: unknown): PropertyMap {
  const out = structuredClone(DEFAULT_PROPERTY_MAP) as unknown as Record<
    string,
    Record<string, MappedProperty>
  >;
  if (stored !== null && stored !== undefined) {
    if (typeof stored !== "object" || Array.isArray(stored)) {
      throw new ConfigError("notion_settings.property_map must be a JSON object");
    }
    for (const [db, entries] of Object.entries(stored as Record<string, unknown>)) {
      if (!(db in out)) {
        throw new ConfigError(`notion_settings.property_map: unknown database "${db}"`);
      }
      if (!entries || typeof entries !== "object" || Array.isArray(entries)) {
        throw new ConfigError(`notion_settings.property_map.${db} must be an object`);
      }
      for (const [logical, raw] of Object.entries(entries as Record<string, unknown>)) {
        const current = out[db]![logical];
        if (!current) {
          throw new ConfigError(
            `notion_settings.property_map.${db}: unknown property "${logical}"`,
          );
        }
        const v = typeof raw === "string" ? { name: raw } : raw as Partial<MappedProperty>;
        if (!v || typeof v !== "object" || typeof v.name !== "string" || !v.name.trim()) {
          throw new ConfigError(`notion_settings.property_map.${db}.${logical} needs a name`);
        }
        const type = v.type ?? current.type;
        if (!TYPES.has(type)) {
          throw new ConfigError(
            `notion_settings.property_map.${db}.${logical}: unknown type "${type}"`,
          );
        }
        if (logical === "title" || logical === "name" || current.type === "title") {
          if (type !== "title") {
            throw new ConfigError(
              `notion_settings.property_map.${db}.${logical} must stay a title`,
            );
          }
        }
        out[db]![logical] = {
          name: v.name.trim(),
          type,
          ...(type === "relation" ? { target: v.target ?? current.target ?? "contacts" } : {}),
        };
      }
    }
  }
  for (const [db, entries] of Object.entries(out)) {
    const seen = new Map<string, string>();
    for (const [logical, prop] of Object.entries(entries)) {
      const other = seen.get(prop.name);
      if (other) {
        throw new ConfigError(
          `notion_settings.property_map.${db}: "${other}" and "${logical}" both map to "${prop.name}"`,
        );
      }
      seen.set(prop.name, logical);
    }
  }
  return out as unknown as PropertyMap;
}

interface SettingsRow {
  parent_page_id: string | null;
  calls_database_id: string | null;
  calls_data_source_id: string | null;
  conversations_database_id: string | null;
  conversations_data_source_id: string | null;
  contacts_database_id: string | null;
  contacts_data_source_id: string | null;
  database_titles: Record<string, unknown> | null;
  workspace_id: string | null;
  requests_per_minute: number;
  burst: number;
  workspace_requests_per_minute: number | null;
  workspace_burst: number | null;
  rate_window_seconds: string | number;
  property_map: unknown;
  verified_at: Date | null;
}

export function settingsFromRow(row: SettingsRow): NotionSettings {
  const titles = { ...DEFAULT_DATABASE_TITLES };
  for (const db of DATABASE_NAMES) {
    const t = row.database_titles?.[db];
    if (typeof t === "string" && t.trim()) titles[db] = t.trim();
  }
  return {
    parentPageId: row.parent_page_id,
    databases: {
      calls: { databaseId: row.calls_database_id, dataSourceId: row.calls_data_source_id },
      conversations: {
        databaseId: row.conversations_database_id,
        dataSourceId: row.conversations_data_source_id,
      },
      contacts: { databaseId: row.contacts_database_id, dataSourceId: row.contacts_data_source_id },
    },
    databaseTitles: titles,
    workspaceId: row.workspace_id,
    requestsPerMinute: row.requests_per_minute,
    burst: row.burst,
    workspaceRequestsPerMinute: row.workspace_requests_per_minute,
    workspaceBurst: row.workspace_burst,
    rateWindowSeconds: Number(row.rate_window_seconds),
    propertyMap: resolvePropertyMap(row.property_map),
    verifiedAt: row.verified_at ? row.verified_at.toISOString() : null,
  };
}

export async function loadNotionSettings(sql: Sql): Promise<NotionSettings> {
  const [row] = await sql<SettingsRow[]>`
    select parent_page_id::text, calls_database_id::text, calls_data_source_id::text,
      conversations_database_id::text, conversations_data_source_id::text,
      contacts_database_id::text, contacts_data_source_id::text, database_titles, workspace_id,
      requests_per_minute, burst, workspace_requests_per_minute, workspace_burst,
      rate_window_seconds, property_map, verified_at
    from switchboard.notion_settings where id`;
  if (!row) throw new ConfigError("switchboard.notion_settings has no row (run the migrations)");
  return settingsFromRow(row);
}

/** The ids a publisher needs, or a ConfigError telling the operator to run the set-up. */
export function requireDatabase(s: NotionSettings, db: NotionDatabaseName): {
  databaseId: string;
  dataSourceId: string;
} {
  const ids = s.databases[db];
  if (!ids.databaseId || !ids.dataSourceId) {
    throw new ConfigError(
      `Notion ${db} database is not configured: run deno task notion:setup (switchboard.notion_settings)`,
    );
  }
  return { databaseId: ids.databaseId, dataSourceId: ids.dataSourceId };
}

/** The budget keys for a token: hashes, never the token. */
export async function notionBudgetKeys(
  token: string,
  workspaceId: string | null,
): Promise<{ connection: string; workspace: string }> {
  return {
    connection: await budgetKey("notion", token),
    workspace: workspaceId
      ? `notion-workspace:${workspaceId}`
      : await budgetKey("notion-workspace", token),
  };
}

/**
 * The shared Postgres budget for one Notion token under these settings: every request reserves
 * in the connection key and the workspace key; a 429 blocks the key its reason names.
 */
export async function notionBudget(
  sql: Sql,
  settings: NotionSettings,
  token: string,
): Promise<NotionBudget> {
  const keys = await notionBudgetKeys(token, settings.workspaceId);
  const budget = postgresWindowBudget(sql, [
    { key: keys.connection, limit: settings.requestsPerMinute, burst: settings.burst },
    {
      key: keys.workspace,
      limit: settings.workspaceRequestsPerMinute,
      burst: settings.workspaceBurst ?? settings.workspaceRequestsPerMinute,
    },
  ], settings.rateWindowSeconds);
  return {
    reserve: () => budget.reserve(),
    block: (untilMs, scope) =>
      budget.block(untilMs, scope === "workspace" ? keys.workspace : keys.connection),
  };
}
