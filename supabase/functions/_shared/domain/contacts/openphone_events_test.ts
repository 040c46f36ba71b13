import assert from "node:assert/strict";
import { readContactEvent } from "./openphone_events.ts";

Deno.test("readContactEvent(): OpenPhone's contact → name, company, E.164 phones, lower-cased emails", () => {
  const e = readContactEvent({
    id: 7,
    external_contact_id: "CT123",
    event_type: "contact.updated",
    event_created_at: "2026-11-29T10:00:00.000Z",
    contact: {
      id: "CT123",
      defaultFields: {
        firstName: "Grace",
        lastName: " Hopper",
        company: "Navy",
        phoneNumbers: [{ name: "mobile", value: "555-010-0123" }, { value: "+15550100123" }, {
          value: "x",
        }],
        emails: [{ value: "Grace@Navy.MIL" }],
      },
    },
  });
  assert.deepEqual(e, {
    id: 7,
    external_contact_id: "CT123",
    event_type: "contact.updated",
    name: "Grace Hopper",
    company: "Navy",
    phones: ["+15550100123"],
    emails: ["grace@navy.mil"],
    event_created_at: "2026-11-29T10:00:00.000Z",
  });
  const deleted = readContactEvent({
    id: 8,
    external_contact_id: "CT9",
    event_type: "contact.deleted",
    event_created_at: null,
    contact: null,
  });
  assert.deepEqual([deleted.name, deleted.phones, deleted.emails], [null, [], []]);
});
