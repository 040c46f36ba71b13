/**
 * The Notion set-up (`deno task notion:setup`): creates the Contacts ("Canvas"), Calls and
 * Conversations databases under a parent page with the properties of the mapping, or checks
 * databases that already exist (ids given or stored) against it and reports, property by
 * property, what is missing or has the wrong type. Ids and the mapping land in
 * switchboard.notion_settings. Idempotent: a second run finds the stored ids, checks them, and
 * changes nothing.
 */
import type { CreateDatabaseParameters } from "@notionhq/client";
import type { NotionAdapter } from "../supabase/functions/_shared/adapters/notion/client.ts";
import {
  DATABASE_NAMES,
  type MappedProperty,
  type NotionDatabaseName,
  type NotionSettings,
  type PropertyMap,
} from "../supabase/functions/_shared/adapters/notion/settings.ts";
import type { Sql } from "../supabase/functions/_shared/platform/db.ts";

export interface SetupOptions {
  notion: NotionAdapter;
  sql: Sql;
  settings: NotionSettings;
  /** The parent page for new databases (a page id or a Notion URL). */
  parentPageId?: string | null;
  /** Database ids given on the command line (ids or URLs), over the stored ones. */
  databaseIds?: Partial<Record<NotionDatabaseName, string>>;
  /** Only check; never create (exit non-zero when a database is not configured). */
  checkOnly?: boolean;
}

export interface PropertyProblem {
  database: NotionDatabaseName;
  logical: string;
  property: string;
  problem: "missing" | "wrong_type" | "wrong_relation";
  expected: string;
  actual: string | null;
}

export interface DatabaseOutcome {
  database: NotionDatabaseName;
  action: "created" | "verified" | "problems" | "not_configured";
  databaseId: string | null;
  dataSourceId: string | null;
  problems: PropertyProblem[];
}

export interface SetupReport {
  databases: DatabaseOutcome[];
  /** True when notion_settings changed. */
  settingsChanged: boolean;
  ok: boolean;
  lines: string[];
}

