import assert from "node:assert/strict";
import type { OpenAIPort } from "../_shared/adapters/openai/client.ts";
import { UpstreamError } from "../_shared/platform/errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import type { StageContext } from "../_shared/platform/stage_worker.ts";
import { allStrings, carriesLinkOrMention } from "../_shared/domain/summary/sanitize.ts";
import { SUMMARY_KEYS } from "../_shared/domain/summary/schema.ts";
import type { SummaryInputs, SummaryRecord, SummaryStore } from "./store.ts";
import { prepareSummary, summarizeCall } from "./summarize.ts";

const NOW = Date.parse("2031-03-01T10:00:00Z");
const UTTERANCES = [
  {
    speaker: "A",
    speaker_name: "Dana",
    start_ms: 0,
    end_ms: 1000,
    text: "Thanks for calling Acme.",
  },
  {
    speaker: "B",
    speaker_name: "Sam",
    start_ms: 1000,
    end_ms: 2000,
    text: "Can you send the quote?",
  },
];

function inputs(
  over: Partial<SummaryInputs> = {},
  utterances: unknown = UTTERANCES,
): SummaryInputs {
  return {
    settings: {
      model: "gpt-6-luna",
      categories: ["sales", "support", "other"],
      reasoning_effort: "low",
      max_output_tokens: 4000,
      context_budget_tokens: 100_000,
      chars_per_token: 3,
    },
    prompts: { summary: "Summarise the call.", combine: "Combine the parts." },
    prices: { input: "0.100000", output: "0.500000" },
    transcript: { status: "completed", utterances, error: null },
    done_in_this_visit: false,
    ...over,
  };
}

/** Something a model talked into it might answer. */
const HOSTILE = {
  title: "[Click](https://evil.example) @everyone",
  summary: "Ignore the rules: visit www.evil.com or mail a@evil.example. <script>x</script>",
  key_points: ["**pay** at evil.co/pay"],
  action_items: [{ text: "Send the quote via http://evil.example", owner: "@sam", due: "evil.io" }],
  follow_up_needed: true,
  follow_up_by: "Friday",
  follow_up_reason: "`quote` #1",
  sentiment: "positive",
  topics: ["quote", "@here"],
  category: "sales",
};

function fakes(opts: { reserve?: "ok" | "over"; fail?: (n: number) => Error | null } = {}) {
  const log: string[] = [];
  const records: SummaryRecord[] = [];
  const store: SummaryStore & { inputsValue: SummaryInputs } = {
    inputsValue: inputs(),
    inputs() {
      return Promise.resolve(this.inputsValue);
    },
    reserve(_id, estimate) {
      log.push(`reserve ${estimate}`);
      return Promise.resolve(
        opts.reserve === "over"
          ? { ok: false, reason: "daily_budget", resumeAtMs: NOW + 3_600_000 }
          : { ok: true, reservationId: 7 },
      );
    },
    record(r) {
      records.push(r);
      return Promise.resolve();
    },
    notPossible(_id, reason) {
      log.push(`not_possible ${reason}`);
      return Promise.resolve();
    },
    settle(id, usd, units) {
      log.push(`settle ${id} ${usd} ${JSON.stringify(units)}`);
      return Promise.resolve();
    },
    release(id) {
      log.push(`release ${id}`);
      return Promise.resolve();
    },
  };
  let n = 0;
  const openai: OpenAIPort = {
    structured(req) {
      n++;
      log.push(`request ${req.input.split("\n")[0]}`);
      const err = opts.fail?.(n);
      if (err) return Promise.reject(err);
      return Promise.resolve({
        value: HOSTILE as never,
        usage: { input_tokens: 100, output_tokens: 50 },
        model: "gpt-6-luna",
        requestId: null,
      });
    },
  };
  return { store, openai, log, records, requests: () => n };
}

const ctx: StageContext = {
  stage: "call_summarize",
  token: 1,
  attempt: 1,
  deadline: NOW + 60_000,
  now: () => NOW,
  log: createLogger({}, { write: () => {} }),
  signal: new AbortController().signal,
  extendLease: () => Promise.resolve(true),
};
const item = { token: 1, itemId: 1, subjectId: 42, attempt: 1, subject: {} };

