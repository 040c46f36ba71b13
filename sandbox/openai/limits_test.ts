/**
 * Per-key RPM/TPM budgets on a manual clock: OpenAI's 429 bodies and headers, replenishment
 * over time, "Request too large", per-key isolation, and the duration format of the reset
 * headers.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { ManualClock } from "../core/clock.ts";
import { goDuration } from "./limits.ts";
import { post, TRANSCRIPT, withOpenAI } from "./testing.ts";

const VISIT = "Visit https://platform.openai.com/account/rate-limits to learn more.";

Deno.test("openai: reset durations are printed like Go durations", () => {
  assert.deepEqual(
    [0, 0.4, 547, 1000, 20_000, 33_023, 172_800, 360_000, 3_600_000].map(goDuration),
    ["0s", "1ms", "547ms", "1s", "20s", "33.023s", "2m52.8s", "6m0s", "1h0m0s"],
  );
});

Deno.test("openai: the requests-per-minute budget answers 429 and replenishes continuously", async () => {
  const clock = new ManualClock();
  await withOpenAI(async ({ client }) => {
    const ask = () => client.responses.create({ model: "gpt-4o-mini", input: "Hello there." });
    for (let i = 0; i < 3; i++) await ask();
    await assert.rejects(ask(), (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(
        e.message,
        `429 Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. ${VISIT}`,
      );
      assert.equal(e.type, "requests");
      assert.equal(e.code, "rate_limit_exceeded");
      assert.equal(e.headers.get("retry-after"), "20");
      assert.equal(e.headers.get("x-ratelimit-remaining-requests"), "0");
      assert.equal(e.headers.get("x-ratelimit-reset-requests"), "1m0s");
      return true;
    });
    clock.advance(19_999);
    await assert.rejects(ask(), OpenAI.RateLimitError);
    clock.advance(1);
    const { response } = await ask().withResponse();
    assert.equal(response.headers.get("x-ratelimit-remaining-requests"), "0");
    assert.equal(response.headers.get("x-ratelimit-reset-requests"), "1m0s");
    clock.advance(60_000);
    const { response: later } = await ask().withResponse();
    assert.equal(later.headers.get("x-ratelimit-remaining-requests"), "2");
    assert.equal(later.headers.get("x-ratelimit-reset-requests"), "20s");
  }, {
    clock,
    maxRetries: 0,
    fake: {
      keys: [{
        key: "sk-proj-switchboard-sandbox-0000000000000000",
        rpm: 3,
        organization: "org-test",
      }],
    },
  });
});

Deno.test("openai: the tokens-per-minute budget refuses requests that would exceed it", async () => {
  const clock = new ManualClock();
  await withOpenAI(async ({ client, baseURL }) => {
    const first = await client.responses.create({ model: "gpt-4o-mini", input: TRANSCRIPT });
    const used = first.usage?.total_tokens ?? 0;
    assert.ok(used > 150 && used < 300, `used ${used}`);
    await assert.rejects(
      client.responses.create({ model: "gpt-4o-mini", input: TRANSCRIPT }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.RateLimitError);
        assert.equal(e.type, "tokens");
        assert.match(
          e.message,
          new RegExp(
            `^429 Rate limit reached for gpt-4o-mini in organization org-test on tokens per min \\(TPM\\): Limit 300, Used ${used}, Requested \\d+\\. Please try again in [\\d.]+s\\. `,
          ),
        );
        return true;
      },
    );

    const huge = await post(baseURL, "/responses", {
      model: "gpt-4o-mini",
      input: "word ".repeat(1000),
    });
    assert.equal(huge.status, 429);
    assert.equal(huge.headers.get("retry-after"), null);
    assert.deepEqual(await huge.json(), {
      error: {
        message:
          `Request too large for gpt-4o-mini in organization org-test on tokens per min (TPM): Limit 300, Requested 1256. The input or output tokens must be reduced in order to run successfully. ${VISIT}`,
        type: "tokens",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
  }, {
    clock,
    maxRetries: 0,
    fake: {
      tpm: 300,
      keys: [{ key: "sk-proj-switchboard-sandbox-0000000000000000", organization: "org-test" }],
    },
  });
});

Deno.test("openai: budgets are per key, and seeding adds keys with their own limits", async () => {
  const clock = new ManualClock();
  await withOpenAI(async ({ client, control, baseURL }) => {
    const seeded = await control("/seed", {
      method: "POST",
      body: JSON.stringify({
        openai: { keys: [{ key: "sk-proj-second-key-000000001234", rpm: 1 }] },
      }),
    });
    const summary = await seeded.json();
    assert.equal(summary.openai.keys[0].key, "sk-proj-…1234");
    assert.match(summary.openai.keys[0].organization, /^org-[A-Za-z0-9]{24}$/);
    const second = new OpenAI({
      apiKey: "sk-proj-second-key-000000001234",
      baseURL,
      maxRetries: 0,
    });
    await second.responses.create({ model: "gpt-4o-mini", input: "Hi." });
    await assert.rejects(
      second.responses.create({ model: "gpt-4o-mini", input: "Hi." }),
      OpenAI.RateLimitError,
    );
    await client.responses.create({ model: "gpt-4o-mini", input: "Hi." });

    const state = await (await control("/state/openai")).json();
    assert.deepEqual(state.usage, {
      "sk-proj-…1234": { requests: 1, inputTokens: 7, outputTokens: 1 },
      "sk-proj-…0000": { requests: 1, inputTokens: 7, outputTokens: 1 },
    });
    assert.equal(state.responses.length, 2);
  }, { clock });
});