const HEX32 = /([0-9a-f]{32})(?:[?#].*)?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Notion id from an id (dashed or not) or a page/database URL; dashed, lower case. */
export function normalizeNotionId(input: string): string {
  const s = input.trim();
  if (UUID.test(s)) return s.toLowerCase();
  const m = HEX32.exec(s.replace(/-/g, ""));
  if (!m) throw new Error(`Not a Notion id or URL: ${s}`);
  const h = m[1]!.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type SchemaRequest = NonNullable<
  NonNullable<CreateDatabaseParameters["initial_data_source"]>["properties"]
>[string];

/** The schema request for one mapped property (relations need the target's data source). */
export function propertySchema(
  logical: string,
  prop: MappedProperty,
  dataSources: Partial<Record<NotionDatabaseName, string>>,
): SchemaRequest {
  switch (prop.type) {
    case "title":
      return { title: {} };
    case "rich_text":
      return { rich_text: {} };
    case "number":
      return { number: { format: logical === "cost" ? "dollar" : "number" } };
    case "select":
      return { select: {} };
    case "multi_select":
      return { multi_select: {} };
    case "date":
      return { date: {} };
    case "checkbox":
      return { checkbox: {} };
    case "url":
      return { url: {} };
    case "email":
      return { email: {} };
    case "phone_number":
      return { phone_number: {} };
    case "relation": {
      const target = dataSources[prop.target ?? "contacts"];
      if (!target) throw new Error(`The ${prop.target} data source must exist before ${logical}`);
      return { relation: { data_source_id: target, type: "single_property", single_property: {} } };
    }
  }
}

type ExistingProperty = { type: string; relation?: { data_source_id?: string } };

/** Property-by-property comparison of a data source's schema with the mapping. */
export function diffSchema(
  database: NotionDatabaseName,
  mapping: Record<string, MappedProperty>,
  properties: Record<string, ExistingProperty>,
  dataSources: Partial<Record<NotionDatabaseName, string>>,
): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  for (const [logical, want] of Object.entries(mapping)) {
    const have = properties[want.name];
    const expected = want.type === "relation" ? `relation → ${want.target}` : want.type;
    if (!have) {
      problems.push({
        database,
        logical,
        property: want.name,
        problem: "missing",
        expected,
        actual: null,
      });
    } else if (have.type !== want.type) {
      problems.push({
        database,
        logical,
        property: want.name,
        problem: "wrong_type",
        expected,
        actual: have.type,
      });
    } else if (want.type === "relation") {
      const target = dataSources[want.target ?? "contacts"];
      const actual = have.relation?.data_source_id ?? null;
      if (target && actual && actual.replace(/-/g, "") !== target.replace(/-/g, "")) {
        problems.push({
          database,
          logical,
          property: want.name,
          problem: "wrong_relation",
          expected,
          actual: `relation → data source ${actual}`,
        });
      }
    }
  }
  return problems;
}

export function describeProblem(p: PropertyProblem): string {
  switch (p.problem) {
    case "missing":
      return `missing      "${p.property}" (${p.logical}): expected ${p.expected}`;
    case "wrong_type":
      return `wrong type   "${p.property}" (${p.logical}): is ${p.actual}, expected ${p.expected}`;
    case "wrong_relation":
      return `wrong target "${p.property}" (${p.logical}): is ${p.actual}, expected ${p.expected}`;
  }
}

export async function runNotionSetup(opts: SetupOptions): Promise<SetupReport> {
  const { notion, settings } = opts;
  const map: PropertyMap = settings.propertyMap;
  const lines: string[] = [];
  const parent = opts.parentPageId ? normalizeNotionId(opts.parentPageId) : settings.parentPageId;
  const dataSources: Partial<Record<NotionDatabaseName, string>> = {};
  const outcomes: DatabaseOutcome[] = [];

  // Contacts first: the others' relations point at its data source.
  for (const db of DATABASE_NAMES) {
    const mapping = map[db] as Record<string, MappedProperty>;
    const given = opts.databaseIds?.[db];
    const databaseId = given ? normalizeNotionId(given) : settings.databases[db].databaseId;
    const title = settings.databaseTitles[db];
    if (databaseId) {
      const container = await notion.sdk.databases.retrieve({ database_id: databaseId });
      const sources = "data_sources" in container ? container.data_sources : [];
      const stored = settings.databases[db].dataSourceId;
      const source = sources.find((s) => s.id === stored) ?? sources[0];
      if (!source) throw new Error(`The ${db} database ${databaseId} has no data source`);
      if (sources.length > 1) {
        lines.push(
          `${db}: database has ${sources.length} data sources; using "${source.name}" (${source.id})`,
        );
      }
      dataSources[db] = source.id;
      const ds = await notion.sdk.dataSources.retrieve({ data_source_id: source.id });
      const props = ("properties" in ds ? ds.properties : {}) as Record<string, ExistingProperty>;
      const problems = diffSchema(db, mapping, props, dataSources);
      outcomes.push({
        database: db,
        action: problems.length ? "problems" : "verified",
        databaseId,
        dataSourceId: source.id,
        problems,
      });
      if (problems.length === 0) {
        lines.push(
          `${db.padEnd(13)} ok         "${title}" ${databaseId}: ${
            Object.keys(mapping).length
          } properties match`,
        );
      } else {
        lines.push(
          `${db.padEnd(13)} PROBLEMS   ${databaseId}: ${problems.length} of ${
            Object.keys(mapping).length
          } properties`,
        );
        for (const p of problems) lines.push(`    ${describeProblem(p)}`);
      }
      continue;
    }
    if (opts.checkOnly || !parent) {
      outcomes.push({
        database: db,
        action: "not_configured",
        databaseId: null,
        dataSourceId: null,
        problems: [],
      });
      lines.push(
        `${db.padEnd(13)} NOT SET    no database id${
          opts.checkOnly ? "" : " and no parent page (NOTION_PARENT_PAGE_ID or --parent)"
        }`,
      );
      continue;
    }
    const properties: Record<string, SchemaRequest> = {};
    for (const [logical, prop] of Object.entries(mapping)) {
      properties[prop.name] = propertySchema(logical, prop, dataSources);
    }
    const created = await notion.sdk.databases.create({
      parent: { type: "page_id", page_id: parent },
      title: [{ type: "text", text: { content: title } }],
      initial_data_source: { properties },
    });
    const source = "data_sources" in created ? created.data_sources[0] : undefined;
    if (!source) {
      throw new Error(`Notion created the ${db} database ${created.id} without a data source`);
    }
    dataSources[db] = source.id;
    outcomes.push({
      database: db,
      action: "created",
      databaseId: created.id,
      dataSourceId: source.id,
      problems: [],
    });
    lines.push(`${db.padEnd(13)} created    "${title}" ${created.id} (data source ${source.id})`);
    // Stored at once: a run that stops later still finds it next time.
    await storeIds(opts.sql, db, created.id, source.id, parent);
  }

  const settingsChanged = await storeSettings(opts.sql, outcomes, parent, map);
  const ok = outcomes.every((o) => o.action === "created" || o.action === "verified");
  lines.push(
    ok
      ? `settings     ${settingsChanged ? "stored" : "unchanged"} (switchboard.notion_settings)`
      : `settings     ${
        settingsChanged ? "stored for the databases without problems" : "unchanged"
      }; fix the problems above (rename or retype the properties in Notion, or map other names in notion_settings.property_map) and run again`,
  );
  return { databases: outcomes, settingsChanged, ok, lines };
}

async function storeIds(
  sql: Sql,
  db: NotionDatabaseName,
  databaseId: string,
  dataSourceId: string,
  parent: string | null,
): Promise<void> {
  await sql`
    update switchboard.notion_settings
    set ${sql(`${db}_database_id`)} = ${databaseId}::uuid,
        ${sql(`${db}_data_source_id`)} = ${dataSourceId}::uuid,
        parent_page_id = coalesce(${parent}::uuid, parent_page_id),
        updated_at = now()
    where id`;
}

/** Writes the ids of clean databases, the parent and the resolved map; only if they differ. */
async function storeSettings(
  sql: Sql,
  outcomes: DatabaseOutcome[],
  parent: string | null,
  map: PropertyMap,
): Promise<boolean> {
  const clean = Object.fromEntries(
    outcomes
      .filter((o) => o.action === "created" || o.action === "verified")
      .map((o) => [o.database, o]),
  ) as Partial<Record<NotionDatabaseName, DatabaseOutcome>>;
  const id = (db: NotionDatabaseName, k: "databaseId" | "dataSourceId") => clean[db]?.[k] ?? null;
  const rows = await sql<{ changed: boolean }[]>`
    with wanted as (
      select coalesce(${parent}::uuid, s.parent_page_id) as parent_page_id,
        coalesce(${id("calls", "databaseId")}::uuid, s.calls_database_id) as calls_database_id,
        coalesce(${
    id("calls", "dataSourceId")
  }::uuid, s.calls_data_source_id) as calls_data_source_id,
        coalesce(${
    id("conversations", "databaseId")
  }::uuid, s.conversations_database_id) as conversations_database_id,
        coalesce(${
    id("conversations", "dataSourceId")
  }::uuid, s.conversations_data_source_id) as conversations_data_source_id,
        coalesce(${
    id("contacts", "databaseId")
  }::uuid, s.contacts_database_id) as contacts_database_id,
        coalesce(${
    id("contacts", "dataSourceId")
  }::uuid, s.contacts_data_source_id) as contacts_data_source_id,
        ${sql.json(JSON.parse(JSON.stringify(map)))}::jsonb as property_map
      from switchboard.notion_settings s where s.id
    )
    update switchboard.notion_settings s
    set parent_page_id = w.parent_page_id,
        calls_database_id = w.calls_database_id, calls_data_source_id = w.calls_data_source_id,
        conversations_database_id = w.conversations_database_id,
        conversations_data_source_id = w.conversations_data_source_id,
        contacts_database_id = w.contacts_database_id, contacts_data_source_id = w.contacts_data_source_id,
        property_map = w.property_map, verified_at = now(), updated_at = now()
    from wanted w
    where s.id and (s.parent_page_id, s.calls_database_id, s.calls_data_source_id,
        s.conversations_database_id, s.conversations_data_source_id, s.contacts_database_id,
        s.contacts_data_source_id, s.property_map, s.verified_at is null)
      is distinct from (w.parent_page_id, w.calls_database_id, w.calls_data_source_id,
        w.conversations_database_id, w.conversations_data_source_id, w.contacts_database_id,
        w.contacts_data_source_id, w.property_map, false)
    returning true as changed`;
  return rows.length > 0;
}
