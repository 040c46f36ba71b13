import assert from "node:assert/strict";
import { fromAssemblyAI, fromProviderDialogue, speakersInOrder, withNames } from "./utterances.ts";

Deno.test("utterances: AssemblyAI's (ms) keep their times, empty ones go", () => {
  const raw = fromAssemblyAI([
    { speaker: "B", text: " Hello. ", start: 500.4, end: 1200 },
    { speaker: "A", text: "", start: 1200, end: 1300 },
    { speaker: "A", text: "Hi!", start: 1300, end: 1250 },
  ]);
  assert.deepEqual(raw, [
    { speaker: "B", start_ms: 500, end_ms: 1200, text: "Hello." },
    { speaker: "A", start_ms: 1300, end_ms: 1300, text: "Hi!" },
  ]);
  assert.deepEqual(speakersInOrder(raw), ["B", "A"]);
  assert.deepEqual(
    withNames(raw, { B: { name: "Jane", source: "contact", role: "contact", basis: null } })
      .map((u) => u.speaker_name),
    ["Jane", "Speaker A"],
  );
});

Deno.test("utterances: OpenPhone's dialogue (seconds) by identifier; userId marks our user", () => {
  const { utterances, roles } = fromProviderDialogue([
    {
      content: "Thanks for calling.",
      start: 0.5,
      end: 2.25,
      identifier: "+15550100001",
      userId: "US1",
    },
    { content: "Hi, it's Jane.", start: 2.5, end: 4, identifier: "+15550100123", userId: null },
    { content: "How can I help?", start: 4.1, end: 5, identifier: "+15550100001", userId: "US1" },
    { content: "", start: 5, end: 6, identifier: "+15550100123" },
    "garbage",
    { content: "no start" },
  ]);
  assert.deepEqual(utterances, [
    { speaker: "A", start_ms: 500, end_ms: 2250, text: "Thanks for calling." },
    { speaker: "B", start_ms: 2500, end_ms: 4000, text: "Hi, it's Jane." },
    { speaker: "A", start_ms: 4100, end_ms: 5000, text: "How can I help?" },
  ]);
  assert.deepEqual([...roles], [["A", "user"], ["B", "contact"]]);
});
