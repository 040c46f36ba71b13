/**
 * Request validation as the real endpoints answer it (status, type, param, code and wording),
 * stored responses with retrieval and `previous_response_id`, and OpenAI's 404 for other URLs.
 */
import assert from "node:assert/strict";
import { SANDBOX_OPENAI_KEY } from "./mod.ts";
import { post, TRANSCRIPT, withOpenAI } from "./testing.ts";

async function expectError(
  res: Promise<Response>,
  status: number,
  error: { message: string; type?: string; param: string | null; code: string | null },
): Promise<void> {
  const r = await res;
  assert.equal(r.status, status);
  assert.match(r.headers.get("x-request-id") ?? "", /^req_/);
  assert.deepEqual(await r.json(), { error: { type: "invalid_request_error", ...error } });
}

Deno.test("openai: the Responses endpoint validates parameters with the API's errors", async () => {
  await withOpenAI(async ({ baseURL }) => {
    const responses = (body: unknown) => post(baseURL, "/responses", body);
    await expectError(responses({ model: "gpt-4o-mini", input: "hi", foo: 1 }), 400, {
      message: "Unknown parameter: 'foo'.",
      param: "foo",
      code: "unknown_parameter",
    });
    await expectError(responses({ input: "hi" }), 400, {
      message: "Missing required parameter: 'model'.",
      param: "model",
      code: "missing_required_parameter",
    });
    await expectError(responses({ model: "gpt-9", input: "hi" }), 404, {
      message: "The model `gpt-9` does not exist or you do not have access to it.",
      param: null,
      code: "model_not_found",
    });
    await expectError(responses({ model: "gpt-4o-mini", input: "hi", temperature: 3 }), 400, {
      message:
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
      param: "temperature",
      code: "decimal_above_max_value",
    });
    await expectError(responses({ model: "gpt-4o-mini", input: "hi", max_output_tokens: 5 }), 400, {
      message:
        "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 instead.",
      param: "max_output_tokens",
      code: "integer_below_min_value",
    });
    await expectError(responses({ model: "gpt-5-mini", input: "hi", temperature: 0.2 }), 400, {
      message: "Unsupported parameter: 'temperature' is not supported with this model.",
      param: "temperature",
      code: "unsupported_parameter",
    });
    await expectError(
      responses({ model: "gpt-4o-mini", input: [{ role: "bot", content: "hi" }] }),
      400,
      {
        message:
          "Invalid value: 'bot'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
        param: "input[0].role",
        code: "invalid_value",
      },
    );
    await expectError(
      responses({
        model: "gpt-4o-mini",
        input: "hi",
        text: { format: { type: "json_schema", name: "call notes", schema: {} } },
      }),
      400,
      {
        message:
          "Invalid 'text.format.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        param: "text.format.name",
        code: "invalid_value",
      },
    );
    await expectError(
      responses({ model: "gpt-4o-mini", input: "hi", text: { format: { type: "json_schema" } } }),
      400,
      {
        message: "Missing required parameter: 'text.format.name'.",
        param: "text.format.name",
        code: "missing_required_parameter",
      },
    );
    await expectError(post(baseURL, "/responses", "{not json"), 400, {
      message:
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      param: null,
      code: null,
    });
    await expectError(
      responses({ model: "gpt-4o-mini", input: "hi", background: true }),
      400,
      {
        message:
          "The provider sandbox does not simulate 'background' (background mode); the real API accepts it. See sandbox/openai/README.md.",
        param: "background",
        code: "sandbox_unsupported",
      },
    );
  });
});

