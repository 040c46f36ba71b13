/**
 * Notion's cursor pagination: `{object: "list", results, next_cursor, has_more, type, <type>: {}}`.
 * A cursor is the id of the first item of the next page (Notion's cursors are such UUIDs);
 * `page_size` defaults to 100, at most 100, and 0 means the default.
 */
import { validationError } from "./errors.ts";
import { num, obj, type Root, type Spec, uuid, validate } from "./validation.ts";

export const DEFAULT_PAGE_SIZE = 100;

export const pageSizeSpec = (): Spec => num({ optional: true, max: 100, min: 0 });
export const cursorSpec = (): Spec => uuid({ optional: true });

/** `start_cursor` / `page_size` from a GET query string, checked as Notion's query validator does. */
export function pageParams(url: URL): { cursor?: string; size: number } {
  const raw: Record<string, unknown> = {};
  const cursor = url.searchParams.get("start_cursor");
  const size = url.searchParams.get("page_size");
  if (cursor !== null) raw.start_cursor = cursor;
  if (size !== null) raw.page_size = /^-?\d+(\.\d+)?$/.test(size) ? Number(size) : size;
  const v = validate<{ start_cursor?: string; page_size?: number }>(
    "query" satisfies Root,
    obj({ start_cursor: cursorSpec(), page_size: pageSizeSpec() }),
    raw,
  );
  return { ...(v.start_cursor ? { cursor: v.start_cursor } : {}), size: pageSize(v.page_size) };
}

export const pageSize = (n: number | undefined): number =>
  !n ? DEFAULT_PAGE_SIZE : Math.max(1, Math.floor(n));

export interface ListPage<T> {
  results: T[];
  next_cursor: string | null;
  has_more: boolean;
}

/** One page of `items` starting at the item whose id is `cursor`. */
export function paginate<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  cursor: string | undefined,
  size: number,
): ListPage<T> {
  let start = 0;
  if (cursor) {
    const want = cursor.replaceAll("-", "").toLowerCase();
    start = items.findIndex((i) => idOf(i).replaceAll("-", "") === want);
    if (start < 0) throw validationError(`The start_cursor provided is invalid: ${cursor}`);
  }
  const results = items.slice(start, start + size);
  const next = items[start + size];
  return { results, next_cursor: next ? idOf(next) : null, has_more: next !== undefined };
}

/** The list envelope with its `type` (block, page_or_data_source, …). */
export function listBody<T>(page: ListPage<T>, type: string): Record<string, unknown> {
  return { object: "list", ...page, type, [type]: {} };
}
