/** The q parser and evaluator on their own: precedence, escapes, word-prefix `contains`. */
import assert from "node:assert/strict";
import { matches, nameContains, parseQuery, parseRfc3339, type Searchable } from "./query.ts";
import { DriveError } from "./errors.ts";

const file: Searchable = {
  name: "Valentine's Day call HelloWorld.m4a",
  mimeType: "audio/x-m4a",
  fullText: "Valentine's Day call HelloWorld.m4a",
  createdTime: Date.UTC(2026, 2, 4, 12),
  modifiedTime: Date.UTC(2026, 2, 4, 13),
  viewedByMeTime: null,
  trashed: false,
  starred: false,
  sharedWithMe: true,
  visibility: "limited",
  parents: ["folderA"],
  owners: ["owner@example.com"],
  writers: [],
  readers: ["sa@example.iam.gserviceaccount.com"],
};

const test = (q: string) => matches(parseQuery(q), file);

Deno.test("gdrive: q honours and/or/not precedence and parentheses", () => {
  assert.equal(test("trashed = true or trashed = false and starred = true"), false);
  assert.equal(test("(trashed = true or trashed = false) and not starred = true"), true);
  assert.equal(test("not not 'folderA' in parents"), true);
  assert.equal(test("'folderB' in parents or mimeType contains 'AUDIO/'"), true);
  assert.equal(test("trashed != true AND 'folderA' in parents"), true);
});

Deno.test("gdrive: q strings escape quotes and backslashes; dates compare as instants", () => {
  assert.equal(test("name contains 'Valentine\\'s'"), true);
  assert.equal(test("createdTime = '2026-03-04T12:00:00.000Z'"), true);
  assert.equal(test("createdTime < '2026-03-04T13:00:00+01:00'"), false);
  assert.equal(test("modifiedTime >= '2026-03-04T13:00:00'"), true);
  assert.equal(test("viewedByMeTime > '2000-01-01T00:00:00Z'"), false);
  assert.equal(parseRfc3339("2026-03-04T12:00:00.5-05:30"), Date.UTC(2026, 2, 4, 17, 30, 0, 500));
  assert.equal(parseRfc3339("2026-13-01T00:00:00Z"), null);
  assert.equal(parseRfc3339("2026-03-04 12:00:00Z"), null);
});

Deno.test("gdrive: name contains matches word prefixes, like Drive", () => {
  assert.equal(nameContains("HelloWorld.m4a", "Hello"), true);
  assert.equal(nameContains("HelloWorld.m4a", "World"), false);
  assert.equal(nameContains("Call recording John Smith (+1 555-010-0123)", "john smi"), true);
  assert.equal(nameContains("Call recording John Smith (+1 555-010-0123)", "555-010"), true);
  assert.equal(nameContains("Call recording John Smith", "recording Smith"), false);
  assert.equal(test("fullText contains 'call'"), true);
  assert.equal(test("fullText contains 'cal'"), false);
});

Deno.test("gdrive: q refuses unknown terms, wrong operators and wrong value types", () => {
  for (
    const q of [
      "",
      "owner = 'x'",
      "'x' in children",
      "name > 'a'",
      "trashed contains 'true'",
      "starred = yes",
      "mimeType = audio",
      "name contains 'a' and or trashed = false",
      "name contains 'a\\n'",
      "name contains 'a' trashed = false",
    ]
  ) {
    assert.throws(() => parseQuery(q), (e: unknown) => {
      assert.ok(e instanceof DriveError);
      assert.equal(e.status, 400);
      assert.equal(e.items[0]?.location, "q");
      return true;
    }, q);
  }
});