Deno.test("openai: the Chat Completions endpoint keeps its own error wordings", async () => {
  await withOpenAI(async ({ baseURL }) => {
    const chat = (body: unknown) => post(baseURL, "/chat/completions", body);
    const messages = [{ role: "user", content: "hi" }];
    await expectError(chat({ model: "gpt-4o-mini", messages, foo: 1 }), 400, {
      message: "Unrecognized request argument supplied: foo",
      param: null,
      code: null,
    });
    await expectError(chat({ messages }), 400, {
      message: "you must provide a model parameter",
      param: null,
      code: null,
    });
    await expectError(chat({ model: "gpt-4o-mini", messages: [] }), 400, {
      message:
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      param: "messages",
      code: "empty_array",
    });
    await expectError(
      chat({ model: "gpt-4o-mini", messages: [{ role: "bot", content: "x" }] }),
      400,
      {
        message:
          "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
        param: "messages[0].role",
        code: "invalid_value",
      },
    );
    await expectError(
      chat({ model: "gpt-4o-mini", messages: [{ role: "tool", content: "x", tool_call_id: "c" }] }),
      400,
      {
        message:
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        param: "messages[0].role",
        code: null,
      },
    );
    await expectError(chat({ model: "gpt-5-mini", messages, max_tokens: 100 }), 400, {
      message:
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: "max_tokens",
      code: "unsupported_parameter",
    });
    await expectError(
      chat({
        model: "gpt-3.5-turbo",
        messages,
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", schema: { type: "object", properties: {} } },
        },
      }),
      400,
      {
        message:
          "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn more about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs",
        param: "response_format",
        code: null,
      },
    );
    await expectError(
      chat({
        model: "gpt-3.5-turbo",
        messages: [{ role: "user", content: "word ".repeat(70_000) }],
      }),
      400,
      {
        message:
          "This model's maximum context length is 16385 tokens. However, your messages resulted in 87506 tokens. Please reduce the length of the messages.",
        param: "messages",
        code: "context_length_exceeded",
      },
    );
  });
});

Deno.test("openai: stored responses are retrievable and continue with previous_response_id", async () => {
  await withOpenAI(async ({ client, baseURL }) => {
    const first = await client.responses.create({
      model: "gpt-4o-mini",
      instructions: "Summarise.",
      input: TRANSCRIPT,
    });
    const again = await client.responses.retrieve(first.id);
    assert.deepEqual(again.output, first.output);
    const follow = await client.responses.create({
      model: "gpt-4o-mini",
      previous_response_id: first.id,
      input: "Also, the boiler is broken. Please send a technician.",
    });
    assert.equal(follow.previous_response_id, first.id);
    assert.equal(follow.instructions, null, "instructions do not carry over");
    assert.ok((follow.usage?.input_tokens ?? 0) > (first.usage?.input_tokens ?? 0));
    assert.match(follow.output_text, /- Send a technician\./);

    const unstored = await client.responses.create({
      model: "gpt-4o-mini",
      input: "hi",
      store: false,
    });
    await expectError(
      fetch(`${baseURL}/responses/${unstored.id}`, {
        headers: { authorization: `Bearer ${SANDBOX_OPENAI_KEY}` },
      }),
      404,
      { message: `Response with id '${unstored.id}' not found.`, param: null, code: null },
    );
    await expectError(
      post(baseURL, "/responses", {
        model: "gpt-4o-mini",
        input: "hi",
        previous_response_id: unstored.id,
      }),
      400,
      {
        message: `Previous response with id '${unstored.id}' not found.`,
        param: "previous_response_id",
        code: "previous_response_not_found",
      },
    );
    const deleted: unknown = await client.responses.delete(first.id);
    assert.deepEqual(deleted, { id: first.id, object: "response", deleted: true });
    await assert.rejects(client.responses.retrieve(first.id));
  });
});

Deno.test("openai: other URLs answer OpenAI's Invalid URL 404", async () => {
  await withOpenAI(async ({ baseURL }) => {
    const auth = { authorization: `Bearer ${SANDBOX_OPENAI_KEY}` };
    await expectError(fetch(`${baseURL}/models`, { headers: auth }), 404, {
      message: "Invalid URL (GET /v1/models)",
      param: null,
      code: null,
    });
    await expectError(fetch(`${baseURL}/chat/completions`, { method: "PUT", headers: auth }), 404, {
      message: "Invalid URL (PUT /v1/chat/completions)",
      param: null,
      code: null,
    });
  });
});
