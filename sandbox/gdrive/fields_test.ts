/** The fields parser and projection on their own. */
import assert from "node:assert/strict";
import {
  applySelection,
  FILE_LIST_SCHEMA,
  parseFields,
  selects,
  validateSelection,
} from "./fields.ts";
import { DriveError } from "./errors.ts";

const list = {
  kind: "drive#fileList",
  nextPageToken: "t",
  files: [
    { kind: "drive#file", id: "a", name: "A", owners: [{ displayName: "O", me: false }] },
    { kind: "drive#file", id: "b", name: "B" },
  ],
};

Deno.test("gdrive: fields paths, nesting and wildcards select the same trees", () => {
  const a = parseFields("files(id,owners/displayName), nextPageToken");
  const b = parseFields(" nextPageToken ,files/id, files(owners(displayName)) ");
  assert.deepEqual(applySelection(list, a), applySelection(list, b));
  assert.deepEqual(applySelection(list, a), {
    nextPageToken: "t",
    files: [{ id: "a", owners: [{ displayName: "O" }] }, { id: "b" }],
  });
  assert.deepEqual(applySelection(list, parseFields("files(*)")), { files: list.files });
  assert.deepEqual(applySelection(list, parseFields("*")), list);
  // A whole-value selection wins over a narrower one for the same name.
  assert.deepEqual(applySelection(list, parseFields("files(id),files")), { files: list.files });
});

Deno.test("gdrive: selects tells whether a field is reached", () => {
  const sel = parseFields("files(id,md5Checksum)");
  assert.equal(selects(sel, ["files"], "md5Checksum"), true);
  assert.equal(selects(sel, ["files"], "sha1Checksum"), false);
  assert.equal(selects(parseFields("files"), ["files"], "sha1Checksum"), true);
  assert.equal(selects(parseFields("*"), ["files"], "size"), true);
  assert.equal(selects(parseFields("kind"), ["files"], "size"), false);
});

Deno.test("gdrive: malformed or unknown field selections are Drive's 400", () => {
  for (const raw of ["files(id", "files)", "files(,)", "files id", "a//b"]) {
    assert.throws(() => parseFields(raw), DriveError, raw);
  }
  for (const [raw, name] of [["files(title)", "title"], ["file", "file"], ["kind(x)", "kind"]]) {
    assert.throws(
      () => validateSelection(parseFields(raw!), FILE_LIST_SCHEMA),
      (e: unknown) => e instanceof DriveError && e.message === `Invalid field selection ${name}`,
    );
  }
  validateSelection(
    parseFields("files(capabilities/canDownload,owners(emailAddress))"),
    FILE_LIST_SCHEMA,
  );
});
