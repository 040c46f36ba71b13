import assert from "node:assert/strict";
import { type Block, childrenOf, countBlocks, depth, jsonBytes } from "./blocks.ts";
import { buildCallPage, callKey } from "./call_page.ts";
import { NOTION_LIMITS, PACK_LIMITS } from "./limits.ts";
import { measure, nextBatch, planCreate } from "./pack.ts";
import { propertyValue } from "./properties.ts";
import { cleanText, richText, type RichTextItem, splitText } from "./rich_text.ts";
import { callInput, DEFAULT_CALL_MAP, SUMMARY, utterancesOf } from "./test_fixtures.ts";
import { transcriptUnits, turnUnits } from "./transcript.ts";

/** Every rich text array and text item in a block tree (for the limit checks). */
function walkText(blocks: readonly Block[], fn: (rt: RichTextItem[]) => void): void {
  for (const b of blocks) {
    const body = b[b.type] as { rich_text?: RichTextItem[] };
    if (body.rich_text) fn(body.rich_text);
    walkText(childrenOf(b), fn);
  }
}

function assertWithinLimits(children: Block[], extraBytes = 0): void {
  assert.ok(children.length <= NOTION_LIMITS.children, `${children.length} top-level blocks`);
  assert.ok(countBlocks(children) <= NOTION_LIMITS.blocksPerRequest, "blocks per request");
  assert.ok(depth(children) <= NOTION_LIMITS.nesting, "nesting");
  assert.ok(jsonBytes({ children }) + extraBytes <= NOTION_LIMITS.bytesPerRequest, "bytes");
  for (const b of children) assert.ok(childrenOf(b).length <= NOTION_LIMITS.children);
  walkText(children, (rt) => {
    assert.ok(rt.length <= NOTION_LIMITS.richTextItems, "rich text items");
    for (const i of rt) assert.ok(i.text.content.length <= NOTION_LIMITS.textChars, "text chars");
  });
}

/** The whole page as requests: the create's children, then each append's, in order. */
function requests(page: ReturnType<typeof buildCallPage>): Block[][] {
  const m = measure(page.transcript);
  const n = planCreate(page.properties, page.overview, m);
  const out = [[page.overview, ...page.transcript.slice(0, n)]];
  for (let from = n; from < page.transcript.length;) {
    const to = nextBatch(m, from);
    assert.ok(to > from);
    out.push(page.transcript.slice(from, to));
    from = to;
  }
  return out;
}

Deno.test("splitText: ≤ 2,000 per piece, nothing lost, pairs kept, spaces preferred", () => {
  const text = "word ".repeat(2000); // 10,000 characters
  const pieces = splitText(text);
  assert.deepEqual(pieces.join(""), text);
  assert.ok(pieces.every((p) => p.length <= 2000));
  assert.deepEqual(pieces.length, 5); // each window ends right after a space
  assert.ok(pieces.slice(0, -1).every((p) => p.endsWith(" ")));

  const emoji = "😀".repeat(3000); // 6,000 UTF-16 units, no spaces
  const e = splitText(emoji);
  assert.deepEqual(e.join(""), emoji);
  assert.ok(e.every((p) => p.length <= 2000 && p.isWellFormed()));
  assert.deepEqual(splitText(""), [""]);
});

Deno.test("cleanText / richText: control characters removed, items capped at 100", () => {
  assert.deepEqual(cleanText("a\u0000b\r\nc\u2028d\te"), "ab\ncd\te");
  const rt = richText("x".repeat(2000 * 150));
  assert.deepEqual(rt.length, 100);
  assert.ok(rt.every((i) => i.text.content.length <= 2000 && !i.text.link));
  assert.ok(rt[99]!.text.content.endsWith("…"));
});

Deno.test("a 10,000-character utterance: one toggle, its text in ≤ 2,000-character items", () => {
  const text = "Lorem ipsum dolor sit amet. ".repeat(358).slice(0, 10_000);
  const [u, ...rest] = turnUnits({ speaker: "A", speaker_name: "Dana", start_ms: 65_000, text });
  assert.deepEqual(rest, []);
  assert.deepEqual(u!.type, "toggle");
  const title = (u!.toggle as { rich_text: RichTextItem[] }).rich_text.map((i) => i.text.content)
    .join("");
  assert.deepEqual(title, "Dana · 1:05");
  const paras = childrenOf(u!);
  assert.deepEqual(paras.length, 1);
  const items = (paras[0]!.paragraph as { rich_text: RichTextItem[] }).rich_text;
  assert.ok(items.length >= 5 && items.every((i) => i.text.content.length <= 2000));
  assert.deepEqual(items.map((i) => i.text.content).join(""), text.trim());
  assert.deepEqual(depth([u!]), 2);
});

