import assert from "node:assert/strict";
import { knownNames, nameDiarizedSpeakers, nameKnownSpeakers, speakerLabel } from "./speakers.ts";

const names = { contactName: "Jane Doe", userName: "Sam (Support)" };

Deno.test("speakers: on an incoming call the first voice is our user, the second the contact", () => {
  const s = nameDiarizedSpeakers(["A", "B"], {
    ...names,
    direction: "incoming",
    mediaKind: "recording",
  });
  assert.deepEqual(s.A, {
    name: "Sam (Support)",
    source: "user",
    role: "user",
    basis: "first_speaker_heuristic",
  });
  assert.deepEqual(s.B, {
    name: "Jane Doe",
    source: "contact",
    role: "contact",
    basis: "first_speaker_heuristic",
  });
});

Deno.test("speakers: on an outgoing call the contact answers first", () => {
  const s = nameDiarizedSpeakers(["A", "B"], {
    ...names,
    direction: "outgoing",
    mediaKind: "recording",
  });
  assert.equal(s.A!.name, "Jane Doe");
  assert.equal(s.B!.name, "Sam (Support)");
});

Deno.test("speakers: a voicemail's voice is the caller", () => {
  const s = nameDiarizedSpeakers(["A"], {
    ...names,
    direction: "incoming",
    mediaKind: "voicemail",
  });
  assert.deepEqual(s.A, {
    name: "Jane Doe",
    source: "contact",
    role: "contact",
    basis: "voicemail",
  });
});

Deno.test("speakers: unknown names, three voices or no direction fall back to labels", () => {
  const noNames = nameDiarizedSpeakers(["A", "B"], {
    contactName: null,
    userName: null,
    direction: "incoming",
    mediaKind: "recording",
  });
  assert.deepEqual(noNames.A, {
    name: "Speaker A",
    source: "label",
    role: "user",
    basis: "first_speaker_heuristic",
  });
  assert.equal(noNames.B!.name, "Speaker B");
  const three = nameDiarizedSpeakers(["A", "B", "C"], {
    ...names,
    direction: "incoming",
    mediaKind: "recording",
  });
  assert.deepEqual(Object.values(three).map((x) => x.name), [
    "Speaker A",
    "Speaker B",
    "Speaker C",
  ]);
  assert.equal(three.A!.role, null);
  const undirected = nameDiarizedSpeakers(["A", "B"], {
    ...names,
    direction: null,
    mediaKind: "recording",
  });
  assert.equal(undirected.A!.name, "Speaker A");
});

Deno.test("speakers: provider roles are named without a heuristic", () => {
  const s = nameKnownSpeakers(new Map([["A", "contact"], ["B", "user"], ["C", null]]), names);
  assert.deepEqual(s.A, {
    name: "Jane Doe",
    source: "contact",
    role: "contact",
    basis: "provider",
  });
  assert.equal(s.B!.name, "Sam (Support)");
  assert.equal(s.C!.name, "Speaker C");
});

Deno.test("speakers: names come from the call row; a phone number is no name", () => {
  assert.deepEqual(
    knownNames({ contact_name: "  Jane   Doe ", source_metadata: { user: { name: "Sam" } } }),
    { contactName: "Jane Doe", userName: "Sam" },
  );
  assert.deepEqual(
    knownNames({
      contact_name: "+1 (555) 010-0123",
      source_metadata: { contact_name: "J. Doe", user_name: 7 },
    }),
    { contactName: "J. Doe", userName: null },
  );
  assert.deepEqual(knownNames({}), { contactName: null, userName: null });
});

Deno.test("speakers: labels run A…Z, AA…", () => {
  assert.deepEqual([0, 1, 25, 26, 27].map(speakerLabel), ["A", "B", "Z", "AA", "AB"]);
});
