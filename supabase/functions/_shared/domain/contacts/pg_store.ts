/** The contacts mirror in Postgres (migration 20261129003100): one statement per method. */
import type { Sql } from "../../platform/db.ts";
import type { ContactEventRow } from "./openphone_events.ts";
import type { ContactMatch, ContactsStore } from "./ports.ts";

const CURSOR_SOURCE = "notion_contacts";
const iso = (ms: number) => new Date(ms).toISOString();

export function createContactsStore(sql: Sql): ContactsStore {
  return {
    async match(phone, nowMs) {
      const [row] = await sql<{ m: ContactMatch }[]>`
        select switchboard.match_contact(${phone}, ${iso(nowMs)}::timestamptz) as m`;
      return row!.m;
    },
    async upsertContacts(dataSourceId, contacts, nowMs) {
      if (contacts.length === 0) return 0;
      const [row] = await sql<{ n: number }[]>`
        select switchboard.upsert_contacts(${dataSourceId}, ${sql.json(contacts as never)},
          ${iso(nowMs)}::timestamptz) as n`;
      return row!.n;
    },
    async recordLookup(phone, pageIds, nowMs, outcome) {
      await sql`select switchboard.record_contact_lookup(${phone}, ${pageIds}::text[],
        ${iso(nowMs)}::timestamptz, ${outcome ?? null})`;
    },
    async releaseLookup(phone, claimedAtMs) {
      await sql`select switchboard.release_contact_lookup(${phone}, ${
        iso(claimedAtMs)
      }::timestamptz)`;
    },
    async openphoneName(phone) {
      const [row] = await sql<{ name: string | null }[]>`
        select switchboard.openphone_contact_name(${phone}) as name`;
      return row?.name ?? null;
    },
    async settings() {
      const [row] = await sql<{ lookup: number; full: number; create: boolean }[]>`
        select extract(epoch from lookup_interval)::float8 * 1000 as lookup,
          extract(epoch from full_sync_interval)::float8 * 1000 as full,
          create_unknown_contacts as create
        from switchboard.contacts_settings`;
      return {
        lookupIntervalMs: row?.lookup ?? 3_600_000,
        fullSyncIntervalMs: row?.full ?? 86_400_000,
        createUnknownContacts: row?.create ?? false,
      };
    },
    async loadCursor(dataSourceId) {
      const [row] = await sql<{ cursor: unknown }[]>`
        select cursor from switchboard.sync_cursors
        where source = ${CURSOR_SOURCE} and scope = ${dataSourceId}`;
      return row?.cursor ?? null;
    },
    async saveCursor(dataSourceId, cursor) {
      await sql`select switchboard.save_cursor(${CURSOR_SOURCE}, ${dataSourceId}, ${
        sql.json(cursor as never)
      })`;
    },
    async sweep(dataSourceId, passStartedAt, nowMs) {
      const [row] = await sql<{ n: number }[]>`
        select switchboard.sweep_contacts(${dataSourceId}, ${passStartedAt}::timestamptz,
          ${iso(nowMs)}::timestamptz) as n`;
      return row!.n;
    },
    async pendingEvents(limit) {
      const rows = await sql<(Omit<ContactEventRow, "event_created_at"> & { at: Date | null })[]>`
        select id::float8 as id, external_contact_id, event_type, contact,
          event_created_at as at
        from switchboard.contact_events where processed_at is null order by id limit ${limit}`;
      return rows.map(({ at, ...r }) => ({
        ...r,
        id: Number(r.id),
        event_created_at: at?.toISOString() ?? null,
      }));
    },
    async applyEvents(events, nowMs) {
      if (events.length === 0) return 0;
      const [row] = await sql<{ n: number }[]>`
        select switchboard.apply_contact_events(${sql.json(events as never)},
          ${iso(nowMs)}::timestamptz) as n`;
      return row!.n;
    },
  };
}
