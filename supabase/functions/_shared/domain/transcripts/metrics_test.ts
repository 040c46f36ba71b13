import assert from "node:assert/strict";
import { conversationMetrics, countQuestions } from "./metrics.ts";

const u = (speaker: string, start: number, end: number, text: string) => ({
  speaker,
  start_ms: start,
  end_ms: end,
  text,
});

Deno.test("metrics: talk-time share, turns, questions per speaker", () => {
  const m = conversationMetrics([
    u("A", 0, 3_000, "Thanks for calling, how can I help?"),
    u("B", 3_500, 9_500, "Hi. My boiler is broken. Can you come today? Or tomorrow?"),
    u("A", 10_000, 11_000, "Sure."),
  ]);
  assert.equal(m.speaker_count, 2);
  assert.equal(m.total_talk_ms, 10_000);
  assert.equal(m.turns, 2);
  assert.equal(m.questions, 3);
  assert.deepEqual(m.speakers.A, { talk_ms: 4_000, talk_share: 0.4, utterances: 2, questions: 1 });
  assert.deepEqual(m.speakers.B, { talk_ms: 6_000, talk_share: 0.6, utterances: 1, questions: 2 });
  assert.deepEqual(m.longest_monologue, {
    speaker: "B",
    start_ms: 3_500,
    end_ms: 9_500,
    duration_ms: 6_000,
  });
});

Deno.test("metrics: consecutive lines of one speaker form one monologue", () => {
  const m = conversationMetrics([
    u("A", 0, 1_000, "Hello?"),
    u("B", 1_000, 4_000, "It's me."),
    u("B", 4_200, 8_000, "I wanted to say something."),
    u("B", 8_000, 9_000, "Long story."),
    u("A", 9_500, 10_000, "Ok."),
  ]);
  assert.equal(m.turns, 2);
  assert.deepEqual(m.longest_monologue, {
    speaker: "B",
    start_ms: 1_000,
    end_ms: 9_000,
    duration_ms: 8_000,
  });
});

Deno.test("metrics: nothing said gives zeros, not NaN", () => {
  const m = conversationMetrics([]);
  assert.deepEqual(m, {
    speaker_count: 0,
    total_talk_ms: 0,
    turns: 0,
    questions: 0,
    longest_monologue: null,
    speakers: {},
  });
  const silent = conversationMetrics([u("A", 5, 5, "")]);
  assert.equal(silent.speakers.A!.talk_share, 0);
});

Deno.test("metrics: questions are sentences ending in a question mark", () => {
  assert.equal(countQuestions("Really?! Are you sure?? Yes."), 2);
  assert.equal(countQuestions('He asked "why?" and left.'), 1);
  assert.equal(countQuestions("The URL was example.com/?q=1 ok"), 0);
  assert.equal(countQuestions("No question here."), 0);
});
