import assert from "node:assert/strict";
import type { MirrorContact } from "../_shared/domain/contacts/page.ts";
import type { ContactsDirectory, ContactsStore } from "../_shared/domain/contacts/ports.ts";
import { createLogger } from "../_shared/platform/log.ts";
import { parseMode } from "./handler.ts";
import { syncContacts } from "./sync.ts";

const silent = createLogger({}, { write: () => {} });
const DAY = 86_400_000;

function contact(id: string, edited: string): MirrorContact {
  return {
    page_id: id,
    name: id,
    phones: [],
    emails: [],
    company: null,
    openphone_id: null,
    last_edited_time: edited,
    in_trash: false,
  };
}

/** Notion with `pages` (3 contacts per query page), and a store that keeps the cursor. */
function world(pages: MirrorContact[]) {
  const queries: { editedSince: string | null; startCursor: string | null }[] = [];
  const directory: ContactsDirectory = {
    dataSourceId: "ds",
    listPage(q) {
      queries.push(q);
      const live = pages
        .filter((p) =>
          !q.editedSince || Date.parse(p.last_edited_time) >= Date.parse(q.editedSince)
        )
        .sort((a, b) => q.editedSince ? a.last_edited_time.localeCompare(b.last_edited_time) : 0);
      const from = q.startCursor ? Number(q.startCursor) : 0;
      const next = from + 3 < live.length ? String(from + 3) : null;
      return Promise.resolve({ contacts: live.slice(from, from + 3), nextCursor: next });
    },
    findByPhone: () => Promise.resolve([]),
    createContact: () => Promise.reject(new Error("not here")),
  };
  let cursor: unknown = null;
  const upserted: string[] = [];
  const sweeps: string[] = [];
  const applied: number[] = [];
  let events = [{
    id: 1,
    external_contact_id: "CT1",
    event_type: "contact.updated",
    contact: {},
    event_created_at: null,
  }];
  const store = {
    upsertContacts: (_ds: string, list: MirrorContact[]) => {
      upserted.push(...list.map((c) => c.page_id));
      return Promise.resolve(list.length);
    },
    settings: () =>
      Promise.resolve({
        lookupIntervalMs: 0,
        fullSyncIntervalMs: DAY,
        createUnknownContacts: false,
      }),
    loadCursor: () => Promise.resolve(cursor),
    saveCursor: (_ds: string, c: unknown) => {
      cursor = JSON.parse(JSON.stringify(c));
      return Promise.resolve();
    },
    sweep: (_ds: string, startedAt: string) => {
      sweeps.push(startedAt);
      return Promise.resolve(2);
    },
    pendingEvents: () => Promise.resolve(events),
    applyEvents: (list: { id: number }[]) => {
      applied.push(...list.map((e) => e.id));
      events = [];
      return Promise.resolve(list.length);
    },
  } as unknown as ContactsStore;
  return { directory, store, queries, upserted, sweeps, applied, cursor: () => cursor };
}

Deno.test("syncContacts(): a full pass cut by the budget resumes where it stopped, then sweeps once", async () => {
  const pages = Array.from({ length: 7 }, (_, i) => contact(`p${i}`, "2026-11-29T10:00:00.000Z"));
  const w = world(pages);
  let t = Date.parse("2026-11-29T12:00:30Z");
  // Each listPage costs 20 s of a 30 s budget: two pages per run.
  const now = () => t;
  const dir = {
    ...w.directory,
    listPage: (
      q: Parameters<ContactsDirectory["listPage"]>[0],
    ) => (t += 20_000, w.directory.listPage(q)),
  };
  const deps = {
    store: w.store,
    directory: dir,
    defaultCountry: "US" as const,
    now,
    budgetMs: 30_000,
    log: silent,
  };

  const first = await syncContacts(deps);
  assert.deepEqual([first.mode, first.pages, first.finished, first.events, first.removed], [
    "full",
    2,
    false,
    1,
    0,
  ]);
  assert.deepEqual(w.applied, [1], "contact events first");
  assert.equal(w.sweeps.length, 0, "no sweep before the pass ends");
  const second = await syncContacts(deps);
  assert.deepEqual([second.mode, second.pages, second.finished, second.removed], [
    "full",
    1,
    true,
    2,
  ]);
  assert.deepEqual(w.upserted, pages.map((p) => p.page_id), "every page once, in order");
  assert.deepEqual(w.sweeps, ["2026-11-29T12:00:30.000Z"], "swept against the pass's start");
  assert.deepEqual(w.queries.map((q) => q.startCursor), [null, "3", "6"]);
  assert.equal((w.cursor() as { since: string }).since, "2026-11-29T12:00:00.000Z");
});

Deno.test("syncContacts(): incremental passes read what was edited since the watermark, and move it", async () => {
  const pages = [
    contact("a", "2026-11-29T10:00:00.000Z"),
    contact("b", "2026-11-29T12:05:00.000Z"),
  ];
  const w = world(pages);
  let t = Date.parse("2026-11-29T12:00:30Z");
  const deps = {
    store: w.store,
    directory: w.directory,
    defaultCountry: "US" as const,
    now: () => t,
    budgetMs: 30_000,
    log: silent,
  };
  await syncContacts(deps);
  t += 10 * 60_000;
  const inc = await syncContacts(deps);
  assert.deepEqual([inc.mode, inc.contacts, inc.finished], ["incremental", 1, true]);
  assert.equal(w.queries.at(-1)!.editedSince, "2026-11-29T12:00:00.000Z");
  assert.equal((w.cursor() as { since: string }).since, "2026-11-29T12:05:00.000Z");
  const forced = await syncContacts({ ...deps, force: "full" });
  assert.equal(forced.mode, "full");
  assert.equal(w.queries.at(-1)!.editedSince, null);
});

Deno.test("parseMode(): {} lets the schedule decide; full/incremental force; anything else is refused", () => {
  assert.equal(parseMode({}), null);
  assert.equal(parseMode({ mode: "full" }), "full");
  assert.equal(parseMode({ mode: "incremental" }), "incremental");
  assert.throws(() => parseMode({ mode: "everything" }), /mode must be/);
});
