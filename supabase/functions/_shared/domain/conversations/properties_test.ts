import assert from "node:assert/strict";
import { DEFAULT_PROPERTY_MAP } from "../../adapters/notion/settings.ts";
import {
  contactLink,
  contactName,
  createProperties,
  propertyValue,
  sameContactLink,
  updateProperties,
} from "./properties.ts";

const map = DEFAULT_PROPERTY_MAP.conversations;

Deno.test("createProperties: every mapped property in Notion's request shapes", () => {
  const p = createProperties(map, {
    title: "Ada (+15550100001)",
    conversationKey: "PN1:+15550100001",
    ourNumber: "+15550100999",
    others: ["+15550100001"],
    contact: { status: "matched", pageIds: ["c1"], reviewNote: null },
    lastMessageAt: "2026-11-29T10:00:00.000Z",
    messageCount: 3,
  });
  assert.deepEqual(p["Name"], {
    title: [{ type: "text", text: { content: "Ada (+15550100001)" } }],
  });
  assert.deepEqual(p["Conversation ID"], {
    rich_text: [{ type: "text", text: { content: "PN1:+15550100001" } }],
  });
  assert.deepEqual(p["Our Number"], { phone_number: "+15550100999" });
  assert.deepEqual(p["Other Party"], { phone_number: "+15550100001" });
  assert.deepEqual(p["Contact"], { relation: [{ id: "c1" }] });
  assert.deepEqual(p["Last Message"], { date: { start: "2026-11-29T10:00:00.000Z" } });
  assert.deepEqual(p["Messages"], { number: 3 });
  assert.deepEqual(p["Needs Review"], { checkbox: false });
  assert.deepEqual(p["Review Note"], { rich_text: [] });
});

Deno.test("updateProperties: counts always, contact and title only when given; renamed properties", () => {
  const renamed = { ...map, message_count: { name: "Texts", type: "number" } };
  const u = updateProperties(renamed, { lastMessageAt: null, messageCount: 5 });
  assert.deepEqual(Object.keys(u).sort(), ["Last Message", "Texts"]);
  assert.deepEqual(u["Last Message"], { date: null });
  const c = updateProperties(map, {
    lastMessageAt: null,
    messageCount: 1,
    contact: { status: "ambiguous", pageIds: [], reviewNote: "x" },
    title: "T",
  });
  assert.deepEqual(c["Needs Review"], { checkbox: true });
  assert.ok(c["Name"]);
});

Deno.test("propertyValue: limits by construction (phone 200, rich text in 2,000-char items)", () => {
  assert.equal(
    (propertyValue("phone_number", Array.from({ length: 30 }, () => "+15550100001")) as {
      phone_number: string;
    }).phone_number.length,
    200,
  );
  const rt = propertyValue("rich_text", "z".repeat(4500)) as { rich_text: unknown[] };
  assert.equal(rt.rich_text.length, 3);
  assert.throws(() => propertyValue("formula", 1));
});

Deno.test("contactLink: matched → relation; ambiguous → review with every candidate; none guessed", () => {
  const matched = contactLink([{
    phone: "+1",
    status: "matched",
    pageId: "c1",
    candidates: [{ page_id: "c1", name: "Ada" }],
  }]);
  assert.deepEqual(matched, { status: "matched", pageIds: ["c1"], reviewNote: null });
  const amb = contactLink([{
    phone: "+15550100002",
    status: "ambiguous",
    pageId: null,
    candidates: [{ page_id: "b1", name: "Bea" }, { page_id: "c2", name: "Cy" }],
  }]);
  assert.equal(amb.status, "ambiguous");
  assert.deepEqual(amb.pageIds, []);
  assert.match(amb.reviewNote!, /\+15550100002 matches several contacts: Bea \(b1\), Cy \(c2\)/);
  assert.equal(
    contactLink([{ phone: "+1", status: "unknown", pageId: null, candidates: [] }]).status,
    "unknown",
  );
  assert.equal(
    contactName([{
      phone: "+1",
      status: "matched",
      pageId: "c1",
      candidates: [{ page_id: "c1", name: "Ada" }],
    }]),
    "Ada",
  );
  assert.equal(sameContactLink(matched, { ...matched }), true);
  assert.equal(sameContactLink(null, matched), false);
  assert.equal(sameContactLink(matched, amb), false);
});
