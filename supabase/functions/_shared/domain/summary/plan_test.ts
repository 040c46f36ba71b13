import assert from "node:assert/strict";
import {
  chunkLines,
  costMicros,
  estimateMicros,
  estimateTokens,
  groupSizes,
  microsToUsd,
  PlanError,
  planSummary,
  splitLongUtterances,
  usdToMicros,
} from "./plan.ts";

const settings = { contextBudgetTokens: 2000, maxOutputTokens: 500, charsPerToken: 3 };

Deno.test("plan: tokens from characters, rounded up", () => {
  assert.equal(estimateTokens(0, 3), 0);
  assert.equal(estimateTokens(10, 3), 4);
  assert.equal(estimateTokens(12, 4), 3);
});

Deno.test("plan: long utterances are split at spaces; lines are grouped within a budget", () => {
  const u = {
    speaker: "A",
    speaker_name: null,
    start_ms: 0,
    end_ms: 1,
    text: "word ".repeat(50).trim(),
  };
  const pieces = splitLongUtterances([u], 40);
  assert.ok(pieces.length > 5);
  assert.ok(pieces.every((p) => p.text.length <= 40 && p.speaker === "A"));
  assert.equal(pieces.map((p) => p.text).join(" "), u.text);
  const unbroken = splitLongUtterances([{ ...u, text: "x".repeat(95) }], 40);
  assert.deepEqual(unbroken.map((p) => p.text.length), [40, 40, 15]);

  assert.deepEqual(chunkLines(["aaaa", "bbbb", "cc", "dddddddd"], 10), [["aaaa", "bbbb"], ["cc"], [
    "dddddddd",
  ]]);
  assert.deepEqual(
    chunkLines(["x".repeat(20)], 10),
    [["x".repeat(20)]],
    "a line longer than the budget is its own part",
  );
  assert.deepEqual(groupSizes(5, 2), [2, 2, 1]);
  assert.deepEqual(groupSizes(7, 3), [3, 2, 2]);
  assert.deepEqual(groupSizes(2, 9), [2]);
});

Deno.test("plan: a short call is one request; a long one is map-reduce with every request estimated", () => {
  const short = planSummary({
    lines: ["a".repeat(100)],
    transcriptFixedChars: 1000,
    combineFixedChars: 500,
    maxSummaryChars: 900,
    settings,
  });
  assert.equal(short.requests, 1);
  assert.deepEqual(short.rounds, []);
  assert.equal(short.inputTokens[0], estimateTokens(1000 + 101, 3) + 16);

  const long = planSummary({
    lines: Array.from({ length: 40 }, () => "b".repeat(999)),
    transcriptFixedChars: 1000,
    combineFixedChars: 500,
    maxSummaryChars: 900,
    settings,
  });
  // (2000 - 16) * 3 - 1000 = 4952 characters per part: 4 lines of 1000 → 10 parts.
  assert.equal(long.parts.length, 10);
  // (2000 - 16) * 3 - 500 = 5452 → 6 partial summaries per combining request: 10 → 2 → 1.
  assert.deepEqual(long.rounds, [[5, 5], [2]]);
  assert.equal(long.requests, 13);
  assert.equal(long.inputTokens.length, 13);

  assert.throws(
    () =>
      planSummary({
        lines: ["x"],
        transcriptFixedChars: 6000,
        combineFixedChars: 0,
        maxSummaryChars: 1,
        settings,
      }),
    PlanError,
  );
  assert.throws(
    () =>
      planSummary({
        lines: long.parts.flat(),
        transcriptFixedChars: 1000,
        combineFixedChars: 500,
        maxSummaryChars: 3000,
        settings,
      }),
    /cannot hold two partial summaries/,
  );
});

Deno.test("plan: money in micro-dollars, estimates rounded up and never below the actual", () => {
  assert.equal(usdToMicros("0.100000"), 100_000n);
  assert.equal(usdToMicros("10"), 10_000_000n);
  assert.equal(usdToMicros("0.5"), 500_000n);
  assert.throws(() => usdToMicros("-1"));
  assert.throws(() => usdToMicros("0.0000001"));
  assert.equal(microsToUsd(300n), "0.000300");
  assert.equal(microsToUsd(12_345_678n), "12.345678");
  const prices = { input: "0.10", output: "0.50" };
  assert.equal(costMicros(3000, 1000, prices), 800n); // 300 + 500
  assert.equal(costMicros(1, 0, prices), 1n, "a fraction of a micro-dollar rounds up");
  const plan = { parts: [], rounds: [], inputTokens: [1000, 2000], requests: 2 };
  assert.equal(estimateMicros(plan, 500, prices), 800n); // 3000 in → 300, 1000 out → 500
  for (const [i, o] of [[0, 0], [2999, 999], [3000, 1000]]) {
    assert.ok(costMicros(i!, o!, prices) <= estimateMicros(plan, 500, prices));
  }
});
