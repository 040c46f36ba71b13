/**
 * The contract as the pipeline sees it: the official `openai` SDK, with only baseURL and apiKey
 * changed, against the fake — structured outputs through both helpers, plain text, usage,
 * headers, strict-schema refusals, authentication, and the SDK's own retries on 429 and 500.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";
import { TRANSCRIPT, withOpenAI } from "./testing.ts";

const CallNotes = z.object({
  summary: z.string(),
  action_items: z.array(z.string()),
  sentiment: z.enum(["positive", "neutral", "negative"]),
});

Deno.test("openai: responses.parse with zodTextFormat returns output_parsed from the transcript", async () => {
  await withOpenAI(async ({ client }) => {
    const ask = () =>
      client.responses.parse({
        model: "gpt-4o-mini",
        instructions: "Summarise the call and list its action items.",
        input: TRANSCRIPT,
        text: { format: zodTextFormat(CallNotes, "call_notes") },
      });
    const first = await ask();
    const notes = first.output_parsed;
    assert.ok(notes);
    assert.deepEqual(CallNotes.parse(notes), notes);
    assert.match(notes.summary, /quote|water heater|installation/i);
    assert.deepEqual(notes.action_items, [
      "Move the installation to next Tuesday morning",
      "Send a confirmation email this afternoon",
      "Include the updated invoice for the water heater",
    ]);
    assert.equal(notes.sentiment, "positive");
    assert.equal(first.status, "completed");
    assert.equal(first.model, "gpt-4o-mini-2024-07-18");
    assert.match(first.id, /^resp_[0-9a-f]{48}$/);
    assert.equal(first.output_text, JSON.stringify(notes));

    const second = await ask();
    assert.deepEqual(second.output_parsed, notes, "the same input gives the same answer");
    assert.notEqual(second.id, first.id);
  });
});

Deno.test("openai: chat.completions.parse with zodResponseFormat fills nested, nullable and bounded fields", async () => {
  const FollowUp = z.object({
    title: z.string().max(60),
    action_items: z.array(z.object({
      task: z.string(),
      owner: z.string().nullable(),
      due: z.string().nullable(),
    })).max(2),
    callback_email: z.string().email().nullable(),
    follow_up_needed: z.boolean(),
    topics: z.array(z.string()).min(1).max(3),
  });
  await withOpenAI(async ({ client }) => {
    const completion = await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Extract the follow-up." },
        { role: "user", content: TRANSCRIPT },
      ],
      response_format: zodResponseFormat(FollowUp, "follow_up"),
    });
    const choice = completion.choices[0];
    assert.ok(choice);
    assert.equal(choice.finish_reason, "stop");
    assert.equal(choice.message.refusal, null);
    const parsed = choice.message.parsed;
    assert.ok(parsed);
    assert.deepEqual(FollowUp.parse(parsed), parsed);
    assert.ok(parsed.title.length <= 60);
    assert.deepEqual(parsed.action_items, [
      {
        task: "Move the installation to next Tuesday morning",
        owner: "B",
        due: "next Tuesday morning",
      },
      { task: "Send a confirmation email this afternoon", owner: "A", due: "this afternoon" },
    ]);
    assert.equal(parsed.callback_email, null, "no address in the call, and null is allowed");
    assert.equal(parsed.follow_up_needed, true);
    assert.ok(parsed.topics.includes("water"));
    assert.equal(completion.object, "chat.completion");
    assert.match(completion.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
    assert.match(completion.system_fingerprint ?? "", /^fp_[0-9a-f]{10}$/);
  });
});

Deno.test("openai: plain create answers in text and counts usage deterministically", async () => {
  await withOpenAI(async ({ client }) => {
    const res = await client.responses.create({ model: "gpt-4o-mini", input: TRANSCRIPT });
    assert.match(
      res.output_text,
      /Action items:\n- Move the installation to next Tuesday morning\./,
    );
    const usage = res.usage;
    assert.ok(usage);
    assert.equal(usage.input_tokens, 3 + 3 + Math.ceil(TRANSCRIPT.length / 4));
    assert.equal(usage.output_tokens, Math.ceil(res.output_text.length / 4));
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    assert.deepEqual(usage.output_tokens_details, { reasoning_tokens: 0 });

    const chat = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: TRANSCRIPT }],
    });
    assert.equal(chat.choices[0]?.message.content, res.output_text);
    assert.equal(chat.usage?.prompt_tokens, usage.input_tokens);
    assert.equal(chat.usage?.completion_tokens, usage.output_tokens);
  });
});

Deno.test("openai: a reasoning model puts a reasoning item first and counts reasoning tokens", async () => {
  await withOpenAI(async ({ client }) => {
    const res = await client.responses.create({
      model: "gpt-5-mini",
      input: TRANSCRIPT,
      reasoning: { effort: "low" },
    });
    assert.deepEqual(res.output.map((o) => o.type), ["reasoning", "message"]);
    const reasoning = res.usage?.output_tokens_details.reasoning_tokens ?? 0;
    assert.ok(reasoning > 0);
    assert.equal(res.usage?.output_tokens, reasoning + Math.ceil(res.output_text.length / 4));
    assert.deepEqual(res.reasoning, { effort: "low", summary: null });
  });
});

Deno.test("openai: rate-limit and request-id headers come with every answer", async () => {
  await withOpenAI(async ({ client }) => {
    const { data, response, request_id } = await client.responses
      .create({ model: "gpt-4o-mini", input: "Hello there." })
      .withResponse();
    const h = response.headers;
    assert.equal(h.get("x-ratelimit-limit-requests"), "500");
    assert.equal(h.get("x-ratelimit-remaining-requests"), "499");
    assert.equal(h.get("x-ratelimit-limit-tokens"), "200000");
    const used = data.usage?.total_tokens ?? 0;
    assert.equal(h.get("x-ratelimit-remaining-tokens"), String(200_000 - used));
    assert.match(h.get("x-ratelimit-reset-requests") ?? "", /^\d+ms$/);
    assert.match(h.get("x-ratelimit-reset-tokens") ?? "", /^\d+ms$/);
    assert.match(h.get("x-request-id") ?? "", /^req_[0-9a-f]{32}$/);
    assert.equal(request_id, h.get("x-request-id"));
    assert.match(h.get("openai-processing-ms") ?? "", /^\d+$/);
    assert.match(h.get("openai-organization") ?? "", /^org-/);
  });
});

Deno.test("openai: a schema strict mode refuses is a BadRequestError with the API's message", async () => {
  await withOpenAI(async ({ client, sb }) => {
    const missingClose = {
      type: "json_schema" as const,
      name: "call_notes",
      strict: true,
      schema: {
        type: "object",
        properties: { summary: { type: "string" } },
        required: ["summary"],
      },
    };
    await assert.rejects(
      client.responses.create({
        model: "gpt-4o-mini",
        input: TRANSCRIPT,
        text: { format: missingClose },
      }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(
          e.message,
          "400 Invalid schema for response_format 'call_notes': In context=(), 'additionalProperties' is required to be supplied and to be false.",
        );
        assert.equal(e.param, "text.format.schema");
        assert.equal(e.code, "invalid_json_schema");
        assert.equal(e.type, "invalid_request_error");
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: TRANSCRIPT }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "call_notes",
            strict: true,
            schema: {
              type: "object",
              properties: { summary: { type: "string" }, owner: { type: "string" } },
              required: ["summary"],
              additionalProperties: false,
            },
          },
        },
      }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(
          e.message,
          "400 Invalid schema for response_format 'call_notes': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'owner'.",
        );
        assert.equal(e.param, "response_format");
        return true;
      },
    );
    assert.equal(sb.sandbox.log.list().length, 2, "the SDK does not retry a 400");
  });
});

Deno.test("openai: an unknown or missing key is an AuthenticationError", async () => {
  await withOpenAI(async ({ baseURL }) => {
    const wrong = new OpenAI({ apiKey: "sk-proj-not-a-real-key-0123456789abcd", baseURL });
    await assert.rejects(
      wrong.responses.create({ model: "gpt-4o-mini", input: "hi" }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.AuthenticationError);
        assert.equal(e.status, 401);
        assert.equal(e.code, "invalid_api_key");
        assert.equal(
          e.message,
          "401 Incorrect API key provided: sk-proj-*************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.",
        );
        return true;
      },
    );
    const res = await fetch(`${baseURL}/responses`, { method: "POST", body: "{}" });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.match(body.error.message, /^You didn't provide an API key\./);
    assert.equal(body.error.code, null);
  });
});

Deno.test("openai: an injected 429 with retry-after is retried by the SDK after that delay", async () => {
  await withOpenAI(async ({ client, control, sb }) => {
    const fault = await control("/faults", {
      method: "POST",
      body: JSON.stringify({ vendor: "openai", status: 429, retryAfter: 0.1, times: 1 }),
    });
    assert.equal(fault.status, 201);
    await fault.body?.cancel();
    const started = performance.now();
    const parsed = await client.responses.parse({
      model: "gpt-4o-mini",
      input: TRANSCRIPT,
      text: { format: zodTextFormat(CallNotes, "call_notes") },
    });
    const elapsed = performance.now() - started;
    assert.equal(parsed.output_parsed?.sentiment, "positive");
    // retry-after: 0.1 → ~100 ms; without it the SDK would back off 375–500 ms.
    assert.ok(elapsed >= 95 && elapsed < 370, `retried after ${elapsed} ms`);
    const log = await (await control("/requests?vendor=openai")).json();
    assert.deepEqual(
      log.map((e: { status: number; fault: string | null }) => [e.status, e.fault]),
      [[429, "status-429"], [200, null]],
    );
    assert.equal(sb.sandbox.log.list().length, 2);
  });
});

Deno.test("openai: an injected 500 is retried by the SDK and answered in OpenAI's error shape", async () => {
  await withOpenAI(async ({ client, control, baseURL }) => {
    const add = (times: number) =>
      control("/faults", {
        method: "POST",
        body: JSON.stringify({ vendor: "openai", status: 500, retryAfter: 0, times }),
      }).then((r) => r.body?.cancel());
    await add(1);
    const chat = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello there." }],
    });
    assert.equal(chat.choices[0]?.finish_reason, "stop");
    const log = await (await control("/requests?vendor=openai")).json();
    assert.deepEqual(log.map((e: { status: number }) => e.status), [500, 200]);

    await add(1);
    const raw = await fetch(`${baseURL}/responses`, { method: "POST", body: "{}" });
    assert.equal(raw.status, 500);
    const body = await raw.json();
    assert.equal(body.error.type, "server_error");
    assert.match(body.error.message, /^The server had an error while processing your request\./);
    assert.ok(body.error.message.includes(raw.headers.get("x-request-id")));
  });
});
