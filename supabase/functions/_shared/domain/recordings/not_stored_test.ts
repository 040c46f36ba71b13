import assert from "node:assert/strict";
import { megabytes, notStoredNote, tooLargeText } from "./not_stored.ts";

const MB = 1024 * 1024;

Deno.test("megabytes: whole above 10 MB, one decimal below, never hiding the excess", () => {
  assert.equal(megabytes(75 * MB), "75 MB");
  assert.equal(megabytes(50 * MB), "50 MB");
  assert.equal(megabytes(4.5 * MB), "4.5 MB");
  assert.equal(megabytes(100_000), "0.1 MB");
  assert.equal(megabytes(50.4 * MB, 50 * MB), "50.4 MB", "not rounded down to the limit");
  assert.equal(megabytes(50 * MB + 5000, 50 * MB), "50.004 MB");
  assert.equal(megabytes(50 * MB + 1, 50 * MB), `${50 * MB + 1} bytes`);
  assert.equal(megabytes(75 * MB, 50 * MB), "75 MB");
});

Deno.test("tooLargeText / notStoredNote: the size when known, the limit when known", () => {
  assert.equal(tooLargeText(75 * MB, 50 * MB), "75 MB is over the 50 MB file-size limit");
  assert.equal(tooLargeText(null, 50 * MB), "it is larger than the 50 MB file-size limit");
  assert.equal(tooLargeText(75 * MB, null), "75 MB is over the Storage file-size limit");
  assert.equal(
    notStoredNote({
      kind: "recording",
      reason: "too_large",
      bytes: String(75 * MB),
      size_limit_bytes: 50 * MB,
    }),
    "Recording not stored: 75 MB is over the 50 MB file-size limit",
  );
  assert.equal(
    notStoredNote({ kind: "voicemail", reason: "too_large", bytes: null, size_limit_bytes: null }),
    "Voicemail not stored: it is larger than the Storage file-size limit",
  );
});
