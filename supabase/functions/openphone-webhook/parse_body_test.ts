import assert from "node:assert/strict";
import { findUnstorableString, jsonDepthExceeds, MAX_JSON_DEPTH, parseBody } from "./parse_body.ts";

const enc = new TextEncoder();
const envelope = (data: string) =>
  `{"id":"EV1","type":"message.received","createdAt":"2026-03-04T14:00:00Z","data":${data}}`;

Deno.test("parseBody() parses a valid body and drops a UTF-8 BOM", () => {
  const body = envelope(`{"object":{"id":"AC1","text":"héllo 👋"}}`);
  const plain = parseBody(enc.encode(body));
  assert.ok(plain.ok);
  assert.equal(plain.text, body);
  const bom = parseBody(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(body)]));
  assert.ok(bom.ok);
  assert.equal(bom.text, body);
});

Deno.test("parseBody() keeps a raw NUL byte or bytes that are not UTF-8 as bytes only", () => {
  const nul = parseBody(enc.encode(envelope(`{"object":{"text":"a\u0000b"}}`)));
  assert.deepEqual(nul, { ok: false, reason: "Body holds a NUL character", text: null });

  // The same JSON, UTF-16LE with a BOM: every other byte is 0x00, and it is not UTF-8.
  const json = envelope(`{"object":{"id":"AC1"}}`);
  const utf16 = new Uint8Array(2 + json.length * 2);
  utf16.set([0xff, 0xfe]);
  for (let i = 0; i < json.length; i++) utf16[2 + 2 * i] = json.charCodeAt(i);
  assert.deepEqual(parseBody(utf16), { ok: false, reason: "Body is not valid UTF-8", text: null });

  // A lone surrogate written as raw (CESU-8) bytes is not UTF-8 either.
  const cesu = new Uint8Array([...enc.encode('{"t":"'), 0xed, 0xa0, 0x80, ...enc.encode('"}')]);
  assert.equal(parseBody(cesu).ok, false);
  assert.equal((parseBody(cesu) as { text: null }).text, null);
});

Deno.test("parseBody() quarantines \\u0000 and lone surrogate escapes, keeping the text", () => {
  const escNul = envelope(`{"object":{"id":"AC1","text":"a\\u0000b"}}`);
  const r1 = parseBody(enc.encode(escNul));
  assert.equal(r1.ok, false);
  assert.equal(r1.text, escNul, "the escape is plain ASCII: storable as text");
  assert.equal(!r1.ok && r1.reason, "String at data.object.text holds a NUL character");

  const lone = envelope(`{"object":{"id":"AC1","text":"split emoji \\ud83d"}}`);
  const r2 = parseBody(enc.encode(lone));
  assert.equal(!r2.ok && r2.reason, "String at data.object.text holds a lone surrogate");
  assert.equal(r2.text, lone);
  assert.equal((r2 as { value: { id: string } }).value.id, "EV1", "ids can be salvaged");

  const lowFirst = parseBody(enc.encode(envelope(`{"object":{"\\udc00":1}}`)));
  assert.equal(!lowFirst.ok && lowFirst.reason, "Key at data.object.? holds a lone surrogate");

  // A well-formed pair is fine.
  assert.ok(parseBody(enc.encode(envelope(`{"object":{"text":"\\ud83d\\udc4b"}}`))).ok);
});

Deno.test("parseBody() bounds nesting before JSON.parse, however deep", () => {
  const ok = envelope("[".repeat(MAX_JSON_DEPTH - 1) + "]".repeat(MAX_JSON_DEPTH - 1));
  assert.ok(parseBody(enc.encode(ok)).ok, "exactly the limit parses");
  const deep = envelope(`{"object":${"[".repeat(50_000)}${"]".repeat(50_000)}}`);
  const r = parseBody(enc.encode(deep));
  assert.equal(!r.ok && r.reason, `JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  assert.equal(r.text, deep);
  // Unbalanced and endless: still bounded, no stack needed.
  assert.equal(parseBody(enc.encode("[".repeat(400_000))).ok, false);
});

Deno.test("jsonDepthExceeds() ignores brackets inside strings, escaped quotes included", () => {
  assert.equal(jsonDepthExceeds(`{"a":"[[[[[[","b":"\\"[[[["}`, 1), false);
  assert.equal(jsonDepthExceeds(`{"a":[[1]]}`, 2), true);
  assert.equal(jsonDepthExceeds(`{"a":[[1]]}`, 3), false);
});

Deno.test("parseBody() quarantines text that is not JSON, keeping it", () => {
  assert.deepEqual(parseBody(enc.encode("this is not json")), {
    ok: false,
    reason: "Body is not JSON",
    text: "this is not json",
  });
});

Deno.test("findUnstorableString() never echoes a key that is not an identifier", () => {
  const reason = findUnstorableString({ data: { "+15555550100": ["ok", "\u0000"] } });
  assert.equal(reason, "String at data.?[1] holds a NUL character");
  assert.equal(findUnstorableString({ a: [1, "x", { b: null }] }), null);
});
