/**
 * Page property values: the request shapes of `POST /v1/pages` and `PATCH /v1/pages/:id` (with
 * Notion's limits: 2000-character URLs, 200-character emails and phone numbers, 100 relations,
 * people and multi-select options), the schema checks that follow them ("Phone is not a property
 * that exists.", "Phone is expected to be phone_number."), and the values as answered.
 */
import { validationError } from "./errors.ts";
import { canonicalId, newOptionId } from "./ids.ts";
import { dateRequest, type MentionResolver, richTextArray, toRichText } from "./rich_text.ts";
import { findProperty, SELECT_COLORS } from "./schema.ts";
import type { DataSourceRecord, PageRecord, PropertyConfig, Store } from "./store.ts";
import {
  arr,
  bool,
  literal,
  num,
  obj,
  oneOf,
  record,
  type Spec,
  str,
  union,
  unsupportedIfPresent,
  uuid,
} from "./validation.ts";

const opt = { optional: true };
const optNull = { optional: true, nullable: true };

const optionRef = (mods: { nullable?: boolean } = {}) =>
  union([
    obj({ id: str(), name: str(opt), color: oneOf(SELECT_COLORS, opt), description: str(optNull) }),
    obj({
      name: str({ max: 100 }),
      id: str(opt),
      color: oneOf(SELECT_COLORS, opt),
      description: str(optNull),
    }),
  ], mods);

/** The value under each writable type key, in the SDK's order. */
const VALUE: Record<string, Spec> = {
  title: richTextArray(),
  rich_text: richTextArray(),
  number: num({ nullable: true }),
  url: str({ nullable: true, max: 2000 }),
  select: optionRef({ nullable: true }),
  multi_select: arr(optionRef(), { max: 100 }),
  people: arr(obj({ id: uuid(), object: oneOf(["user", "group"], opt), name: str(optNull) }), {
    max: 100,
  }),
  email: str({ nullable: true, max: 200 }),
  phone_number: str({ nullable: true, max: 200 }),
  date: dateRequest({ nullable: true }),
  checkbox: bool(),
  relation: arr(obj({ id: uuid() }), { max: 100 }),
  files: arr(
    union([
      obj({
        external: obj({ url: str({ max: 2000 }) }),
        name: str({ max: 100 }),
        type: literal("external", opt),
      }),
      unsupportedIfPresent("file", "Notion-hosted files in file properties"),
      unsupportedIfPresent("file_upload", "file uploads"),
    ]),
    { max: 100 },
  ),
  status: optionRef({ nullable: true }),
};

const propertyValue: Spec = union([
  ...Object.entries(VALUE).map(([type, spec]) => obj({ [type]: spec, type: literal(type, opt) })),
  unsupportedIfPresent("place", "place properties"),
  unsupportedIfPresent("verification", "verification properties"),
]);

export const propertiesSpec = (optional: boolean): Spec => record(propertyValue, { optional });

// deno-lint-ignore no-explicit-any
type Input = any;

/** The one property of a page whose parent is a page. */
export const PAGE_TITLE: PropertyConfig = {
  id: "title",
  name: "title",
  type: "title",
  description: null,
  config: {},
};

const typeOf = (req: Input): string => Object.keys(VALUE).find((t) => req[t] !== undefined) ?? "";

export interface ValueContext {
  store: Store;
  resolve: MentionResolver;
}

/** Finds an option; an unknown select name is added to the schema when the write commits. */
function optionFor(
  prop: PropertyConfig,
  ref: Input,
  create: boolean,
  commits: (() => void)[],
): Record<string, unknown> {
  const opts = (prop.config.options ?? []) as Record<string, unknown>[];
  const found = ref.id !== undefined
    ? opts.find((o) => o.id === ref.id)
    : opts.find((o) => o.name === ref.name);
  if (found) return { id: found.id, name: found.name, color: found.color };
  if (ref.id !== undefined) {
    throw validationError(`Invalid ${prop.type} option id for property ${prop.name}: ${ref.id}`);
  }
  if (String(ref.name).includes(",")) {
    throw validationError(`Invalid select option, commas not allowed: ${ref.name}`);
  }
  if (!create) {
    throw validationError(
      `Invalid status option. Status option "${ref.name}" does not exist for property ${prop.name}.`,
    );
  }
  // Writing an unknown select option adds it to the schema, as the API does.
  const added = {
    id: newOptionId(),
    name: ref.name,
    color: ref.color ?? "default",
    description: null,
  };
  commits.push(() => {
    const now = (prop.config.options ?? []) as Record<string, unknown>[];
    if (!now.some((o) => o.name === added.name)) prop.config.options = [...now, added];
  });
  return { id: added.id, name: added.name, color: added.color };
}

