import assert from "node:assert/strict";
import type { TranscriptParams } from "assemblyai";
import { MODELS, raw, sdkError, startFake } from "./test_helpers.ts";

// Nothing listens on port 9: jobs created here fail fast without leaving the machine.
const AUDIO = "http://127.0.0.1:9/call.wav";

/** Bodies the real API refuses, with the message the SDK surfaces. */
const CASES: [string, Record<string, unknown>, string | RegExp][] = [
  ["no audio_url", { speech_models: MODELS }, "Transcript creation error, audio_url not found"],
  [
    "a local path",
    { audio_url: "./call.wav", speech_models: MODELS },
    "Transcript creation error, audio_url should start with http",
  ],
  ["no speech_models", { audio_url: AUDIO }, "speech_models must be a non-empty list"],
  [
    "empty speech_models",
    { audio_url: AUDIO, speech_models: [] },
    "speech_models must be a non-empty list",
  ],
  [
    "a retired model",
    { audio_url: AUDIO, speech_models: ["nano"] },
    /^speech_models must be one of: assemblyai-stt-3-7, universal-3-5-pro, /,
  ],
  [
    "the deprecated singular speech_model",
    { audio_url: AUDIO, speech_model: "best" },
    /^speech_model is deprecated\. Use "speech_models" instead\./,
  ],
  [
    "a non-boolean speaker_labels",
    { audio_url: AUDIO, speech_models: MODELS, speaker_labels: "yes" },
    "speaker_labels must be a Boolean",
  ],
  [
    "speakers_expected out of range",
    { audio_url: AUDIO, speech_models: MODELS, speakers_expected: 11 },
    "speakers_expected must be between 1 and 10",
  ],
  [
    "a fractional speakers_expected",
    { audio_url: AUDIO, speech_models: MODELS, speakers_expected: 1.5 },
    "speakers_expected must be an Integer",
  ],
  [
    "an unknown language",
    { audio_url: AUDIO, speech_models: MODELS, language_code: "xx" },
    /^language_code must be one of the supported language codes/,
  ],
  [
    "a webhook auth name without a value",
    {
      audio_url: AUDIO,
      speech_models: MODELS,
      webhook_url: "https://example.com/hook",
      webhook_auth_header_name: "X-Secret",
    },
    "webhook_auth_header_name and webhook_auth_header_value must be provided together",
  ],
  [
    "a webhook auth value without a name",
    { audio_url: AUDIO, speech_models: MODELS, webhook_auth_header_value: "s" },
    "webhook_auth_header_name and webhook_auth_header_value must be provided together",
  ],
  [
    "a webhook_url that is not http(s)",
    { audio_url: AUDIO, speech_models: MODELS, webhook_url: "ftp://example.com/hook" },
    "webhook_url must be a valid http or https URL",
  ],
  [
    "an unknown parameter",
    { audio_url: AUDIO, speech_models: MODELS, speaker_label: true },
    "Invalid endpoint schema, please refer to documentation for examples.",
  ],
  [
    "prompt with keyterms_prompt",
    {
      audio_url: AUDIO,
      speech_models: ["universal-3-pro"],
      prompt: "A call",
      keyterms_prompt: ["Acme"],
    },
    "prompt and keyterms_prompt cannot be used in the same request",
  ],
  [
    "a real feature the sandbox does not simulate",
    { audio_url: AUDIO, speech_models: MODELS, summarization: true },
    /^sandbox: summarization is an AssemblyAI parameter/,
  ],
];

Deno.test("assemblyai: invalid create bodies are refused with 400 {error}", async () => {
  const fake = startFake();
  try {
    for (const [name, body, message] of CASES) {
      const res = await raw(fake, "/v2/transcript", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, name);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const json = await res.json();
      assert.deepEqual(Object.keys(json), ["error"], name);
      if (typeof message === "string") assert.equal(json.error, message, name);
      else assert.match(json.error, message, name);
    }
    const list = await (await raw(fake, "/v2/transcript")).json();
    assert.equal(list.transcripts.length, 0, "nothing was created");
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: validation errors surface as SDK errors with the API's message", async () => {
  const fake = startFake();
  try {
    const msg = await sdkError(
      fake.client.transcripts.submit({ audio_url: AUDIO } as TranscriptParams),
    );
    assert.equal(msg, "speech_models must be a non-empty list");
    const bad = await sdkError(
      fake.client.transcripts.submit({ audio_url: "", speech_models: MODELS }),
    );
    assert.equal(bad, "Transcript creation error, audio_url not found");
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: a body that is not a JSON object is a schema error", async () => {
  const fake = startFake();
  try {
    for (const body of ["not json", "[1,2]", '"x"']) {
      const res = await raw(fake, "/v2/transcript", { method: "POST", body });
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), {
        error: "Invalid endpoint schema, please refer to documentation for examples.",
      });
    }
  } finally {
    await fake.close();
  }
});

Deno.test("assemblyai: optional speech_models take the account default when allowed", async () => {
  const fake = startFake({ requireSpeechModels: false });
  try {
    const t = await fake.client.transcripts.submit({ audio_url: AUDIO } as TranscriptParams);
    assert.deepEqual(t.speech_models, ["universal-3-5-pro", "universal-2"]);
    // Null values are the same as leaving the parameter out.
    const n = await fake.client.transcripts.submit({
      audio_url: AUDIO,
      speech_models: null,
      speech_model: null,
      speakers_expected: null,
    });
    assert.equal(n.speakers_expected, null);
    // A feature switched off is fine even where the sandbox does not simulate it.
    const off = await fake.client.transcripts.submit({
      audio_url: AUDIO,
      speech_models: MODELS,
      summarization: false,
      word_boost: [],
      redact_pii_sub: null,
    });
    assert.equal(off.status, "processing");
  } finally {
    await fake.close();
  }
});
