/**
 * Running a data source query: filters checked against the schema in Notion's words ("Could
 * not find property with name or id: X", "The property type in the database does not match the
 * property type of the filter provided: …", "Could not find sort property with name or id: X"),
 * then evaluated; sorts applied. Without sorts, rows come newest first (created_time
 * descending), which is what Notion answers.
 *
 * Text `equals` compares exactly; `contains`, `starts_with` and `ends_with` ignore case. Date
 * conditions given a date compare whole (UTC) days, given a date-time compare milliseconds.
 */
import { validationError } from "./errors.ts";
import { DATE_RANGES, FILTER_TYPES, RELATIVE_DATES } from "./filter_specs.ts";
import { isoMinute } from "./objects.ts";
import { plainText, type RichText } from "./rich_text.ts";
import { findProperty } from "./schema.ts";
import type { DataSourceRecord, PageRecord, PropertyConfig } from "./store.ts";

// deno-lint-ignore no-explicit-any
type Input = any;

export interface QueryEnv {
  now: number;
  botId: string;
}

const DAY = 86_400_000;

/** Checks every property filter names a property of the filter's type. */
export function checkFilter(ds: DataSourceRecord, f: Input): void {
  if (!f) return;
  for (const sub of f.and ?? f.or ?? []) checkFilter(ds, sub);
  if (f.property === undefined) return;
  const prop = findProperty(ds, f.property);
  if (!prop) throw validationError(`Could not find property with name or id: ${f.property}`);
  const type = FILTER_TYPES.find((t) => f[t] !== undefined)!;
  if (type !== prop.type) {
    throw validationError(
      `The property type in the database does not match the property type of the filter provided: database property ${prop.type} does not match filter ${type}`,
    );
  }
}

export function checkSorts(ds: DataSourceRecord, sorts: Input[] | undefined): void {
  for (const s of sorts ?? []) {
    if (s.property !== undefined && !findProperty(ds, s.property)) {
      throw validationError(`Could not find sort property with name or id: ${s.property}`);
    }
  }
}

/** A value's sortable/filterable form. */
function valueOf(page: PageRecord, prop: PropertyConfig): unknown {
  if (prop.type === "created_time") return isoMinute(page.createdAt);
  if (prop.type === "last_edited_time") return isoMinute(page.editedAt);
  return page.values.get(prop.id) ?? null;
}

const textOf = (v: unknown): string =>
  v === null || v === undefined ? "" : Array.isArray(v) ? plainText(v as RichText[]) : String(v);

const anyOf = (x: string | string[]) => Array.isArray(x) ? x : [x];

function matchText(v: string, cond: Input): boolean {
  const [op, x] = Object.entries(cond)[0] as [string, string];
  const lv = v.toLowerCase();
  const lx = typeof x === "string" ? x.toLowerCase() : "";
  switch (op) {
    case "equals":
      return v === x;
    case "does_not_equal":
      return v !== x;
    case "contains":
      return lv.includes(lx);
    case "does_not_contain":
      return !lv.includes(lx);
    case "starts_with":
      return lv.startsWith(lx);
    case "ends_with":
      return lv.endsWith(lx);
    case "is_empty":
      return v === "";
    default:
      return v !== "";
  }
}

function matchNumber(v: number | null, cond: Input): boolean {
  const [op, x] = Object.entries(cond)[0] as [string, number];
  if (op === "is_empty") return v === null;
  if (op === "is_not_empty") return v !== null;
  if (op === "does_not_equal") return v !== x;
  if (v === null) return false;
  return op === "equals"
    ? v === x
    : op === "greater_than"
    ? v > x
    : op === "less_than"
    ? v < x
    : op === "greater_than_or_equal_to"
    ? v >= x
    : v <= x;
}

function matchNames(names: string[], cond: Input): boolean {
  const [op, x] = Object.entries(cond)[0] as [string, string | string[]];
  if (op === "is_empty") return names.length === 0;
  if (op === "is_not_empty") return names.length > 0;
  const hit = anyOf(x).some((n) => names.includes(n));
  return op === "equals" || op === "contains" ? hit : !hit;
}

const isDateOnly = (s: string) => s.length === 10;

function resolveRelative(x: string, now: number): string {
  if (!RELATIVE_DATES.includes(x)) return x;
  const d = new Date(Math.floor(now / DAY) * DAY);
  const shift: Record<string, () => void> = {
    today: () => {},
    tomorrow: () => d.setUTCDate(d.getUTCDate() + 1),
    yesterday: () => d.setUTCDate(d.getUTCDate() - 1),
    one_week_ago: () => d.setUTCDate(d.getUTCDate() - 7),
    one_week_from_now: () => d.setUTCDate(d.getUTCDate() + 7),
    one_month_ago: () => d.setUTCMonth(d.getUTCMonth() - 1),
    one_month_from_now: () => d.setUTCMonth(d.getUTCMonth() + 1),
  };
  shift[x]!();
  return d.toISOString().slice(0, 10);
}

function rangeOf(op: string, now: number): [number, number] {
  const d = (f: (x: Date) => void) => {
    const x = new Date(now);
    f(x);
    return x.getTime();
  };
  switch (op) {
    case "this_week": {
      const start = Math.floor(now / DAY) * DAY - new Date(now).getUTCDay() * DAY;
      return [start, start + 7 * DAY - 1];
    }
    case "past_week":
      return [now - 7 * DAY, now];
    case "past_month":
      return [d((x) => x.setUTCMonth(x.getUTCMonth() - 1)), now];
    case "past_year":
      return [d((x) => x.setUTCFullYear(x.getUTCFullYear() - 1)), now];
    case "next_week":
      return [now, now + 7 * DAY];
    case "next_month":
      return [now, d((x) => x.setUTCMonth(x.getUTCMonth() + 1))];
    default:
      return [now, d((x) => x.setUTCFullYear(x.getUTCFullYear() + 1))];
  }
}

