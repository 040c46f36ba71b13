/** The call-recorder naming styles and the sidecar, for one call. */
import assert from "node:assert/strict";
import {
  type CallRecordingSpec,
  mimeTypeForName,
  RECORDER_STYLES,
  recordingFileName,
  sidecarFor,
  sidecarName,
} from "./naming.ts";

const call: CallRecordingSpec = {
  number: "+15550100123",
  direction: "incoming",
  startTime: "2026-03-04T19:05:22.250Z",
  durationSec: 95,
  contactName: "John Smith",
  utcOffsetMinutes: -300,
};

Deno.test("gdrive: each recorder style names the call in the phone's local time", () => {
  const names = Object.fromEntries(
    RECORDER_STYLES.map((style) => [style, recordingFileName({ ...call, style })]),
  );
  assert.deepEqual(names, {
    labelled: "Call recording John Smith (+1 555-010-0123) 2026-03-04 14-05-22 incoming.m4a",
    compact: "2026-03-04_14-05-22_+15550100123_in.mp3",
    samsung: "Call recording John Smith_260304_140522.m4a",
    bcr: "20260304_140522.250-0500_in_sim1_+15550100123_John Smith.oga",
    huawei: "John Smith@+15550100123_20260304140522.amr",
    lineage: "+15550100123_260304_140522.m4a",
  });
  assert.equal(
    recordingFileName({ ...call, contactName: null, direction: "outgoing" }),
    "Call recording +1 555-010-0123 2026-03-04 14-05-22 outgoing.m4a",
  );
  assert.equal(mimeTypeForName(names.bcr!), "audio/ogg");
  assert.equal(mimeTypeForName(names.huawei!), "audio/amr");
  assert.equal(mimeTypeForName("notes"), "application/octet-stream");
});

Deno.test("gdrive: the sidecar shares the base name and carries the call's metadata", () => {
  assert.equal(
    sidecarName("Call recording John Smith_260304_140522.m4a"),
    "Call recording John Smith_260304_140522.json",
  );
  assert.deepEqual(sidecarFor(call), {
    direction: "incoming",
    number: "+15550100123",
    contactName: "John Smith",
    startTime: "2026-03-04T14:05:22-05:00",
    durationSec: 95,
  });
});
