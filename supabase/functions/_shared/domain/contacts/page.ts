/**
 * A Notion contact page → the mirror's row. Which property holds what comes from the property
 * map in switchboard.notion_settings (defaults below); a property may be missing or of another
 * type than expected: its text is read whatever its type, and what is not there stays empty.
 */
import type { CountryCode } from "libphonenumber-js";
import { normalizeEmails, normalizePhones } from "./normalize.ts";

/** Property names of the Contacts ("Canvas") data source. */
export interface ContactProperties {
  name: string;
  phone: string;
  other_phones: string;
  email: string;
  company: string;
  openphone_id: string;
}

export const DEFAULT_CONTACT_PROPERTIES: Readonly<ContactProperties> = Object.freeze({
  name: "Name",
  phone: "Phone",
  other_phones: "Other Phones",
  email: "Email",
  company: "Company",
  openphone_id: "OpenPhone ID",
});

/** The defaults with whatever names `map` overrides (unknown keys and non-strings ignored). */
export function contactProperties(map: unknown): ContactProperties {
  const out: ContactProperties = { ...DEFAULT_CONTACT_PROPERTIES };
  if (map && typeof map === "object") {
    for (const key of Object.keys(out) as (keyof ContactProperties)[]) {
      const v = (map as Record<string, unknown>)[key];
      const name = typeof v === "string" ? v : nameOf(v);
      if (name) out[key] = name;
    }
  }
  return out;
}

/** A map entry may be `"Phone"` or `{name: "Phone", type: "phone_number"}`. */
function nameOf(v: unknown): string | null {
  if (v && typeof v === "object" && typeof (v as { name?: unknown }).name === "string") {
    return (v as { name: string }).name || null;
  }
  return null;
}

/** One row of switchboard.contacts, as switchboard.upsert_contacts takes it. */
export interface MirrorContact {
  page_id: string;
  name: string | null;
  phones: string[];
  emails: string[];
  company: string | null;
  openphone_id: string | null;
  last_edited_time: string;
  in_trash: boolean;
}

/** The part of a Notion page object the mapping reads (the SDK's PageObjectResponse fits). */
export interface NotionPageLike {
  object?: string;
  id: string;
  last_edited_time: string;
  in_trash?: boolean;
  archived?: boolean;
  properties: Record<string, unknown>;
}

/** True for a full page object (query results may also hold partial pages or data sources). */
export function isPage(x: unknown): x is NotionPageLike {
  if (!x || typeof x !== "object") return false;
  const o = x as Record<string, unknown>;
  return (o.object === undefined || o.object === "page") && typeof o.id === "string" &&
    typeof o.last_edited_time === "string" && !!o.properties && typeof o.properties === "object";
}

export function pageToContact(
  page: NotionPageLike,
  props: ContactProperties,
  defaultCountry: CountryCode = "US",
): MirrorContact {
  const text = (name: string) => propertyText(page.properties[name]);
  return {
    page_id: page.id,
    name: emptyToNull(text(props.name)),
    phones: normalizePhones([text(props.phone), text(props.other_phones)], defaultCountry),
    emails: normalizeEmails([text(props.email)]),
    company: emptyToNull(text(props.company)),
    openphone_id: emptyToNull(text(props.openphone_id)),
    last_edited_time: page.last_edited_time,
    in_trash: page.in_trash === true || page.archived === true,
  };
}

function emptyToNull(s: string): string | null {
  const t = s.trim();
  return t ? t : null;
}

/** The plain text of a property value, whatever its type ("" when absent or empty). */
export function propertyText(value: unknown): string {
  if (!value || typeof value !== "object") return "";
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case "title":
    case "rich_text":
      return richText(v[v.type]);
    case "phone_number":
    case "email":
    case "url":
      return typeof v[v.type] === "string" ? v[v.type] as string : "";
    case "number":
      return typeof v.number === "number" ? String(v.number) : "";
    case "select":
    case "status": {
      const s = v[v.type] as { name?: unknown } | null;
      return s && typeof s.name === "string" ? s.name : "";
    }
    case "multi_select": {
      const list = Array.isArray(v.multi_select) ? v.multi_select : [];
      return list.map((o: { name?: unknown }) => typeof o?.name === "string" ? o.name : "")
        .filter(Boolean).join(", ");
    }
    default:
      return "";
  }
}

function richText(items: unknown): string {
  if (!Array.isArray(items)) return "";
  return items.map((i) => {
    if (!i || typeof i !== "object") return "";
    const r = i as { plain_text?: unknown; text?: { content?: unknown } };
    if (typeof r.plain_text === "string") return r.plain_text;
    return typeof r.text?.content === "string" ? r.text.content : "";
  }).join("");
}
