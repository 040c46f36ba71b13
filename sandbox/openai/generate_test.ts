/**
 * The fake model's output: valid for every schema feature strict mode allows (the SDK's zod
 * parse is the judge), derived from the input, deterministic, and cut off by the output budget
 * the way the real API cuts it off.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { LengthFinishReasonError } from "openai/error";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";
import { generateFromSchema } from "./generate.ts";
import { stringMatching } from "./pattern.ts";
import { analyze } from "./text.ts";
import { TRANSCRIPT, withOpenAI } from "./testing.ts";

const Rich = z.object({
  summary: z.string().min(40).max(120),
  title: z.string().max(30),
  items: z.array(z.object({ task: z.string(), due: z.string().nullable() })).min(4).max(5),
  sentiment: z.enum(["positive", "neutral", "negative"]),
  priority: z.enum(["low", "medium", "high"]),
  score: z.number().int().min(1).max(5),
  ratio: z.number().multipleOf(0.5).gt(0).lt(10),
  at: z.string().datetime(),
  day: z.string().date(),
  id: z.string().uuid(),
  code: z.string().regex(/^[A-Z]{3}-\d{4}$/),
  kind: z.literal("call"),
  either: z.union([z.string(), z.number()]),
  contact_email: z.string().email().nullable(),
  question_count: z.number().int(),
  has_questions: z.boolean(),
});

Deno.test("openai: generated output satisfies every schema feature strict mode allows", async () => {
  await withOpenAI(async ({ client }) => {
    const res = await client.responses.parse({
      model: "gpt-4.1-mini",
      input: TRANSCRIPT,
      text: { format: zodTextFormat(Rich, "rich") },
    });
    const v = res.output_parsed;
    assert.ok(v, "the SDK's zod parse accepted the output");
    assert.equal(v.items.length, 4, "padded up to minItems");
    assert.equal(v.kind, "call");
    assert.match(v.code, /^[A-Z]{3}-\d{4}$/);
    assert.equal(v.contact_email, null);
    assert.equal(v.question_count, 3);
    assert.equal(v.has_questions, true);
    assert.equal(v.sentiment, "positive");
    assert.equal(v.score, 5);
    assert.equal(v.at, "2026-01-01T00:00:00Z", "no date in the call: the request's date");
  }, { clock: { now: () => Date.UTC(2026, 0, 1) } });
});

Deno.test("openai: shared definitions and recursive schemas are filled to a finite depth", async () => {
  const Person = z.object({ name: z.string(), email: z.string().email().nullable() });
  interface Topic {
    label: string;
    subtopics: Topic[];
  }
  const TopicSchema: z.ZodType<Topic> = z.lazy(() =>
    z.object({ label: z.string(), subtopics: z.array(TopicSchema) })
  );
  await withOpenAI(async ({ client }) => {
    const people = await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `${TRANSCRIPT}\nB: Reach me at jo@example.org please.` }],
      response_format: zodResponseFormat(
        z.object({ caller: Person, participants: z.array(Person) }),
        "people",
        { schemaDefinitions: { Person } },
      ),
    });
    const parsed = people.choices[0]?.message.parsed;
    assert.ok(parsed);
    assert.equal(parsed.caller.name, "A");
    assert.deepEqual(parsed.participants.map((p) => p.name), ["A", "B"]);
    assert.equal(parsed.caller.email, "jo@example.org");

    const tree = await client.responses.parse({
      model: "gpt-4o-mini",
      input: TRANSCRIPT,
      text: { format: zodTextFormat(z.object({ topics: z.array(TopicSchema) }), "tree") },
    });
    assert.ok(tree.output_parsed);
    assert.ok(tree.output_parsed.topics.length > 0);
  });
});

Deno.test("openai: answers are deterministic and follow the input", () => {
  const schema = zodTextFormat(
    z.object({ summary: z.string(), action_items: z.array(z.string()) }),
    "n",
  ).schema as Record<string, unknown>;
  const gen = (text: string) => generateFromSchema(schema, analyze(text), text, 0);
  assert.deepEqual(gen(TRANSCRIPT), gen(TRANSCRIPT));
  const other = "A: The boiler is broken again.\nB: I will send a technician tomorrow at 9 am.";
  assert.deepEqual(gen(other), {
    summary: "The boiler is broken again. I will send a technician tomorrow at 9 am.",
    action_items: ["Send a technician tomorrow at 9 am"],
  });
});

Deno.test("openai: patterns are satisfied from the regular expression itself", () => {
  for (
    const p of [
      "^[A-Z]{3}-\\d{4}$",
      "^(?:INV|QT)_[0-9a-f]{8}$",
      "^\\+?[1-9]\\d{7,14}$",
      "[^@\\s]+@[^@\\s]+",
    ]
  ) {
    const s = stringMatching(p);
    assert.ok(s !== null && new RegExp(p, "u").test(s), `${p} → ${s}`);
  }
  assert.equal(stringMatching("^(a)\\1$"), null, "backreferences are not generated");
});

Deno.test("openai: an output budget too small cuts the answer off, as the API does", async () => {
  const Notes = z.object({ summary: z.string(), action_items: z.array(z.string()) });
  await withOpenAI(async ({ client }) => {
    const res = await client.responses.create({
      model: "gpt-4o-mini",
      input: TRANSCRIPT,
      max_output_tokens: 16,
      text: { format: zodTextFormat(Notes, "notes") },
    });
    assert.equal(res.status, "incomplete");
    assert.deepEqual(res.incomplete_details, { reason: "max_output_tokens" });
    assert.equal(res.usage?.output_tokens, 16);
    assert.equal(res.output_text.length, 64);
    assert.throws(() => JSON.parse(res.output_text));

    await assert.rejects(
      client.chat.completions.parse({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: TRANSCRIPT }],
        max_completion_tokens: 10,
        response_format: zodResponseFormat(Notes, "notes"),
      }),
      LengthFinishReasonError,
    );

    const reasoning = await client.responses.create({
      model: "gpt-5-nano",
      input: TRANSCRIPT,
      max_output_tokens: 20,
    });
    assert.equal(reasoning.status, "incomplete");
    assert.deepEqual(reasoning.output.map((o) => o.type), ["reasoning"]);
    assert.equal(reasoning.output_text, "", "the whole budget went to reasoning");
  });
});

Deno.test("openai: JSON mode answers an object and requires the word json", async () => {
  await withOpenAI(async ({ client }) => {
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Reply in JSON." },
        { role: "user", content: TRANSCRIPT },
      ],
      response_format: { type: "json_object" },
    });
    const parsed = JSON.parse(res.choices[0]?.message.content ?? "");
    assert.deepEqual(Object.keys(parsed), ["summary", "action_items", "keywords", "sentiment"]);
    await assert.rejects(
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Summarise this." }],
        response_format: { type: "json_object" },
      }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(
          e.message,
          "400 'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        );
        return true;
      },
    );
  });
});

Deno.test("openai: streaming delivers the same answer as events and chunks", async () => {
  await withOpenAI(async ({ client }) => {
    const plain = await client.responses.create({ model: "gpt-4o-mini", input: TRANSCRIPT });
    const stream = client.responses.stream({ model: "gpt-4o-mini", input: TRANSCRIPT });
    const types = new Set<string>();
    let text = "";
    for await (const ev of stream) {
      types.add(ev.type);
      if (ev.type === "response.output_text.delta") text += ev.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(text, plain.output_text);
    assert.equal(final.output_text, plain.output_text);
    assert.deepEqual([...types], [
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);

    const chunks = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: TRANSCRIPT }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let chat = "";
    let total = 0;
    for await (const c of chunks) {
      chat += c.choices[0]?.delta.content ?? "";
      total = c.usage?.total_tokens ?? total;
    }
    assert.equal(chat, plain.output_text);
    assert.equal(total, plain.usage?.total_tokens);
  });
});
