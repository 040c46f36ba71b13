/**
 * OpenPhone contact.updated / contact.deleted events (switchboard.contact_events) → what
 * switchboard.apply_contact_events takes: the contact's name, company and phones in E.164.
 * OpenPhone's contact: {id, defaultFields: {firstName, lastName, company, emails: [{value}],
 * phoneNumbers: [{value}]}, …}; anything missing or odd is read as empty.
 */
import type { CountryCode } from "libphonenumber-js";
import { normalizeEmails, normalizePhones } from "./normalize.ts";

export interface ContactEventRow {
  id: number;
  external_contact_id: string;
  event_type: string;
  contact: unknown;
  event_created_at: string | null;
}

export interface AppliedContactEvent {
  id: number;
  external_contact_id: string;
  event_type: string;
  name: string | null;
  company: string | null;
  phones: string[];
  emails: string[];
  event_created_at: string | null;
}

export function readContactEvent(
  row: ContactEventRow,
  defaultCountry: CountryCode = "US",
): AppliedContactEvent {
  const c = obj(row.contact);
  const f = obj(c.defaultFields);
  const values = (list: unknown) =>
    Array.isArray(list)
      ? list.map((i) => str(obj(i).value) ?? (typeof i === "string" ? i : null))
      : [];
  const name = [str(f.firstName), str(f.lastName)].filter(Boolean).join(" ").trim();
  return {
    id: row.id,
    external_contact_id: row.external_contact_id,
    event_type: row.event_type,
    name: name || null,
    company: str(f.company),
    phones: normalizePhones(values(f.phoneNumbers), defaultCountry),
    emails: normalizeEmails(values(f.emails)),
    event_created_at: row.event_created_at,
  };
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() ? v.trim() : null;
}
