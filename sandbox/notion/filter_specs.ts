/**
 * The `filter` and `sorts` request shapes of `POST /v1/data_sources/:id/query`, as the SDK types
 * them: property filters by type, timestamp filters, and `and`/`or` compounds nested at most two
 * levels deep ("A compound filter can even be combined within a compound filter, but only up to
 * two nesting levels deep"), each compound holding at most 100 filters
 * (`body.filter.or.length should be ≤ \`100\``).
 */
import {
  arr,
  bool,
  emptyObject,
  isIsoDate,
  issue,
  literal,
  num,
  obj,
  oneOf,
  refine,
  shown,
  type Spec,
  str,
  union,
  unsupportedIfPresent,
  uuid,
} from "./validation.ts";

export const RELATIVE_DATES = [
  "today",
  "tomorrow",
  "yesterday",
  "one_week_ago",
  "one_week_from_now",
  "one_month_ago",
  "one_month_from_now",
];

const opt = { optional: true };
const exists = [obj({ is_empty: literal(true) }), obj({ is_not_empty: literal(true) })];
const conditions = (keys: string[], value: () => Spec, more: Spec[] = exists) =>
  union([...keys.map((k) => obj({ [k]: value() })), ...more]);

const dateValue = () =>
  refine(
    str(),
    (v, path) =>
      isIsoDate(v) || RELATIVE_DATES.includes(v as string)
        ? null
        : issue(path, "should be a valid ISO 8601 date string", shown(v)),
  );
const stringOrArray = () => union([str(), arr(str())]);

export const TEXT_CONDITIONS = [
  "equals",
  "does_not_equal",
  "contains",
  "does_not_contain",
  "starts_with",
  "ends_with",
];
export const NUMBER_CONDITIONS = [
  "equals",
  "does_not_equal",
  "greater_than",
  "less_than",
  "greater_than_or_equal_to",
  "less_than_or_equal_to",
];
export const DATE_CONDITIONS = ["equals", "before", "after", "on_or_before", "on_or_after"];
export const DATE_RANGES = [
  "this_week",
  "past_week",
  "past_month",
  "past_year",
  "next_week",
  "next_month",
  "next_year",
];

const text = () => conditions(TEXT_CONDITIONS, str);
const number = () => conditions(NUMBER_CONDITIONS, num);
const date = () =>
  conditions(DATE_CONDITIONS, dateValue, [
    ...DATE_RANGES.map((k) => obj({ [k]: emptyObject() })),
    ...exists,
  ]);

/** Condition spec per filterable property type; null: not modelled. */
const CONDITION: Record<string, (() => Spec) | null> = {
  title: text,
  rich_text: text,
  number,
  checkbox: () => conditions(["equals", "does_not_equal"], bool, []),
  select: () => conditions(["equals", "does_not_equal"], stringOrArray),
  multi_select: () => conditions(["contains", "does_not_contain"], stringOrArray),
  status: () => conditions(["equals", "does_not_equal"], stringOrArray),
  date,
  people: () => conditions(["contains", "does_not_contain"], str),
  files: () => union(exists),
  url: text,
  email: text,
  phone_number: text,
  relation: () => conditions(["contains", "does_not_contain"], uuid),
  created_by: null,
  created_time: date,
  last_edited_by: null,
  last_edited_time: date,
  formula: null,
  unique_id: number,
  rollup: null,
  verification: null,
};

export const FILTER_TYPES = Object.keys(CONDITION);

const propertyFilters = (): Spec[] =>
  Object.entries(CONDITION).map(([type, cond]) =>
    cond
      ? obj({ [type]: cond(), property: str(), type: literal(type, opt) })
      : unsupportedIfPresent(type, `${type} filters`)
  );

const timestampFilters = (): Spec[] =>
  ["created_time", "last_edited_time"].map((t) =>
    obj({ [t]: date(), timestamp: literal(t), type: literal(t, opt) })
  );

const leaf = () => [...propertyFilters(), ...timestampFilters()];
const group = (item: Spec) => [
  obj({ or: arr(item, { max: 100 }) }),
  obj({ and: arr(item, { max: 100 }) }),
];

const level2 = union(leaf());
const level1 = union([...leaf(), ...group(level2)]);

export const filterSpec: Spec = union([...group(level1), ...leaf()], opt);

const direction = oneOf(["ascending", "descending"]);

export const sortsSpec: Spec = arr(
  union([
    obj({ property: str(), direction }),
    obj({ timestamp: oneOf(["created_time", "last_edited_time"]), direction }),
  ]),
  opt,
);
