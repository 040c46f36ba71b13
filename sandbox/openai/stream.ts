/**
 * Server-sent-event streams for `stream: true`, in the event sequence the real endpoints emit:
 * Responses `response.created` → `response.in_progress` → output items with their content
 * parts and `response.output_text.delta`s → `response.completed` (or `response.incomplete`);
 * Chat Completions `chat.completion.chunk`s ending with `finish_reason`, an optional usage
 * chunk, and `data: [DONE]`. The answer is computed first, so the stream is delivered at once.
 */
import type { Completion } from "./engine.ts";
import { finishReason, usageOf } from "./chat.ts";

type Json = Record<string, unknown>;

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

/** Text in token-sized pieces: each word with the whitespace before it. */
export function deltas(text: string): string[] {
  return text.match(/\s*\S{1,8}|\s+/g) ?? [];
}

export function responsesStream(body: Json, headers: Record<string, string>): Response {
  let seq = 0;
  const events: string[] = [];
  const emit = (type: string, data: Json) =>
    events.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`,
    );
  const pending = {
    ...body,
    status: "in_progress",
    completed_at: null,
    incomplete_details: null,
    output: [],
    usage: null,
  };
  emit("response.created", { response: pending });
  emit("response.in_progress", { response: pending });
  const output = body.output as Json[];
  output.forEach((item, output_index) => {
    if (item.type !== "message") {
      emit("response.output_item.added", { output_index, item });
      emit("response.output_item.done", { output_index, item });
      return;
    }
    const item_id = item.id;
    const part = (item.content as Json[])[0]!;
    const text = String(part.text);
    emit("response.output_item.added", {
      output_index,
      item: { ...item, status: "in_progress", content: [] },
    });
    const ids = { item_id, output_index, content_index: 0 };
    emit("response.content_part.added", { ...ids, part: { ...part, text: "" } });
    for (const delta of deltas(text)) {
      emit("response.output_text.delta", { ...ids, delta, logprobs: [] });
    }
    emit("response.output_text.done", { ...ids, text, logprobs: [] });
    emit("response.content_part.done", { ...ids, part });
    emit("response.output_item.done", { output_index, item });
  });
  emit(body.status === "incomplete" ? "response.incomplete" : "response.completed", {
    response: body,
  });
  return new Response(events.join(""), { status: 200, headers: { ...SSE_HEADERS, ...headers } });
}

export function chatStream(
  base: { id: string; created: number; model: string; service_tier: string; fingerprint: string },
  c: Completion,
  n: number,
  includeUsage: boolean,
  headers: Record<string, string>,
): Response {
  const chunks: string[] = [];
  const chunk = (choices: Json[], usage?: Json) =>
    chunks.push(
      `data: ${
        JSON.stringify({
          id: base.id,
          object: "chat.completion.chunk",
          created: base.created,
          model: base.model,
          service_tier: base.service_tier,
          system_fingerprint: base.fingerprint,
          choices,
          ...(includeUsage ? { usage: usage ?? null } : {}),
        })
      }\n\n`,
    );
  const choice = (index: number, delta: Json, finish: string | null) => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  for (let i = 0; i < n; i++) {
    chunk([choice(i, { role: "assistant", content: "", refusal: null }, null)]);
    for (const d of deltas(c.text)) chunk([choice(i, { content: d }, null)]);
    chunk([choice(i, {}, finishReason(c))]);
  }
  if (includeUsage) chunk([], usageOf(c, n));
  chunks.push("data: [DONE]\n\n");
  return new Response(chunks.join(""), { status: 200, headers: { ...SSE_HEADERS, ...headers } });
}