/** The stored value for a validated request value of the property's type. */
function toValue(
  prop: PropertyConfig,
  req: Input,
  ctx: ValueContext,
  commits: (() => void)[],
): unknown {
  const v = req[prop.type];
  switch (prop.type) {
    case "title":
    case "rich_text":
      return toRichText(v, ctx.resolve);
    case "select":
      return v === null ? null : optionFor(prop, v, true, commits);
    case "status":
      return v === null ? null : optionFor(prop, v, false, commits);
    case "multi_select": {
      const out = (v as Input[]).map((ref) => optionFor(prop, ref, true, commits));
      return out.filter((o, i) => out.findIndex((x) => x.id === o.id) === i);
    }
    case "date":
      return v === null
        ? null
        : { start: v.start, end: v.end ?? null, time_zone: v.time_zone ?? null };
    case "relation": {
      const ids = (v as Input[]).map((r) => canonicalId(r.id));
      return [...new Set(ids)].map((id) => ({ id }));
    }
    case "people":
      return (v as Input[]).map((p) => ({ object: p.object ?? "user", id: canonicalId(p.id) }));
    case "files":
      return (v as Input[]).map((f) => ({
        name: f.name,
        type: "external",
        external: { url: f.external.url },
      }));
    default:
      return v;
  }
}

/**
 * Applies validated `properties` to a page of a data source (or, with `ds` null, a page under a
 * page, whose only property is its title).
 */
export function applyValues(
  page: PageRecord,
  ds: DataSourceRecord | null,
  props: Record<string, Input>,
  ctx: ValueContext,
): void {
  const pending: [PropertyConfig, unknown][] = [];
  const commits: (() => void)[] = [];
  for (const [key, req] of Object.entries(props ?? {})) {
    const prop = ds ? findProperty(ds, key) : (key === "title" ? PAGE_TITLE : undefined);
    if (!prop) throw validationError(`${key} is not a property that exists.`);
    if (typeOf(req) !== prop.type) throw validationError(`${key} is expected to be ${prop.type}.`);
    pending.push([prop, toValue(prop, req, ctx, commits)]);
  }
  // All checked before anything is written: a refused request changes nothing.
  for (const commit of commits) commit();
  for (const [prop, value] of pending) {
    const before = page.values.get(prop.id);
    page.values.set(prop.id, value);
    if (prop.type === "relation" && prop.config.type === "dual_property") {
      syncRelation(
        ctx.store,
        page,
        prop,
        before as { id: string }[] | undefined,
        value as { id: string }[],
      );
    }
  }
}

/** Two-way relations: the related pages' mirror property follows. */
function syncRelation(
  store: Store,
  page: PageRecord,
  prop: PropertyConfig,
  before: { id: string }[] | undefined,
  after: { id: string }[],
) {
  const mirror = (prop.config.dual_property as { synced_property_id: string }).synced_property_id;
  const was = new Set((before ?? []).map((r) => r.id));
  const now = new Set(after.map((r) => r.id));
  for (const id of new Set([...was, ...now])) {
    const other = store.pages.get(id);
    if (!other) continue;
    const list = ((other.values.get(mirror) ?? []) as { id: string }[]).filter((r) =>
      r.id !== page.id
    );
    if (now.has(id)) list.push({ id: page.id });
    other.values.set(mirror, list);
  }
}

/** Status starts at its first option, and unique ids count up, when a row is created. */
export function initialValues(page: PageRecord, ds: DataSourceRecord): void {
  for (const prop of ds.properties) {
    if (prop.type === "status" && !page.values.has(prop.id)) {
      const first = ((prop.config.options ?? []) as Record<string, unknown>[])[0];
      if (first) page.values.set(prop.id, { id: first.id, name: first.name, color: first.color });
    }
    if (prop.type === "unique_id") {
      page.values.set(prop.id, { prefix: prop.config.prefix ?? null, number: ds.nextUniqueId++ });
    }
  }
}

const EMPTY: Record<string, unknown> = {
  title: [],
  rich_text: [],
  multi_select: [],
  people: [],
  relation: [],
  files: [],
  checkbox: false,
};

export interface RenderContext {
  iso(ms: number): string;
  botId: string;
}

/** Page objects show at most 25 page or person references per property, as Notion's do. */
export const MAX_REFERENCES = 25;

/** A property value as answered: `{id, type, <type>: value}`. */
export function renderValue(
  prop: PropertyConfig,
  page: PageRecord,
  ctx: RenderContext,
): Record<string, unknown> {
  const out: Record<string, unknown> = { id: prop.id, type: prop.type };
  switch (prop.type) {
    case "created_time":
      out.created_time = ctx.iso(page.createdAt);
      break;
    case "last_edited_time":
      out.last_edited_time = ctx.iso(page.editedAt);
      break;
    case "created_by":
    case "last_edited_by":
      out[prop.type] = { object: "user", id: ctx.botId };
      break;
    default:
      out[prop.type] = page.values.has(prop.id)
        ? page.values.get(prop.id)
        : (EMPTY[prop.type] ?? null);
  }
  if (prop.type === "relation" || prop.type === "people") {
    // The rest is read through GET /v1/pages/:id/properties/:property_id.
    const all = out[prop.type] as unknown[];
    out[prop.type] = all.slice(0, MAX_REFERENCES);
    if (prop.type === "relation") out.has_more = all.length > MAX_REFERENCES;
  }
  return out;
}
