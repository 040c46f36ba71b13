import assert from "node:assert/strict";
import type { MirrorContact } from "./page.ts";
import type { ContactMatch, ContactsDirectory, ContactsStore } from "./ports.ts";
import { resolveContact } from "./resolve.ts";

const HOUR = 3_600_000;

/** An in-memory store with match_contact's rules (the SQL is tested by pgTAP). */
function fakeStore(createUnknown = false) {
  const contacts = new Map<string, MirrorContact>();
  const lookups = new Map<string, { at: number; outcome: string }>();
  const store: ContactsStore = {
    match(phone, nowMs): Promise<ContactMatch> {
      const c = [...contacts.values()].filter((x) => !x.in_trash && x.phones.includes(phone));
      const candidates = c.map((x) => ({ page_id: x.page_id, name: x.name }));
      if (c.length === 1) {
        return Promise.resolve({ status: "matched", page_id: c[0]!.page_id, candidates });
      }
      if (c.length > 1) return Promise.resolve({ status: "ambiguous", page_id: null, candidates });
      const l = lookups.get(phone);
      if (l && l.at > nowMs - HOUR) {
        return Promise.resolve({ status: "unknown", page_id: null, candidates: [] });
      }
      lookups.set(phone, { at: nowMs, outcome: "pending" });
      return Promise.resolve({ status: "lookup_needed", page_id: null, candidates: [] });
    },
    upsertContacts(_ds, list) {
      for (const c of list) contacts.set(c.page_id, c);
      return Promise.resolve(list.length);
    },
    recordLookup(phone, ids, _now, outcome) {
      lookups.get(phone)!.outcome = outcome ?? (ids.length ? "found" : "missing");
      return Promise.resolve();
    },
    releaseLookup(phone, at) {
      if (lookups.get(phone)?.at === at) lookups.delete(phone);
      return Promise.resolve();
    },
    openphoneName: () => Promise.resolve("Known To OpenPhone"),
    settings: () =>
      Promise.resolve({
        lookupIntervalMs: HOUR,
        fullSyncIntervalMs: 24 * HOUR,
        createUnknownContacts: createUnknown,
      }),
    loadCursor: () => Promise.resolve(null),
    saveCursor: () => Promise.resolve(),
    sweep: () => Promise.resolve(0),
    pendingEvents: () => Promise.resolve([]),
    applyEvents: () => Promise.resolve(0),
  };
  return { store, contacts, lookups };
}

function contact(id: string, phones: string[], name = id): MirrorContact {
  return {
    page_id: id,
    name,
    phones,
    emails: [],
    company: null,
    openphone_id: null,
    last_edited_time: "2026-11-29T10:00:00.000Z",
    in_trash: false,
  };
}

function fakeDirectory(inNotion: MirrorContact[], fail = false) {
  const calls = { find: 0, create: [] as { name: string; phone: string }[] };
  const directory: ContactsDirectory = {
    dataSourceId: "ds",
    listPage: () => Promise.resolve({ contacts: [], nextCursor: null }),
    findByPhone(e164) {
      calls.find++;
      if (fail) return Promise.reject(new Error("Notion down"));
      return Promise.resolve(inNotion.filter((c) => c.phones.includes(e164)));
    },
    createContact(c) {
      calls.create.push(c);
      return Promise.resolve(contact("new-page", [c.phone], c.name));
    },
  };
  return { directory, calls };
}

Deno.test("resolveContact(): a mirrored contact needs no Notion request; several are ambiguous", async () => {
  const { store, contacts } = fakeStore();
  contacts.set("a", contact("a", ["+15550100123"]));
  contacts.set("b", contact("b", ["+15550100777"], "Bea"));
  contacts.set("c", contact("c", ["+15550100777"], "Cy"));
  const { directory, calls } = fakeDirectory([]);
  const deps = { store, directory, now: () => 0 };
  const one = await resolveContact(deps, "555-010-0123");
  assert.deepEqual([one.status, one.page_id, one.lookedUp], ["matched", "a", false]);
  const two = await resolveContact(deps, "+15550100777");
  assert.equal(two.status, "ambiguous");
  assert.equal(two.page_id, null);
  assert.deepEqual(two.candidates.map((c) => c.name), ["Bea", "Cy"]);
  assert.equal(calls.find, 0);
  assert.equal((await resolveContact(deps, "not a number")).status, "unknown");
});

Deno.test("resolveContact(): a miss makes one query, found pages join the mirror; a second miss within the hour makes none", async () => {
  const { store, contacts } = fakeStore();
  let t = 1_000_000;
  const { directory, calls } = fakeDirectory([contact("late", ["+15550100321"], "Late")]);
  const deps = { store, directory, now: () => t };
  const found = await resolveContact(deps, "+15550100321");
  assert.deepEqual([found.status, found.page_id, found.lookedUp], ["matched", "late", true]);
  assert.ok(contacts.has("late"));

  const miss = await resolveContact(deps, "+15550100999");
  assert.deepEqual([miss.status, miss.lookedUp, miss.created], ["unknown", true, false]);
  t += HOUR - 1;
  assert.equal((await resolveContact(deps, "+15550100999")).lookedUp, false);
  assert.equal(calls.find, 2);
  t += 2;
  assert.equal(
    (await resolveContact(deps, "+15550100999")).lookedUp,
    true,
    "an hour later: looked up again",
  );
  assert.equal(calls.create.length, 0, "creating contacts is off by default");
});

Deno.test("resolveContact(): a failed lookup releases its claim and throws", async () => {
  const { store, lookups } = fakeStore();
  const { directory } = fakeDirectory([], true);
  await assert.rejects(
    resolveContact({ store, directory, now: () => 5 }, "+15550100999"),
    /Notion down/,
  );
  assert.equal(lookups.size, 0);
});

Deno.test("resolveContact(): unknown caller with create_unknown_contacts: one new page, named as OpenPhone knows", async () => {
  const { store, contacts } = fakeStore(true);
  const { directory, calls } = fakeDirectory([]);
  const r = await resolveContact({ store, directory, now: () => 5 }, "+15550100999", {
    name: "  ",
  });
  assert.deepEqual([r.status, r.page_id, r.created], ["matched", "new-page", true]);
  assert.deepEqual(calls.create, [{ name: "Known To OpenPhone", phone: "+15550100999" }]);
  assert.ok(contacts.has("new-page"));
  const named = await resolveContact(
    { store: fakeStore(true).store, directory, now: () => 5 },
    "+15550100998",
    { name: "Caller Name" },
  );
  assert.equal(named.created, true);
  assert.equal(calls.create[1]!.name, "Caller Name");
});
