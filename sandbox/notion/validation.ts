/**
 * A small schema engine that fails the way Notion's request validator does, in its words:
 *
 *   body failed validation: body.children.length should be ≤ `100`, instead was `101`.
 *   body failed validation: body.colour should be not present, instead was `"red"`.
 *   body failed validation. Fix one:
 *   body.rich_text[0].text should be defined, instead was `undefined`.
 *   body.rich_text[0].mention should be defined, instead was `undefined`.
 *
 * Each check reports its first failure. A union reports the variant that got furthest: whose
 * failure lies deepest (so a paragraph with over-long text names the text, not the 33 other
 * block types), then which passed more keys first (so `{property: "object", value: "x"}` names
 * `value`); when several tie it lists them all after "Fix one:" — the observed behaviour for
 * parents, block types, rich-text items and filter conditions. Optional and nullable fields say so
 * ("should be a number or `undefined`"), as Notion's messages do.
 */
import { NotionError, unsupported, validationError } from "./errors.ts";

export type Seg = string | number;
export type Path = readonly Seg[];

export interface Issue {
  path: Path;
  /** e.g. "should be defined", "should be ≤ `2000`" */
  rule: string;
  /** Already formatted, e.g. "`undefined`" or "`2001`". */
  actual: string;
}

export type Failure =
  & (
    | { kind: "issue"; issue: Issue }
    | { kind: "anyOf"; issues: Issue[] }
    | { kind: "unsupported"; what: string }
  )
  & {
    /** Keys of the enclosing object that passed before this failure: how far a variant got. */
    progress?: number;
  };

export interface Spec {
  readonly optional: boolean;
  check(value: unknown, path: Path): Failure | null;
}

export interface Mods {
  optional?: boolean;
  nullable?: boolean;
}

const MAX_SHOWN = 55;

/** How Notion quotes the offending value: JSON, cut after 55 characters. */
export function shown(value: unknown): string {
  if (value === undefined) return "`undefined`";
  const text = JSON.stringify(value) ?? String(value);
  return "`" + (text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN) + "..." : text) + "`";
}

export function formatPath(root: string, path: Path): string {
  return root + path.map((s) => typeof s === "number" ? `[${s}]` : `.${s}`).join("");
}

/** "a", "a or b", "a, b, or c" */
export function alternatives(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  if (items.length === 2) return `${items[0]} or ${items[1]}`;
  return `${items.slice(0, -1).join(", ")}, or ${items[items.length - 1]}`;
}

export const issue = (path: Path, rule: string, actual: string): Failure => ({
  kind: "issue",
  issue: { path, rule, actual },
});

function expected(base: string[], mods: Mods): string {
  const all = [...base];
  if (mods.nullable) all.push("`null`");
  if (mods.optional) all.push("`undefined`");
  return `should be ${alternatives(all)}`;
}

/** A primitive: `test` decides, `what` names it ("a string"), extra limits run after. */
function primitive(
  what: string[],
  test: (v: unknown) => boolean,
  mods: Mods,
  extra?: (v: unknown, path: Path) => Failure | null,
): Spec {
  return {
    optional: !!mods.optional,
    check(value, path) {
      if (value === undefined && mods.optional) return null;
      if (value === null && mods.nullable) return null;
      if (!test(value)) return issue(path, expected(what, mods), shown(value));
      return extra?.(value, path) ?? null;
    },
  };
}

const maxLength = (max: number | undefined) => (v: unknown, path: Path): Failure | null =>
  max !== undefined && (v as string).length > max
    ? issue([...path, "length"], `should be ≤ \`${max}\``, `\`${(v as string).length}\``)
    : null;

export const str = (mods: Mods & { max?: number } = {}): Spec =>
  primitive(["a string"], (v) => typeof v === "string", mods, maxLength(mods.max));

export const num = (mods: Mods & { max?: number; min?: number } = {}): Spec =>
  primitive(["a number"], (v) => typeof v === "number" && Number.isFinite(v), mods, (v, path) => {
    const n = v as number;
    if (mods.max !== undefined && n > mods.max) {
      return issue(path, expected([`≤ \`${mods.max}\``], mods), shown(n));
    }
    if (mods.min !== undefined && n < mods.min) {
      return issue(path, expected([`≥ \`${mods.min}\``], mods), shown(n));
    }
    return null;
  });

export const bool = (mods: Mods = {}): Spec =>
  primitive(["a boolean"], (v) => typeof v === "boolean", mods);

/** One of fixed values: should be `"a"`, `"b"`, or `undefined`. */
export const oneOf = (values: readonly (string | boolean)[], mods: Mods = {}): Spec =>
  primitive(
    values.map((v) => `\`${JSON.stringify(v)}\``),
    (v) => values.includes(v as string),
    mods,
  );

export const literal = (value: string | boolean, mods: Mods = {}): Spec => oneOf([value], mods);

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);

export const uuid = (mods: Mods = {}): Spec => primitive(["a valid uuid"], isUuid, mods);