function matchDate(value: string | null, cond: Input, now: number): boolean {
  const [op, raw] = Object.entries(cond)[0] as [string, string];
  if (op === "is_empty") return value === null;
  if (op === "is_not_empty") return value !== null;
  if (value === null) return false;
  const ms = Date.parse(value);
  if (DATE_RANGES.includes(op)) {
    const [from, to] = rangeOf(op, now);
    return ms >= from && ms <= to;
  }
  const x = resolveRelative(raw, now);
  const [a, b] = isDateOnly(x) ? [new Date(ms).toISOString().slice(0, 10), x] : [ms, Date.parse(x)];
  switch (op) {
    case "equals":
      return a === b;
    case "before":
      return a < b;
    case "after":
      return a > b;
    case "on_or_before":
      return a <= b;
    default:
      return a >= b;
  }
}

export function matches(ds: DataSourceRecord, page: PageRecord, f: Input, env: QueryEnv): boolean {
  if (!f) return true;
  if (f.and) return (f.and as Input[]).every((s) => matches(ds, page, s, env));
  if (f.or) return (f.or as Input[]).some((s) => matches(ds, page, s, env));
  if (f.timestamp) {
    const ms = f.timestamp === "created_time" ? page.createdAt : page.editedAt;
    return matchDate(isoMinute(ms), f[f.timestamp], env.now);
  }
  const prop = findProperty(ds, f.property)!;
  const cond = f[prop.type];
  const v = valueOf(page, prop) as Input;
  switch (prop.type) {
    case "number":
      return matchNumber(v, cond);
    case "unique_id":
      return matchNumber(v?.number ?? null, cond);
    case "checkbox":
      return cond.equals !== undefined
        ? (v ?? false) === cond.equals
        : (v ?? false) !== cond.does_not_equal;
    case "select":
    case "status":
      return matchNames(v ? [v.name] : [], cond);
    case "multi_select":
      return matchNames((v ?? []).map((o: Input) => o.name), cond);
    case "date":
      return matchDate(v?.start ?? null, cond, env.now);
    case "created_time":
    case "last_edited_time":
      return matchDate(v, cond, env.now);
    case "people":
    case "relation": {
      const ids = ((v ?? []) as { id: string }[]).map((r) => r.id);
      const want = (x: string) => x === "me" ? env.botId : x.replaceAll("-", "").toLowerCase();
      const has = (x: string) =>
        ids.some((id) => id.replaceAll("-", "") === want(x).replaceAll("-", ""));
      if (cond.is_empty) return ids.length === 0;
      if (cond.is_not_empty) return ids.length > 0;
      return cond.contains !== undefined ? has(cond.contains) : !has(cond.does_not_contain);
    }
    case "files":
      return cond.is_empty ? (v ?? []).length === 0 : (v ?? []).length > 0;
    default:
      return matchText(textOf(v), cond);
  }
}

/** A sort key: null for empty values, which go last in either direction. */
function sortKey(ds: DataSourceRecord, page: PageRecord, s: Input): string | number | null {
  if (s.timestamp) {
    return s.timestamp === "created_time"
      ? Math.floor(page.createdAt / 60_000)
      : Math.floor(page.editedAt / 60_000);
  }
  const prop = findProperty(ds, s.property)!;
  const v = valueOf(page, prop) as Input;
  switch (prop.type) {
    case "number":
      return v;
    case "checkbox":
      return v ? 1 : 0;
    case "unique_id":
      return v?.number ?? null;
    case "select":
    case "status": {
      // Options sort in schema order, as in the Notion UI.
      const opts = (prop.config.options ?? []) as { id: string }[];
      return v ? opts.findIndex((o) => o.id === v.id) : null;
    }
    case "date":
      return v ? Date.parse(v.start) : null;
    case "created_time":
    case "last_edited_time":
      return Date.parse(v);
    case "multi_select":
      return (v ?? []).length ? (v as Input[]).map((o) => o.name).join(",").toLowerCase() : null;
    default: {
      const t = textOf(
        Array.isArray(v) && prop.type !== "title" && prop.type !== "rich_text"
          ? v.map((x: Input) => x.id).join(",")
          : v,
      );
      return t === "" ? null : t.toLowerCase();
    }
  }
}

export function sortRows(
  ds: DataSourceRecord,
  rows: PageRecord[],
  sorts: Input[] | undefined,
): PageRecord[] {
  const list = sorts?.length ? sorts : [{ timestamp: "created_time", direction: "descending" }];
  return [...rows].sort((a, b) => {
    for (const s of list) {
      const ka = sortKey(ds, a, s);
      const kb = sortKey(ds, b, s);
      if (ka === kb) continue;
      if (ka === null) return 1;
      if (kb === null) return -1;
      const c = ka < kb ? -1 : 1;
      return s.direction === "descending" ? -c : c;
    }
    // Equal keys keep creation order, in the primary sort's direction.
    return list[0].direction === "ascending" ? a.seq - b.seq : b.seq - a.seq;
  });
}
