/**
 * v1 list pagination: `{data, totalItems, nextPageToken}`; the next page is requested with
 * `?pageToken=<nextPageToken>`.
 *
 * Tokens are opaque keyset cursors (the last item's sort key) bound to the query that produced
 * them, so items created while a client pages do not shift pages, and a token replayed against
 * different filters is rejected. Deliberate strictness:
 *
 * - a full page always carries a token, even when nothing follows, so the last page can be
 *   empty (clients must stop on `nextPageToken === null`, not on a short page);
 * - `totalItems` is documented as inaccurate; the fake reports the number of items on the
 *   page, so a client that stops when it has "seen totalItems" stops too early in tests.
 */
import type { ValidationIssue } from "./errors.ts";

export interface Page<T> {
  data: T[];
  totalItems: number;
  nextPageToken: string | null;
}

interface Cursor {
  /** Sort time of the last item returned. */
  t: number;
  /** Its id, to break ties. */
  i: string;
  /** Fingerprint of the query the token belongs to. */
  q: string;
}

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(
    /\//g,
    "_",
  ).replace(/=+$/, "");

function unb64url(s: string): string | null {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** A stable fingerprint of the filters (everything but paging parameters). */
export function queryFingerprint(params: URLSearchParams): string {
  const pairs = [...params.entries()]
    .filter(([k]) => k !== "pageToken" && k !== "maxResults")
    .map(([k, v]) => `${k.replace(/\[\]$/, "")}=${v}`)
    .sort();
  return pairs.join("&");
}

export type Keyed<T> = { item: T; t: number; id: string };

/**
 * Pages through `items` (already filtered), newest first. Returns the page, or the validation
 * issue for a token that is malformed or belongs to another query.
 */
export function paginate<T, R>(
  items: Keyed<T>[],
  opts: { maxResults: number; pageToken: string | undefined; fingerprint: string },
  render: (item: T) => R,
): Page<R> | ValidationIssue {
  const sorted = [...items].sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  let start = 0;
  if (opts.pageToken !== undefined) {
    const decoded = unb64url(opts.pageToken);
    let cursor: Cursor | null = null;
    try {
      cursor = decoded ? JSON.parse(decoded) as Cursor : null;
    } catch {
      cursor = null;
    }
    if (
      !cursor || typeof cursor.t !== "number" || typeof cursor.i !== "string" ||
      cursor.q !== opts.fingerprint
    ) {
      return {
        path: "/pageToken",
        message: "Invalid page token",
        value: opts.pageToken,
        schema: { type: "string" },
      };
    }
    const c = cursor;
    start = sorted.findIndex((x) => x.t < c.t || (x.t === c.t && x.id < c.i));
    if (start === -1) start = sorted.length;
  }
  const slice = sorted.slice(start, start + opts.maxResults);
  const last = slice[slice.length - 1];
  const full = slice.length === opts.maxResults;
  return {
    data: slice.map((x) => render(x.item)),
    totalItems: slice.length,
    nextPageToken: full && last
      ? b64url(JSON.stringify({ t: last.t, i: last.id, q: opts.fingerprint }))
      : null,
  };
}
