/**
 * files.list ordering (`orderBy=createdTime desc,name`) and its page tokens.
 *
 * Pages are cut by key, not by offset: a token carries the sort key of the last file served, and
 * the next page starts after it. Files created or trashed between two pages therefore neither
 * shift nor repeat what the caller has already seen. A token is bound to the query and order it
 * came from; reused with another one it is refused (400 Invalid Value, location pageToken).
 */
import { badRequest, invalidValue } from "./errors.ts";
import { type DriveNode, FOLDER_MIME } from "./state.ts";

const KEYS = [
  "createdTime",
  "folder",
  "modifiedByMeTime",
  "modifiedTime",
  "name",
  "name_natural",
  "quotaBytesUsed",
  "recency",
  "sharedWithMeTime",
  "starred",
  "viewedByMeTime",
] as const;
type OrderKey = typeof KEYS[number];

export interface OrderTerm {
  key: OrderKey;
  desc: boolean;
}

export type SortKey = (string | number)[];

export function parseOrderBy(raw: string | null, fullText: boolean): OrderTerm[] {
  if (raw === null || raw.trim() === "") return [];
  if (fullText) {
    throw badRequest(
      "orderBy",
      "Sorting is not supported for queries with fullText terms. Results are always in " +
        "descending relevance order.",
    );
  }
  return raw.split(",").map((part) => {
    const m = /^\s*([A-Za-z_]+)(\s+(asc|desc))?\s*$/i.exec(part);
    const key = m?.[1] as OrderKey | undefined;
    if (!m || !key || !KEYS.includes(key)) throw invalidValue("orderBy");
    return { key, desc: m[3]?.toLowerCase() === "desc" };
  });
}

const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/**
 * One value per order term, then the creation sequence as the final tie-breaker (also the order
 * without orderBy). Times the principal has none of (viewed/modified/shared "by me") sort as 0.
 */
export function sortKey(node: DriveNode, order: OrderTerm[], sizeOf: () => number): SortKey {
  const values = order.map(({ key }): string | number => {
    switch (key) {
      case "createdTime":
        return node.createdTime;
      case "modifiedTime":
      case "recency":
        return node.modifiedTime;
      case "folder":
        return node.mimeType === FOLDER_MIME ? 0 : 1;
      case "name":
      case "name_natural":
        return node.name;
      case "quotaBytesUsed":
        return sizeOf();
      case "starred":
        return node.starred ? 0 : 1;
      case "modifiedByMeTime":
      case "sharedWithMeTime":
      case "viewedByMeTime":
        return 0;
    }
  });
  return [...values, node.seq];
}

export function compareKeys(a: SortKey, b: SortKey, order: OrderTerm[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const term = order[i];
    let c: number;
    if (typeof x === "number" && typeof y === "number") c = x - y;
    else if (term?.key === "name_natural") c = natural.compare(String(x), String(y));
    else {
      const lx = String(x).toLowerCase();
      const ly = String(y).toLowerCase();
      c = lx < ly ? -1 : lx > ly ? 1 : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    }
    if (c !== 0) return term?.desc ? -c : c;
  }
  return 0;
}

function fingerprint(parts: string[]): string {
  let h = 2166136261;
  for (const ch of parts.join("\u0000")) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36);
}

// Names in keys may be any Unicode: base64url over UTF-8, not btoa over the string.
function encode(o: unknown): string {
  const bin = String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o)));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(token: string): unknown {
  const bin = atob(token.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(
    Uint8Array.from(bin, (c) => c.charCodeAt(0)),
  ));
}

export function pageTokenFor(key: SortKey, bindTo: string[]): string {
  return encode({ h: fingerprint(bindTo), k: key });
}

/** The sort key a token resumes after; throws Invalid Value for a foreign or mangled token. */
export function resumeAfter(token: string, bindTo: string[], order: OrderTerm[]): SortKey {
  try {
    const parsed = decode(token) as { h?: unknown; k?: unknown };
    const k = parsed.k;
    if (
      parsed.h === fingerprint(bindTo) && Array.isArray(k) && k.length === order.length + 1 &&
      k.every((v) => typeof v === "string" || typeof v === "number")
    ) return k as SortKey;
  } catch {
    // fall through to the error
  }
  throw invalidValue("pageToken");
}
