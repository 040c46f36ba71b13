/**
 * Data source schemas: the property configuration requests of `POST /v1/databases`
 * (`initial_data_source.properties`) and `PATCH /v1/data_sources/:id`, stored as PropertyConfig
 * and answered in Notion's shape (`{id, name, description, type, <type>: {...}}`).
 */
import { notFound, validationError } from "./errors.ts";
import { canonicalId, newOptionId, newPropertyId } from "./ids.ts";
import type { DataSourceRecord, PropertyConfig, Store } from "./store.ts";
import {
  arr,
  emptyObject,
  literal,
  obj,
  oneOf,
  record,
  type Spec,
  str,
  union,
  unsupportedIfPresent,
  uuid,
} from "./validation.ts";

export const SELECT_COLORS = [
  "default",
  "gray",
  "brown",
  "orange",
  "yellow",
  "green",
  "blue",
  "purple",
  "pink",
  "red",
] as const;

const opt = { optional: true };

const option = obj({
  name: str({ max: 100 }),
  color: oneOf(SELECT_COLORS, opt),
  description: str({ optional: true, nullable: true }),
  id: str(opt),
});

const options = obj({ options: arr(option, { optional: true, max: 100 }) });

const relation = union([
  obj({
    data_source_id: uuid(),
    single_property: emptyObject(),
    type: literal("single_property", opt),
  }),
  obj({
    data_source_id: uuid(),
    dual_property: obj({
      synced_property_id: str(opt),
      synced_property_name: str(opt),
    }),
    type: literal("dual_property", opt),
  }),
]);

/** Config spec per modelled property type (the value under the type key). */
const CONFIG: Record<string, Spec> = {
  title: emptyObject(),
  rich_text: emptyObject(),
  number: obj({ format: str(opt) }),
  select: options,
  multi_select: options,
  status: options,
  date: emptyObject(),
  people: emptyObject(),
  files: emptyObject(),
  checkbox: emptyObject(),
  url: emptyObject(),
  email: emptyObject(),
  phone_number: emptyObject(),
  relation,
  created_time: emptyObject(),
  created_by: emptyObject(),
  last_edited_time: emptyObject(),
  last_edited_by: emptyObject(),
  unique_id: obj({ prefix: str({ optional: true, nullable: true }) }),
};

const UNMODELLED = [
  "formula",
  "rollup",
  "button",
  "location",
  "verification",
  "last_visited_time",
  "place",
];

export const propertyConfigSpec: Spec = union([
  ...Object.entries(CONFIG).map(([type, config]) =>
    obj({
      [type]: config,
      type: literal(type, opt),
      description: str({ optional: true, nullable: true }),
      name: str(opt),
    })
  ),
  ...UNMODELLED.map((t) => unsupportedIfPresent(t, `${t} properties`)),
]);

export const schemaSpec = (optional = false): Spec => record(propertyConfigSpec, { optional });

/** Schema update: a config, a rename (`{name}`), or `null` to remove. */
export const schemaUpdateSpec: Spec = record(
  union([propertyConfigSpec, obj({ name: str() })], { nullable: true }),
  opt,
);

// deno-lint-ignore no-explicit-any
type Input = any;

const typeOf = (req: Input): string => Object.keys(CONFIG).find((t) => req[t] !== undefined) ?? "";

const DEFAULT_STATUS = [
  { name: "Not started", color: "default", group: "To-do" },
  { name: "In progress", color: "blue", group: "In progress" },
  { name: "Done", color: "green", group: "Complete" },
];

function selectOptions(req: Input): Record<string, unknown>[] {
  return (req?.options ?? []).map((o: Input) => {
    if (String(o.name).includes(",")) {
      throw validationError(`Invalid select option, commas not allowed: ${o.name}`);
    }
    return {
      id: o.id ?? newOptionId(),
      name: o.name,
      color: o.color ?? "default",
      description: o.description ?? null,
    };
  });
}

function statusConfig(req: Input): Record<string, unknown> {
  const given = selectOptions(req);
  const opts = given.length ? given : DEFAULT_STATUS.map((s) => ({
    id: newOptionId(),
    name: s.name,
    color: s.color,
    description: null,
  }));
  const groupOf = (name: unknown) => DEFAULT_STATUS.find((s) => s.name === name)?.group ?? "To-do";
  const groups = ["To-do", "In progress", "Complete"].map((g, i) => ({
    id: newOptionId(),
    name: g,
    color: ["gray", "blue", "green"][i],
    option_ids: opts.filter((o) => groupOf(o.name) === g).map((o) => o.id),
  }));
  return { options: opts, groups };
}