Deno.test("a 1,000,000-character turn continues in further toggles, each within a unit", () => {
  const text = "abcdefghij ".repeat(90_910);
  const units = turnUnits({ speaker: "B", speaker_name: "Sam", start_ms: 0, text });
  assert.ok(units.length > 5);
  units.forEach((u, i) => {
    assert.ok(jsonBytes(u) <= PACK_LIMITS.unitBytes, `unit ${i}: ${jsonBytes(u)} bytes`);
    assert.deepEqual(depth([u]), 2);
    const title = (u.toggle as { rich_text: RichTextItem[] }).rich_text.map((x) => x.text.content)
      .join("");
    assert.deepEqual(title.endsWith("(continued)"), i > 0);
  });
  const back = units.flatMap((u) =>
    childrenOf(u).flatMap((p) =>
      (p.paragraph as { rich_text: RichTextItem[] }).rich_text.map((x) => x.text.content)
    )
  ).join("");
  assert.deepEqual(back, text.trim());
});

Deno.test("3,000 utterances → thousands of blocks in ordered requests, each within every limit", () => {
  const page = buildCallPage(
    callInput({
      transcript: {
        status: "completed",
        utterances: utterancesOf(3000, (i) => `Turn ${i}: ${"blah ".repeat(i % 40)}`),
      },
    }),
    DEFAULT_CALL_MAP,
  );
  assert.deepEqual(page.transcript.length, 3001); // heading + one toggle per turn
  assert.ok(countBlocks(page.transcript) > 5000);
  const reqs = requests(page);
  assert.ok(reqs.length >= 31, `${reqs.length} requests`);
  reqs.forEach((r, i) => assertWithinLimits(r, i === 0 ? jsonBytes(page.properties) + 200 : 0));
  // In order, each unit exactly once.
  assert.deepEqual(reqs.flat().slice(1), page.transcript);
  assert.deepEqual(reqs[0]!.length, 100, "the create is filled up to 100 top-level blocks");
});

Deno.test("the byte budget: 3-byte characters fill requests by bytes, not by count", () => {
  const cjk = "漢字かな交じり文".repeat(1500); // 12,000 chars, ~36 KB a turn
  const page = buildCallPage(
    callInput({ transcript: { status: "completed", utterances: utterancesOf(60, () => cjk) } }),
    DEFAULT_CALL_MAP,
  );
  const reqs = requests(page);
  assert.ok(reqs.length > 2);
  for (const r of reqs) {
    assert.ok(r.length < 100, "bytes, not the block count, limited this request");
    assertWithinLimits(r, jsonBytes(page.properties) + 200);
    assert.ok(jsonBytes(r) <= PACK_LIMITS.bytes);
  }
  assert.deepEqual(reqs.flat().slice(1), page.transcript);
});

Deno.test("a typical call is one request: properties, overview and the whole transcript", () => {
  const page = buildCallPage(
    callInput({ transcript: { status: "completed", utterances: utterancesOf(80) } }),
    DEFAULT_CALL_MAP,
  );
  const reqs = requests(page);
  assert.deepEqual(reqs.length, 1);
  assert.deepEqual(reqs[0]!.length, 1 + 81);
  assertWithinLimits(reqs[0]!);
});

