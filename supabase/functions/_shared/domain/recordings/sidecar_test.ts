import assert from "node:assert/strict";
import { parseSidecar } from "./sidecar.ts";

Deno.test("parseSidecar() reads BCR metadata files", () => {
  const info = parseSidecar(JSON.stringify({
    timestamp_unix_ms: 1772651122088,
    timestamp: "2026-03-04T14:05:22.088-05:00",
    direction: "in",
    sim_slot: 1,
    call_log_name: "John Smith",
    calls: [{
      phone_number: "+15550100123",
      phone_number_formatted: "(555) 010-0123",
      caller_name: null,
      contact_name: "John Smith",
    }],
    output: {
      format: { type: "OGG/Opus" },
      recording: { frames_total: 1, duration_secs_total: 95.5 },
    },
  }));
  assert.deepEqual(info, {
    direction: "incoming",
    phoneNumber: "+15550100123",
    contactName: "John Smith",
    startedAt: new Date(1772651122088),
    durationSec: 95.5,
  });
});

Deno.test("parseSidecar() reads the plain shape, with a BOM", () => {
  const info = parseSidecar(
    "\uFEFF" + JSON.stringify({
      direction: "outgoing",
      number: "5550100123",
      contactName: "Ada",
      startTime: "2026-03-04T19:05:22Z",
      durationSec: 42,
    }),
  );
  assert.equal(info?.direction, "outgoing");
  assert.equal(info?.startedAt?.toISOString(), "2026-03-04T19:05:22.000Z");
  assert.equal(info?.durationSec, 42);
});

Deno.test("parseSidecar() returns null for what it cannot read", () => {
  assert.equal(parseSidecar("not json"), null);
  assert.equal(parseSidecar(JSON.stringify({ durationSec: -1 })), null);
  assert.equal(parseSidecar(JSON.stringify({ calls: "nope" })), null);
});
