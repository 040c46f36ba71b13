import assert from "node:assert/strict";
import {
  assignIds,
  type ConversationMessage,
  conversationTitle,
  headerBlock,
  markerOf,
  mediaLinks,
  messageBlocks,
  NOTION_LIMITS,
  packBatch,
  scanMarkers,
  splitText,
} from "./blocks.ts";

const msg = (over: Partial<ConversationMessage> = {}): ConversationMessage => ({
  id: 1,
  external_id: "AC1",
  direction: "incoming",
  from_number: "+15550100001",
  to_numbers: ["+15550100999"],
  body: "Hello there",
  media: [],
  sent_at: "2026-11-29T10:00:00.000Z",
  ...over,
});

type Item = { type: string; text?: { content: string; link?: { url: string } | null } };
const items = (b: { paragraph: { rich_text: unknown[] } }) => b.paragraph.rich_text as Item[];
const textOf = (blocks: { paragraph: { rich_text: unknown[] } }[]) =>
  blocks.flatMap(items).map((i) => i.text?.content ?? "").join("");

Deno.test("splitText: pieces of at most 2,000, nothing lost, surrogate pairs kept whole", () => {
  const s = "a".repeat(1999) + "😀" + "b".repeat(3000);
  const parts = splitText(s);
  assert.equal(parts.join(""), s);
  for (const p of parts) assert.ok(p.length <= 2000);
  assert.ok(parts[0]!.endsWith("a"), "the emoji is not split");
  assert.deepEqual(splitText(""), [""]);
  // Prefers a break after whitespace near the end.
  const words = ("word ".repeat(500)).trim();
  assert.ok(splitText(words).every((p, i, all) => i === all.length - 1 || p.endsWith(" ")));
});

Deno.test("messageBlocks: one paragraph with time, direction, body and the marker", () => {
  const blocks = messageBlocks(msg());
  assert.equal(blocks.length, 1);
  const rt = items(blocks[0]!);
  assert.equal(rt[0]!.type, "mention");
  assert.match(textOf(blocks), /← from \+15550100001/);
  assert.match(textOf(blocks), /Hello there/);
  assert.equal(markerOf({ id: "b1", ...blocks[0]! } as never), "msg:AC1");
  const out = messageBlocks(
    msg({ direction: "outgoing", from_number: "+15550100999", to_numbers: ["+15550100001"] }),
  );
  assert.match(textOf(out), /→ to \+15550100001/);
});

Deno.test("messageBlocks: a long body respects 2,000 characters per item and 100 items per block", () => {
  const body = "x".repeat(250_000);
  const blocks = messageBlocks(msg({ body }));
  assert.ok(blocks.length >= 2);
  for (const b of blocks) {
    const rt = items(b);
    assert.ok(rt.length <= NOTION_LIMITS.richTextItems);
    for (const i of rt) assert.ok((i.text?.content.length ?? 0) <= 2000);
    assert.equal(markerOf({ id: "b", ...b } as never), "msg:AC1", "every block carries the marker");
  }
  assert.equal(textOf(blocks).replaceAll(/[^x]/g, "").length, body.length);
});

Deno.test("MMS media become links, never bytes; unusable URLs are named without a link", () => {
  const links = mediaLinks([
    { url: "https://media.example/a.jpg", type: "image/jpeg" },
    "https://media.example/b.png",
    { url: "javascript:alert(1)", type: "image/png" },
    { url: "https://x/" + "a".repeat(2100) },
    42,
  ]);
  assert.deepEqual(links.map((l) => l.url), [
    "https://media.example/a.jpg",
    "https://media.example/b.png",
    null,
    null,
  ]);
  const rt = items(
    messageBlocks(msg({ body: null, media: [{ url: "https://m/a.jpg", type: "image/jpeg" }] }))[0]!,
  );
  const linked = rt.find((i) => i.text?.link);
  assert.equal(linked?.text?.link?.url, "https://m/a.jpg");
  assert.equal(linked?.text?.content, "image/jpeg 1");
});

Deno.test("packBatch: whole messages in order, within 100 children; the header first", () => {
  const many = Array.from({ length: 150 }, (_, i) => msg({ id: i + 1, external_id: `AC${i + 1}` }));
  const packed = packBatch(many, {
    header: headerBlock(7, { ourNumber: "+1555", others: ["+1666"] }),
  });
  assert.equal(packed.children.length, 100);
  assert.equal(packed.messages.length, 99);
  assert.deepEqual(packed.messages.map((m) => m.id), Array.from({ length: 99 }, (_, i) => i + 1));
  assert.equal(markerOf({ id: "h", ...packed.children[0]! } as never), "conv:7");
  assert.equal(packBatch(many, { maxMessages: 3 }).messages.length, 3);
  // Payload budget: big messages split over requests.
  const big = Array.from(
    { length: 10 },
    (_, i) => msg({ id: i, external_id: `B${i}`, body: "y".repeat(150_000) }),
  );
  const p = packBatch(big);
  assert.ok(p.messages.length >= 1 && p.messages.length < 10);
  assert.ok(new TextEncoder().encode(JSON.stringify(p.children)).length <= 500_000);
});

Deno.test("assignIds splits the answer's ids back per message; a count mismatch says read the page", () => {
  const packed = packBatch([msg({ id: 1 }), msg({ id: 2, external_id: "AC2" })], {
    header: headerBlock(1, { ourNumber: null, others: ["+1"] }),
  });
  assert.deepEqual(assignIds(packed, ["h", "a", "b"]), {
    headerBlockId: "h",
    messages: [{ id: 1, blockIds: ["a"] }, { id: 2, blockIds: ["b"] }],
  });
  assert.equal(assignIds(packed, ["h", "a"]), null);
});

Deno.test("scanMarkers reads markers back from listed blocks (response shape, plain_text)", () => {
  const listed = [
    {
      id: "h",
      type: "paragraph",
      paragraph: { rich_text: [{ plain_text: "conv:3", annotations: { code: true } }] },
    },
    { id: "u", type: "paragraph", paragraph: { rich_text: [{ plain_text: "a note by hand" }] } },
    {
      id: "m1",
      type: "paragraph",
      paragraph: { rich_text: [{ plain_text: "msg:AC1", annotations: { code: true } }] },
    },
    {
      id: "m2",
      type: "paragraph",
      paragraph: { rich_text: [{ plain_text: "msg:AC1", annotations: { code: true } }] },
    },
    {
      id: "x",
      type: "paragraph",
      paragraph: { rich_text: [{ plain_text: "msg:AC9", annotations: { code: false } }] },
    },
  ];
  const s = scanMarkers(listed);
  assert.deepEqual(s.blocks.get("msg:AC1"), ["m1", "m2"]);
  assert.deepEqual(s.blocks.get("conv:3"), ["h"]);
  assert.equal(s.blocks.has("msg:AC9"), false, "only code-annotated markers count");
  assert.equal(s.lastMarkedBlockId, "m2");
  assert.equal(s.lastBlockId, "x");
});

Deno.test("conversationTitle: the contact's name, the number, or a group", () => {
  assert.equal(conversationTitle({ ourNumber: null, others: ["+1555"] }, "Ada"), "Ada (+1555)");
  assert.equal(conversationTitle({ ourNumber: null, others: ["+1555"] }, null), "+1555");
  assert.equal(conversationTitle({ ourNumber: null, others: ["+1", "+2"] }, null), "Group: +1, +2");
});
