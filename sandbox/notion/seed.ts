/**
 * Seed scenarios (`POST /_control/seed {"notion": …}`): pages and databases a person made in
 * Notion and shared with the integration, so they may sit at the workspace's top level.
 *
 *   {
 *     "blockLimit"?: 1000 | null,
 *     "pages": [{ "id"?: uuid, "title": "Switchboard", "parentPageId"?: uuid }],
 *     "databases": [{
 *       "id"?: uuid, "dataSourceId"?: uuid, "title": "Calls", "parentPageId"?: uuid,
 *       "properties": { "Name": { "title": {} }, "Phone": { "phone_number": {} } },
 *       "rows"?: [{ "Name": { "title": [{ "text": { "content": "Ada" } }] } }]
 *     }]
 *   }
 *
 * Schemas and row values take the API's request shapes and pass the API's validation.
 * Returns the ids: `{pages: [{id, title}], databases: [{id, dataSourceId, title, rows}]}`.
 */
import { canonicalId } from "./ids.ts";
import { textItems } from "./rich_text.ts";
import { schemaSpec } from "./schema.ts";
import { arr, isPlainObject, num, obj, str, uuid, validate } from "./validation.ts";
import { propertiesSpec } from "./values.ts";
import type { Workspace } from "./workspace.ts";

const opt = { optional: true };

const seedSpec = obj({
  // The workspace's lifetime block allowance (1000: a Free workspace with several members).
  blockLimit: num({ optional: true, nullable: true, min: 0 }),
  pages: arr(obj({ id: uuid(opt), title: str(), parentPageId: uuid(opt) }), opt),
  databases: arr(
    obj({
      id: uuid(opt),
      dataSourceId: uuid(opt),
      title: str(),
      parentPageId: uuid(opt),
      properties: schemaSpec(true),
      rows: arr(propertiesSpec(false), opt),
    }),
    opt,
  ),
});

interface SeedInput {
  blockLimit?: number | null;
  pages?: { id?: string; title: string; parentPageId?: string }[];
  databases?: {
    id?: string;
    dataSourceId?: string;
    title: string;
    parentPageId?: string;
    properties?: Record<string, unknown>;
    rows?: Record<string, unknown>[];
  }[];
}

export interface SeedResult {
  pages: { id: string; title: string }[];
  databases: { id: string; dataSourceId: string; title: string; rows: string[] }[];
}

export function seedWorkspace(ws: Workspace, data: unknown, now: number): SeedResult {
  const input = validate<SeedInput>("body", seedSpec, isPlainObject(data) ? data : {});
  if (input.blockLimit !== undefined) ws.blockLimit = input.blockLimit;
  const fresh = (id: string | undefined) => {
    if (!id) return undefined;
    const c = canonicalId(id);
    const s = ws.store;
    if (s.pages.has(c) || s.databases.has(c) || s.dataSources.has(c) || s.blocks.has(c)) {
      throw new Error(`id ${c} is already taken`);
    }
    return c;
  };
  const parent = (pageId: string | undefined) => pageId ? { page_id: pageId } : { workspace: true };

  const pages = (input.pages ?? []).map((p) => {
    const page = ws.createPage(
      {
        parent: parent(p.parentPageId),
        properties: { title: { title: textItems(p.title) } },
      },
      now,
      { id: fresh(p.id), byUser: true },
    );
    return { id: page.id, title: p.title };
  });

  const databases = (input.databases ?? []).map((d) => {
    const { db, ds } = ws.createDatabase(
      {
        parent: d.parentPageId
          ? { type: "page_id", page_id: d.parentPageId }
          : { type: "workspace" },
        title: textItems(d.title),
        initial_data_source: { properties: d.properties ?? {} },
      },
      now,
      { id: fresh(d.id), dataSourceId: fresh(d.dataSourceId), byUser: true },
    );
    const rows = (d.rows ?? []).map((properties) =>
      ws.createPage({ parent: { data_source_id: ds.id }, properties }, now).id
    );
    return { id: db.id, dataSourceId: ds.id, title: d.title, rows };
  });

  return { pages, databases };
}