/** The stored config for a validated request of `type`. */
function buildConfig(
  type: string,
  req: Input,
  ctx: { store: Store; self: DataSourceRecord; name: string; id: string },
): Record<string, unknown> {
  switch (type) {
    case "number":
      return { format: req.format ?? "number" };
    case "select":
    case "multi_select":
      return { options: selectOptions(req) };
    case "status":
      return statusConfig(req);
    case "unique_id":
      return { prefix: req.prefix ?? null };
    case "relation":
      return relationConfig(req, ctx);
    default:
      return {};
  }
}

function relationConfig(
  req: Input,
  ctx: { store: Store; self: DataSourceRecord; name: string; id: string },
): Record<string, unknown> {
  const targetId = canonicalId(req.data_source_id);
  const target = targetId === ctx.self.id ? ctx.self : ctx.store.dataSources.get(targetId);
  if (!target) throw notFound("data_source", targetId);
  const base = { database_id: target.databaseId, data_source_id: target.id };
  if (!req.dual_property) return { ...base, type: "single_property", single_property: {} };
  // A two-way relation adds its mirror to the target data source, as Notion does.
  const selfTitle = ctx.self.title.map((t) => t.plain_text).join("") || "Untitled";
  const syncedName = req.dual_property.synced_property_name ??
    `Related to ${selfTitle} (${ctx.name})`;
  const syncedId = newPropertyId(new Set(target.properties.map((p) => p.id)));
  if (target !== ctx.self) {
    target.properties.push({
      id: syncedId,
      name: syncedName,
      type: "relation",
      description: null,
      config: {
        database_id: ctx.self.databaseId,
        data_source_id: ctx.self.id,
        type: "dual_property",
        dual_property: { synced_property_id: ctx.id, synced_property_name: ctx.name },
      },
    });
  }
  return {
    ...base,
    type: "dual_property",
    dual_property: { synced_property_id: syncedId, synced_property_name: syncedName },
  };
}

/** Sets a data source's initial schema; a schema without a title gets Notion's "Name". */
export function initialSchema(
  store: Store,
  ds: DataSourceRecord,
  props: Record<string, Input>,
): void {
  const entries = Object.entries(props ?? {});
  const titles = entries.filter(([, v]) => typeOf(v) === "title");
  if (titles.length > 1) {
    throw validationError(
      `body failed validation: body.initial_data_source.properties should have at most one title property, instead was \`${titles.length}\`.`,
    );
  }
  if (titles.length === 0) entries.unshift(["Name", { title: {} }]);
  for (const [name, req] of entries) addProperty(store, ds, name, req);
}

function addProperty(store: Store, ds: DataSourceRecord, name: string, req: Input) {
  const type = typeOf(req);
  const taken = new Set(ds.properties.map((p) => p.id));
  const id = type === "title" ? "title" : newPropertyId(taken);
  const finalName = typeof req.name === "string" ? req.name : name;
  ds.properties.push({
    id,
    name: finalName,
    type,
    description: req.description ?? null,
    config: buildConfig(type, req[type], { store, self: ds, name: finalName, id }),
  });
}

export function findProperty(ds: DataSourceRecord, key: string): PropertyConfig | undefined {
  return ds.properties.find((p) => p.name === key) ??
    ds.properties.find((p) => p.id === key || decodeURIComponent(p.id) === key);
}

/** PATCH /v1/data_sources/:id `properties`: add, change, rename or (null) remove. */
export function updateSchema(
  store: Store,
  ds: DataSourceRecord,
  props: Record<string, Input>,
): void {
  for (const [key, req] of Object.entries(props)) {
    const existing = findProperty(ds, key);
    if (req === null) {
      if (!existing) continue;
      if (existing.type === "title") {
        throw validationError("Cannot delete the title property.");
      }
      ds.properties = ds.properties.filter((p) => p !== existing);
      continue;
    }
    const type = typeOf(req);
    if (!existing) {
      if (!type) throw validationError(`${key} is not a property that exists.`);
      if (type === "title") {
        throw validationError("Cannot create a second title property.");
      }
      addProperty(store, ds, key, req);
      continue;
    }
    if (typeof req.name === "string") existing.name = req.name;
    if (req.description !== undefined) existing.description = req.description;
    if (type) {
      if (existing.type === "title" && type !== "title") {
        throw validationError("Cannot change the type of the title property.");
      }
      existing.config = buildConfig(type, req[type], {
        store,
        self: ds,
        name: existing.name,
        id: existing.id,
      });
      if (type !== existing.type) {
        // Values of the old type do not carry over (Notion converts some; the fake clears).
        for (const row of store.rows(ds.id)) row.values.delete(existing.id);
      }
      existing.type = type;
    }
  }
}

/** A property as answered in a data source's `properties`. */
export function renderConfig(p: PropertyConfig): Record<string, unknown> {
  return { id: p.id, name: p.name, description: p.description, type: p.type, [p.type]: p.config };
}

export function renderSchema(ds: DataSourceRecord): Record<string, unknown> {
  return Object.fromEntries(ds.properties.map((p) => [p.name, renderConfig(p)]));
}
