import assert from "node:assert/strict";
import {
  contactProperties,
  DEFAULT_CONTACT_PROPERTIES,
  isPage,
  pageToContact,
  propertyText,
} from "./page.ts";

const rt = (s: string) => [{ type: "text", text: { content: s }, plain_text: s }];

const page = {
  object: "page",
  id: "1f2e3d4c-0000-4000-8000-000000000001",
  last_edited_time: "2026-11-29T10:15:00.000Z",
  in_trash: false,
  properties: {
    Name: { id: "title", type: "title", title: rt("Ada ") },
    Phone: { id: "a", type: "phone_number", phone_number: "555-010-0123" },
    "Other Phones": { id: "b", type: "rich_text", rich_text: rt("+1 555 010 0199, 5550100123") },
    Email: { id: "c", type: "email", email: "Ada@Example.com" },
    Company: { id: "d", type: "rich_text", rich_text: rt("Analytical Engines") },
    "OpenPhone ID": { id: "e", type: "rich_text", rich_text: [] },
  },
};

Deno.test("pageToContact(): a page with the default properties", () => {
  assert.deepEqual(pageToContact(page, DEFAULT_CONTACT_PROPERTIES), {
    page_id: page.id,
    name: "Ada",
    phones: ["+15550100123", "+15550100199"],
    emails: ["ada@example.com"],
    company: "Analytical Engines",
    openphone_id: null,
    last_edited_time: "2026-11-29T10:15:00.000Z",
    in_trash: false,
  });
});

Deno.test("pageToContact(): renamed properties, missing ones, trash and archived", () => {
  const props = contactProperties({
    phone: "Mobile",
    other_phones: { name: "More", type: "rich_text" },
    bogus: 1,
  });
  assert.equal(props.phone, "Mobile");
  assert.equal(props.other_phones, "More");
  assert.equal(props.name, "Name");
  const c = pageToContact({
    id: "p2",
    last_edited_time: "2026-11-29T10:15:00.000Z",
    archived: true,
    properties: {
      Mobile: { type: "phone_number", phone_number: "+442079460018" },
      Name: { type: "title", title: [] },
    },
  }, props);
  assert.deepEqual([c.name, c.phones, c.emails, c.company, c.in_trash], [
    null,
    ["+442079460018"],
    [],
    null,
    true,
  ]);
  assert.equal(
    pageToContact({ ...page, in_trash: true }, DEFAULT_CONTACT_PROPERTIES).in_trash,
    true,
  );
});

Deno.test("propertyText() reads any property type's text; isPage() refuses partial objects", () => {
  assert.equal(propertyText({ type: "select", select: { name: "VIP" } }), "VIP");
  assert.equal(
    propertyText({ type: "multi_select", multi_select: [{ name: "a" }, { name: "b" }] }),
    "a, b",
  );
  assert.equal(propertyText({ type: "number", number: 5550100123 }), "5550100123");
  assert.equal(propertyText({ type: "phone_number", phone_number: null }), "");
  assert.equal(propertyText(undefined), "");
  assert.equal(isPage(page), true);
  assert.equal(isPage({ object: "page", id: "x" }), false);
  assert.equal(isPage({ ...page, object: "data_source" }), false);
});
