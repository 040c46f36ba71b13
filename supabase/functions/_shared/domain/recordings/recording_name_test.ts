import assert from "node:assert/strict";
import { baseName, parseRecordingName } from "./recording_name.ts";
import { zonedTimeToUtc } from "./zoned_time.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

Deno.test("parseRecordingName() reads BCR names, with their own UTC offset", () => {
  const r = parseRecordingName(
    "20260304_140522.088-0500_out_sim1_+15550100123_John Smith.m4a",
    "Europe/Paris",
  );
  assert.equal(r.pattern, "bcr");
  assert.equal(iso(r.startedAt), "2026-03-04T19:05:22.000Z");
  assert.equal(r.direction, "outgoing");
  assert.equal(r.phoneNumber, "+15550100123");
  assert.equal(r.contactName, "John Smith");
  const bare = parseRecordingName("20260304_140522_in_5550100123.oga");
  assert.equal(bare.direction, "incoming");
  assert.equal(bare.phoneNumber, "5550100123");
  assert.equal(bare.contactName, null);
});

Deno.test("parseRecordingName() reads local-time names in the configured zone", () => {
  const cases: [string, string, Partial<ReturnType<typeof parseRecordingName>>][] = [
    ["CallRecord_20260304-140522_+15550100123.m4a", "grapheneos", { phoneNumber: "+15550100123" }],
    ["John Smith@+15550100123_20260304140522.m4a", "huawei", {
      contactName: "John Smith",
      phoneNumber: "+15550100123",
    }],
    ["+15550100123_260304_140522.m4a", "lineageos", { phoneNumber: "+15550100123" }],
    ["Call recording John Smith_260304_140522.m4a", "samsung", {
      contactName: "John Smith",
      phoneNumber: null,
    }],
    ["Call recording +1 555-010-0123_260304_140522.m4a", "samsung", {
      phoneNumber: "+1 555-010-0123",
    }],
    ["2026-03-04_14-05-22_+15550100123_incoming.mp3", "generic", { direction: "incoming" }],
    ["2026-03-04_14-05-22_+15550100123_out.mp3", "generic", { direction: "outgoing" }],
    [
      "Call recording John Smith (+1 555-010-0123) 2026-03-04 14-05-22 incoming.m4a",
      "labelled",
      { contactName: "John Smith", phoneNumber: "+1 555-010-0123", direction: "incoming" },
    ],
    ["Call recording +1 555-010-0123 2026-03-04 14-05-22 outgoing.m4a", "labelled", {
      contactName: null,
      direction: "outgoing",
    }],
  ];
  for (const [name, pattern, expected] of cases) {
    const r = parseRecordingName(name, "America/New_York");
    assert.equal(r.pattern, pattern, name);
    // 14:05:22 in New York on 4 March 2026 (EST, UTC-5).
    assert.equal(iso(r.startedAt), "2026-03-04T19:05:22.000Z", name);
    for (const [k, v] of Object.entries(expected)) {
      assert.equal(r[k as keyof typeof r], v, `${name}: ${k}`);
    }
  }
  const coloros = parseRecordingName("John Smith-2603041405.m4a", "America/New_York");
  assert.equal(coloros.pattern, "coloros");
  assert.equal(iso(coloros.startedAt), "2026-03-04T19:05:00.000Z");
});

Deno.test("parseRecordingName() returns nothing known for other names, and rejects impossible dates", () => {
  for (const name of ["voice memo.m4a", "recording (3).mp3", "20261304_140522_+15550100123.m4a"]) {
    const r = parseRecordingName(name);
    assert.deepEqual(r, {
      pattern: null,
      startedAt: null,
      direction: null,
      phoneNumber: null,
      contactName: null,
    }, name);
  }
});

Deno.test("zonedTimeToUtc() follows daylight saving time", () => {
  const w = { year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 0 };
  assert.equal(zonedTimeToUtc(w, "America/New_York").toISOString(), "2026-07-01T16:00:00.000Z");
  assert.equal(zonedTimeToUtc(w, "UTC").toISOString(), "2026-07-01T12:00:00.000Z");
});

Deno.test("baseName() strips folders and the last extension", () => {
  assert.equal(baseName("a/b/call.final.m4a"), "call.final");
  assert.equal(baseName(".hidden"), ".hidden");
});