/** ISO 8601 date or date-time, as Notion's date values and filters take them. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
export const isIsoDate = (v: unknown): v is string =>
  typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v));

export const isoDate = (mods: Mods = {}): Spec =>
  primitive(["a valid ISO 8601 date string"], isIsoDate, mods);

export const emptyObject = (mods: Mods = {}): Spec => obj({}, mods);

export function arr(item: Spec, mods: Mods & { max?: number } = {}): Spec {
  return {
    optional: !!mods.optional,
    check(value, path) {
      if (value === undefined && mods.optional) return null;
      if (value === null && mods.nullable) return null;
      if (!Array.isArray(value)) return issue(path, expected(["an array"], mods), shown(value));
      if (mods.max !== undefined && value.length > mods.max) {
        return issue([...path, "length"], `should be ≤ \`${mods.max}\``, `\`${value.length}\``);
      }
      for (let i = 0; i < value.length; i++) {
        const f = item.check(value[i], [...path, i]);
        if (f) return f;
      }
      return null;
    },
  };
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An object with exactly these keys: missing required ones and stray ones are failures. */
export function obj(fields: Record<string, Spec>, mods: Mods = {}): Spec {
  return {
    optional: !!mods.optional,
    check(value, path) {
      if (value === undefined && mods.optional) return null;
      if (value === null && mods.nullable) return null;
      if (!isPlainObject(value)) return issue(path, expected(["an object"], mods), shown(value));
      let progress = 0;
      for (const [key, spec] of Object.entries(fields)) {
        const v = value[key];
        if (v === undefined && !spec.optional) {
          return { ...issue([...path, key], "should be defined", "`undefined`"), progress };
        }
        const f = spec.check(v, [...path, key]);
        if (f) return { ...f, progress };
        if (v !== undefined) progress++;
      }
      for (const key of Object.keys(value)) {
        if (!(key in fields) && value[key] !== undefined) {
          return { ...issue([...path, key], "should be not present", shown(value[key])), progress };
        }
      }
      return null;
    },
  };
}

/** A map of arbitrary keys (page properties, schema properties) to one spec. */
export function record(valueSpec: Spec, mods: Mods = {}): Spec {
  return {
    optional: !!mods.optional,
    check(value, path) {
      if (value === undefined && mods.optional) return null;
      if (!isPlainObject(value)) return issue(path, expected(["an object"], mods), shown(value));
      for (const [key, v] of Object.entries(value)) {
        const f = valueSpec.check(v, [...path, key]);
        if (f) return f;
      }
      return null;
    },
  };
}

/** How far a variant got: deeper failures first, then more keys passed on the way. */
const reach = (f: Failure): number =>
  (f.kind === "unsupported"
      ? Infinity
      : f.kind === "issue"
      ? f.issue.path.length
      : Math.max(...f.issues.map((i) => i.path.length))) * 1000 + (f.progress ?? 0);

/** Any one of the variants; see the module comment for which failure is reported. */
export function union(variants: Spec[], mods: Mods = {}): Spec {
  return {
    optional: !!mods.optional,
    check(value, path) {
      if (value === undefined && mods.optional) return null;
      if (value === null && mods.nullable) return null;
      const failures: Failure[] = [];
      for (const v of variants) {
        const f = v.check(value, path);
        if (!f) return null;
        failures.push(f);
      }
      const furthest = Math.max(...failures.map(reach));
      const kept = failures.filter((f) => reach(f) === furthest);
      if (kept.length === 1) return { ...kept[0]!, progress: 0 };
      const issues: Issue[] = [];
      for (const f of kept) {
        for (const i of f.kind === "issue" ? [f.issue] : f.kind === "anyOf" ? f.issues : []) {
          const line = render("body", i);
          if (!issues.some((seen) => render("body", seen) === line)) issues.push(i);
        }
      }
      // Variants that fail alike (a string where each wants an object) are one complaint.
      return issues.length === 1 ? { kind: "issue", issue: issues[0]! } : { kind: "anyOf", issues };
    },
  };
}

/** A spec for something Notion accepts but the sandbox does not model. */
export function unsupportedIfPresent(key: string, what: string): Spec {
  return {
    optional: false,
    check(value, path) {
      if (!isPlainObject(value)) return issue(path, "should be an object", shown(value));
      if (value[key] === undefined) {
        return issue([...path, key], "should be defined", "`undefined`");
      }
      return { kind: "unsupported", what };
    },
  };
}

/** Wraps a check with a custom one (run only when the base passes). */
export function refine(base: Spec, more: (value: unknown, path: Path) => Failure | null): Spec {
  return {
    optional: base.optional,
    check(value, path) {
      return base.check(value, path) ?? (value === undefined ? null : more(value, path));
    },
  };
}

export type Root = "body" | "path" | "query";

const render = (root: Root, i: Issue) =>
  `${formatPath(root, i.path)} ${i.rule}, instead was ${i.actual}.`;

/** The NotionError for a failure, in Notion's words. */
export function toError(root: Root, f: Failure): NotionError {
  if (f.kind === "unsupported") return unsupported(f.what);
  if (f.kind === "issue") {
    return validationError(`${root} failed validation: ${render(root, f.issue)}`);
  }
  return validationError(
    `${root} failed validation. Fix one:\n${f.issues.map((i) => render(root, i)).join("\n")}`,
  );
}

/** Validates and narrows, throwing Notion's validation_error. */
export function validate<T>(root: Root, spec: Spec, value: unknown): T {
  const f = spec.check(value, []);
  if (f) throw toError(root, f);
  return value as T;
}

/** An optional field Notion takes but the sandbox does not model: refused by name when given. */
export function unsupportedField(what: string): Spec {
  return {
    optional: true,
    check: (value) => value === undefined ? null : { kind: "unsupported", what },
  };
}