Deno.test("properties: every mapped property, the Call ID, the contact relation, review flags", () => {
  const page = buildCallPage(callInput(), DEFAULT_CALL_MAP);
  const p = page.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(
    Object.keys(p).sort(),
    Object.values(DEFAULT_CALL_MAP).map((x) => x.name).sort(),
  );
  assert.deepEqual(page.callKey, "AC123");
  assert.deepEqual(callKey({ source: "drive", external_id: "f1" }), "drive:f1");
  assert.deepEqual((p["Call ID"]!.rich_text as RichTextItem[])[0]!.text.content, "AC123");
  assert.deepEqual((p["Name"]!.title as RichTextItem[])[0]!.text.content, SUMMARY.title);
  assert.deepEqual(p["Contact"], { relation: [{ id: "11111111-1111-4111-8111-111111111111" }] });
  assert.deepEqual(p["Direction"], { select: { name: "Incoming" } });
  assert.deepEqual(p["Topics"], {
    multi_select: [{ name: "installation" }, { name: "invoice billing" }],
  });
  assert.deepEqual(p["Follow-up"], { date: { start: "2026-12-01" } });
  assert.deepEqual(p["Cost (USD)"], { number: 0.0123 });
  assert.deepEqual(p["Needs Review"], { checkbox: false });
  assert.deepEqual(p["Status"], { select: { name: "Summarized" } });

  const amb = buildCallPage(
    callInput({
      contact: {
        status: "ambiguous",
        page_id: null,
        candidates: [{ page_id: "a", name: "Ada Lovelace" }, { page_id: "b", name: "Ada L." }],
      },
    }),
    DEFAULT_CALL_MAP,
  ).properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(amb["Needs Review"], { checkbox: true });
  assert.deepEqual(amb["Contact"], { relation: [] });
  const note = (amb["Review Note"]!.rich_text as RichTextItem[])[0]!.text.content;
  assert.ok(note.includes("Ada Lovelace") && note.includes("Ada L."), note);

  const unknown = buildCallPage(
    callInput({ contact: { status: "unknown", page_id: null, candidates: [] } }),
    DEFAULT_CALL_MAP,
  ).properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(unknown["Needs Review"], { checkbox: true });
  assert.ok(
    (unknown["Review Note"]!.rich_text as RichTextItem[])[0]!.text.content.startsWith(
      "Unknown caller",
    ),
  );
});

Deno.test("overview: summary, to-dos, follow-up, tone, metrics, cost, recording link; two levels", () => {
  const page = buildCallPage(callInput(), DEFAULT_CALL_MAP);
  const o = page.overview;
  assert.deepEqual(o.type, "callout");
  assert.deepEqual(depth([o]), 2);
  const kids = childrenOf(o);
  assert.ok(kids.length <= 100);
  const texts = kids.map((b) =>
    (b[b.type] as { rich_text: RichTextItem[] }).rich_text.map((i) => i.text.content).join("")
  );
  assert.deepEqual(kids.filter((b) => b.type === "to_do").length, 2);
  assert.ok(
    texts.includes("Send the confirmation email — Dana (due 2026-12-01)"),
    texts.join("\n"),
  );
  assert.ok(texts.some((t) => t.startsWith("Follow-up: by 2026-12-01: Confirm the new date")));
  assert.ok(
    texts.some((t) => t.includes("sentiment positive") && t.includes("category scheduling")),
  );
  assert.ok(texts.some((t) => t.startsWith("Conversation: talk time Dana 50% · Sam 50%")));
  assert.ok(texts.some((t) => t === "Cost: $0.0123 (transcription and summary)"));
  const links: string[] = [];
  walkText([o], (rt) => rt.forEach((i) => i.text.link && links.push(i.text.link.url)));
  assert.deepEqual(
    links,
    ["https://example.supabase.co/functions/v1/recording?t=r1.abc"],
    "the only link is ours",
  );
  assertWithinLimits([o]);
});

Deno.test("no transcript: the eligibility reason on the page; status says so; no transcript units", () => {
  const page = buildCallPage(
    callInput({
      call: { ...callInput().call, eligibility: { eligible: false, reason: "too_short" } },
      transcript: null,
      summary: null,
      recordingUrl: null,
    }),
    DEFAULT_CALL_MAP,
  );
  assert.deepEqual(page.transcript, []);
  const texts = childrenOf(page.overview).map((b) =>
    (b[b.type] as { rich_text: RichTextItem[] }).rich_text.map((i) => i.text.content).join("")
  );
  assert.ok(
    texts.includes("No transcript: the call was shorter than the minimum duration"),
    texts.join("\n"),
  );
  assert.ok(texts.includes("Recording: none stored"));
  assert.deepEqual((page.properties as Record<string, unknown>)["Status"], {
    select: { name: "Not processed" },
  });
  assert.deepEqual((page.properties as Record<string, unknown>)["Recording"], { url: null });
});

