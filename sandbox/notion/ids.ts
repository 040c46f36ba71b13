/**
 * Notion ids: UUIDs, accepted with or without dashes and in any case, always answered dashed and
 * lowercase. Path ids that are not UUIDs fail as Notion's path validator does.
 */
import { validationError } from "./errors.ts";
import { isUuid, shown } from "./validation.ts";

/** The canonical (dashed, lowercase) form of a UUID given either way. */
export function canonicalId(raw: string): string {
  const hex = raw.replaceAll("-", "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

export const newId = (): string => crypto.randomUUID();

/** A path parameter: `path failed validation: path.page_id should be a valid uuid, …`. */
export function pathId(name: string, raw: string | undefined): string {
  if (!isUuid(raw)) {
    throw validationError(
      `path failed validation: path.${name} should be a valid uuid, instead was ${shown(raw)}.`,
    );
  }
  return canonicalId(raw);
}

const compact = (id: string) => id.replaceAll("-", "");

/** notion.so URL: a page's carries its title as a slug, like the real ones. */
export function notionUrl(id: string, title = ""): string {
  const slug = title.trim().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "");
  return `https://www.notion.so/${slug ? `${slug}-` : ""}${compact(id)}`;
}

/**
 * Property ids look like Notion's: a few URL-encoded characters ("%3AUPp"), except the title
 * property's, which is always "title".
 */
export function newPropertyId(taken: Set<string>): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:;<=>?@[]^_`{|}~";
  for (;;) {
    let raw = "";
    const bytes = crypto.getRandomValues(new Uint8Array(4));
    for (const b of bytes) raw += chars[b % chars.length];
    const id = encodeURIComponent(raw);
    if (!taken.has(id) && id !== "title") return id;
  }
}

/** Short ids for select/status options (Notion's are opaque strings too). */
export function newOptionId(): string {
  return crypto.randomUUID().slice(0, 8);
}