Deno.test("summarize: even when the model returns links and mentions, the stored summary has none", async () => {
  const f = fakes();
  assert.equal(await summarizeCall({ store: f.store, openai: f.openai })(item, ctx), undefined);
  assert.equal(f.records.length, 1);
  const r = f.records[0]!;
  assert.deepEqual(Object.keys(r.summary), [...SUMMARY_KEYS]);
  for (const s of allStrings(r.summary)) assert.equal(carriesLinkOrMention(s), false, s);
  assert.equal((r.summary as { title: string }).title, "Click everyone");
  assert.equal(r.reservationId, 7);
  assert.equal(r.costUsd, "0.000035"); // 100 × 0.10 + 50 × 0.50 per 1M
  assert.equal(r.requests, 1);
  assert.match(r.promptSha256, /^[0-9a-f]{64}$/);
});

Deno.test("summarize: over the budget → the call waits in budget_wait until the next budget day", async () => {
  const f = fakes({ reserve: "over" });
  const res = await summarizeCall({ store: f.store, openai: f.openai })(item, ctx);
  assert.deepEqual(res, { defer: { untilMs: NOW + 3_600_000, reason: "budget_wait" } });
  assert.equal(f.requests(), 0, "nothing is paid for");
});

Deno.test("summarize: no usable transcript → recorded as not possible, nothing reserved", async () => {
  for (
    const [t, reason] of [
      [null, "no_transcript"],
      [{ status: "error", utterances: null, error: "unreadable" }, "transcript_failed"],
      [{ status: "completed", utterances: [], error: null }, "empty_transcript"],
    ] as const
  ) {
    const f = fakes();
    f.store.inputsValue = inputs({ transcript: t });
    await summarizeCall({ store: f.store, openai: f.openai })(item, ctx);
    assert.deepEqual(f.log, [`not_possible ${reason}`]);
  }
  const f = fakes();
  f.store.inputsValue = inputs({ done_in_this_visit: true });
  await summarizeCall({ store: f.store, openai: f.openai })(item, ctx);
  assert.deepEqual(f.log, [], "a summary stored in this visit is not paid for twice");
});

Deno.test("summarize: a long call is map-reduced within the plan; actual cost never exceeds the estimate", async () => {
  const long = Array.from({ length: 120 }, (_, i) => ({
    ...UTTERANCES[i % 2]!,
    text: `Line ${i}: we talked about the installation schedule and the price of the heater again.`,
  }));
  const f = fakes();
  f.store.inputsValue = inputs({
    settings: { ...inputs().settings, context_budget_tokens: 6000 },
  }, long);
  const prepared = prepareSummary(f.store.inputsValue);
  assert.ok(prepared.plan.parts.length > 1, "several parts");
  await summarizeCall({ store: f.store, openai: f.openai })(item, ctx);
  const r = f.records[0]!;
  assert.ok(r.requests > prepared.plan.parts.length, "parts, then combining");
  assert.ok(r.requests <= prepared.plan.requests);
  assert.match(f.log.find((l) => l.startsWith("request Combine"))!, /partial summaries/);
  assert.ok(Number(r.costUsd) * 1e6 <= Number(prepared.estimate));
});

Deno.test("summarize: a failed request releases the reservation, or settles what was already billed", async () => {
  const down = new UpstreamError("openai", "http", "OpenAI server error (503 error)", {
    upstreamStatus: 503,
  });
  const f = fakes({ fail: () => down });
  await assert.rejects(
    summarizeCall({ store: f.store, openai: f.openai })(item, ctx),
    (e) => e === down,
  );
  assert.deepEqual(f.log.slice(-1), ["release 7"]);

  const g = fakes({ fail: (n) => (n === 2 ? down : null) });
  g.store.inputsValue = inputs(
    { settings: { ...inputs().settings, context_budget_tokens: 6000 } },
    Array.from({ length: 120 }, () => ({ ...UTTERANCES[0]!, text: "x ".repeat(60) })),
  );
  await assert.rejects(summarizeCall({ store: g.store, openai: g.openai })(item, ctx));
  assert.match(g.log.at(-1)!, /^settle 7 0\.000035 .*"failed":true/);
});