Deno.test("a recording not stored (over the file-size limit): said on the page, flagged for review", () => {
  const MB = 1024 * 1024;
  const page = buildCallPage(
    callInput({
      transcript: null,
      summary: { status: "not_possible", reason: "no_transcript", summary: null },
      recordingUrl: null,
      notStored: [
        {
          kind: "recording",
          reason: "too_large",
          bytes: String(75 * MB),
          size_limit_bytes: 50 * MB,
        },
      ],
    }),
    DEFAULT_CALL_MAP,
  );
  const texts = childrenOf(page.overview).map((b) =>
    (b[b.type] as { rich_text: RichTextItem[] }).rich_text.map((i) => i.text.content).join("")
  );
  assert.ok(
    texts.includes("Recording: not stored (75 MB is over the 50 MB file-size limit)"),
    texts.join("\n"),
  );
  assert.ok(texts.includes("No transcript: the recording was not stored"), texts.join("\n"));
  assert.ok(
    texts.includes(
      "Needs review: Recording not stored: 75 MB is over the 50 MB file-size limit.",
    ),
    texts.join("\n"),
  );
  const p = page.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p["Needs Review"], { checkbox: true });
  assert.deepEqual(
    (p["Review Note"]!.rich_text as RichTextItem[]).map((i) => i.text.content).join(""),
    "Recording not stored: 75 MB is over the 50 MB file-size limit.",
  );
  assert.deepEqual(p["Status"], { select: { name: "No transcript" } });
  assert.deepEqual(page.transcript, []);

  // A voicemail stored beside it: its link, and the note about the recording.
  const both = buildCallPage(
    callInput({
      notStored: [{
        kind: "recording",
        reason: "too_large",
        bytes: null,
        size_limit_bytes: 50 * MB,
      }],
    }),
    DEFAULT_CALL_MAP,
  );
  const bp = both.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(
    (bp["Review Note"]!.rich_text as RichTextItem[]).map((i) => i.text.content).join(""),
    "Recording not stored: it is larger than the 50 MB file-size limit.",
  );
  // Nothing skipped: the page is exactly what it was before (no republish of existing pages).
  const plain = buildCallPage(callInput(), DEFAULT_CALL_MAP);
  const none = buildCallPage(callInput({ notStored: [] }), DEFAULT_CALL_MAP);
  assert.deepEqual(
    [none.overviewHash, none.propertiesHash],
    [plain.overviewHash, plain.propertiesHash],
  );
});

Deno.test("the truncation note goes to the properties, not the overview (no new block needed)", () => {
  const plain = buildCallPage(callInput(), DEFAULT_CALL_MAP);
  const cut = buildCallPage(callInput({ truncated: { shown: 10, total: 80 } }), DEFAULT_CALL_MAP);
  assert.deepEqual(cut.overviewHash, plain.overviewHash);
  assert.ok(cut.propertiesHash !== plain.propertiesHash);
  const p = cut.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p["Needs Review"], { checkbox: true });
  assert.ok(
    (p["Review Note"]!.rich_text as RichTextItem[])[0]!.text.content.includes("10 of 80 turns"),
  );
});

Deno.test("property types follow the map; values that cannot be expressed are left out", () => {
  assert.deepEqual(propertyValue("rich_text", { kind: "text", value: "Incoming" }), {
    rich_text: [{ type: "text", text: { content: "Incoming" } }],
  });
  assert.deepEqual(propertyValue("number", { kind: "list", value: ["a"] }), undefined);
  assert.deepEqual(propertyValue("select", { kind: "text", value: "a, b" }), {
    select: { name: "a b" },
  });
  assert.deepEqual(propertyValue("url", { kind: "url", value: "x".repeat(2001) }), { url: null });
  const page = buildCallPage(callInput(), {
    ...DEFAULT_CALL_MAP,
    direction: { name: "Dir", type: "rich_text" },
  });
  assert.deepEqual((page.properties as Record<string, unknown>)["Dir"], {
    rich_text: [{ type: "text", text: { content: "Incoming" } }],
  });
});

Deno.test("hashes: the same input gives the same page; a new summary changes overview and properties only", () => {
  const a = buildCallPage(callInput(), DEFAULT_CALL_MAP);
  const b = buildCallPage(callInput(), DEFAULT_CALL_MAP);
  assert.deepEqual([a.overviewHash, a.propertiesHash, a.transcriptHash], [
    b.overviewHash,
    b.propertiesHash,
    b.transcriptHash,
  ]);
  const c = buildCallPage(
    callInput({
      summary: { status: "summarized", reason: null, summary: { ...SUMMARY, summary: "Another." } },
    }),
    DEFAULT_CALL_MAP,
  );
  assert.ok(c.overviewHash !== a.overviewHash);
  assert.deepEqual(c.transcriptHash, a.transcriptHash);
  assert.deepEqual(transcriptUnits([]), []);
  assert.equal(nextBatch(measure([]), 0), 0);
});
