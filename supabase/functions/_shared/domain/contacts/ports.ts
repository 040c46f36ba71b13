/**
 * The two ports contact matching and the mirror's sync work through: the Notion Contacts data
 * source (adapters/notion/contacts.ts) and the mirror in Postgres (pg_store.ts). Fakes of both
 * make the logic testable without either.
 */
import type { MirrorContact } from "./page.ts";
import type { AppliedContactEvent, ContactEventRow } from "./openphone_events.ts";

export type MatchStatus = "matched" | "ambiguous" | "unknown" | "lookup_needed";

export interface ContactCandidate {
  page_id: string;
  name: string | null;
}

/** switchboard.match_contact's answer. */
export interface ContactMatch {
  status: MatchStatus;
  /** The contact page when matched; null otherwise. */
  page_id: string | null;
  /** matched: the one contact; ambiguous: every candidate (by name); otherwise empty. */
  candidates: ContactCandidate[];
}

/** The Notion Contacts data source, in domain terms. */
export interface ContactsDirectory {
  readonly dataSourceId: string;
  /** One page of live contacts: all of them, or those edited on or after `editedSince`. */
  listPage(
    q: { editedSince: string | null; startCursor: string | null },
  ): Promise<{ contacts: MirrorContact[]; nextCursor: string | null }>;
  /** ONE query: the contacts whose Phone or Other Phones hold this number (any written form). */
  findByPhone(e164: string): Promise<MirrorContact[]>;
  /** A new contact page with this name and number. */
  createContact(c: { name: string; phone: string }): Promise<MirrorContact>;
}

export interface ContactsSettings {
  lookupIntervalMs: number;
  fullSyncIntervalMs: number;
  createUnknownContacts: boolean;
}

/** The mirror in Postgres: one SQL statement per method. */
export interface ContactsStore {
  match(phoneE164: string, nowMs: number): Promise<ContactMatch>;
  upsertContacts(dataSourceId: string, contacts: MirrorContact[], nowMs: number): Promise<number>;
  recordLookup(
    phoneE164: string,
    pageIds: string[],
    nowMs: number,
    outcome?: "created",
  ): Promise<void>;
  releaseLookup(phoneE164: string, claimedAtMs: number): Promise<void>;
  openphoneName(phoneE164: string): Promise<string | null>;
  settings(): Promise<ContactsSettings>;
  loadCursor(dataSourceId: string): Promise<unknown>;
  saveCursor(dataSourceId: string, cursor: unknown): Promise<void>;
  sweep(dataSourceId: string, passStartedAt: string, nowMs: number): Promise<number>;
  pendingEvents(limit: number): Promise<ContactEventRow[]>;
  applyEvents(events: AppliedContactEvent[], nowMs: number): Promise<number>;
}
