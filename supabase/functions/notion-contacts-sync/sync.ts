/**
 * One run of the contacts mirror's sync (see domain/contacts/sync_plan.ts for the passes):
 *   1. OpenPhone contact events waiting in switchboard.contact_events are applied (names, links);
 *   2. a full or incremental pass over the Contacts data source, a Notion page (100 contacts) at
 *      a time, each page upserted and the cursor saved, until the pass ends or the time budget
 *      is spent (the next run resumes from the cursor). A full pass that reaches its end marks
 *      the rows it did not see as gone.
 */
import type { CountryCode } from "libphonenumber-js";
import { readContactEvent } from "../_shared/domain/contacts/openphone_events.ts";
import type { ContactsDirectory, ContactsStore } from "../_shared/domain/contacts/ports.ts";
import {
  afterFullPass,
  afterPage,
  later,
  type PassPlan,
  planPass,
  readCursor,
} from "../_shared/domain/contacts/sync_plan.ts";
import type { Logger } from "../_shared/platform/log.ts";

export interface SyncDeps {
  store: ContactsStore;
  directory: ContactsDirectory;
  defaultCountry: CountryCode;
  now: () => number;
  budgetMs: number;
  log: Logger;
  /** Force a full or an incremental pass (else the schedule decides). */
  force?: "full" | "incremental" | null;
}

export interface SyncReport {
  mode: "full" | "incremental";
  events: number;
  pages: number;
  contacts: number;
  changed: number;
  removed: number;
  /** The pass reached its end (else the next run resumes it). */
  finished: boolean;
}

const EVENT_BATCH = 200;

export async function syncContacts(deps: SyncDeps): Promise<SyncReport> {
  const { store, directory } = deps;
  const start = deps.now();
  const timeLeft = () => deps.budgetMs - (deps.now() - start);

  let events = 0;
  while (timeLeft() > 0) {
    const rows = await store.pendingEvents(EVENT_BATCH);
    if (rows.length === 0) break;
    events += rows.length;
    await store.applyEvents(rows.map((r) => readContactEvent(r, deps.defaultCountry)), deps.now());
    if (rows.length < EVENT_BATCH) break;
  }

  const ds = directory.dataSourceId;
  const settings = await store.settings();
  let cursor = readCursor(await store.loadCursor(ds));
  let plan: PassPlan = planPass(
    cursor,
    deps.now(),
    settings.fullSyncIntervalMs,
    deps.force ?? null,
  );
  const report: SyncReport = {
    mode: plan.mode,
    events,
    pages: 0,
    contacts: 0,
    changed: 0,
    removed: 0,
    finished: false,
  };

  while (true) {
    const page = await directory.listPage({
      editedSince: plan.mode === "incremental" ? plan.since : null,
      startCursor: plan.startCursor,
    });
    report.pages++;
    report.contacts += page.contacts.length;
    report.changed += await store.upsertContacts(ds, page.contacts, deps.now());
    const newest = page.contacts.reduce<string | null>(
      (m, c) => later(m, c.last_edited_time),
      null,
    );
    cursor = afterPage(cursor, plan, page.nextCursor, newest);
    plan = plan.mode === "full"
      ? { ...plan, startCursor: page.nextCursor }
      : { ...plan, startCursor: page.nextCursor, maxSeen: later(plan.maxSeen, newest) };

    if (page.nextCursor === null) {
      if (plan.mode === "full") {
        report.removed = await store.sweep(ds, plan.startedAt, deps.now());
        cursor = afterFullPass(cursor, plan.startedAt, deps.now());
      }
      await store.saveCursor(ds, cursor);
      report.finished = true;
      break;
    }
    await store.saveCursor(ds, cursor);
    if (timeLeft() <= 0) break;
  }
  deps.log.info("Contacts sync pass", { ...report });
  return report;
}
