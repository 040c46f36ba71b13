/**
 * Deterministic token counts. The fake has no tokenizer, so a token is four characters of text
 * (rounded up per piece), OpenAI's own rule of thumb for English. Each message costs 3 tokens of
 * framing and every reply 3 tokens of priming, as in OpenAI's token-counting guide; a
 * `json_schema` format counts its schema as input, as the real API does.
 */
export const MESSAGE_OVERHEAD = 3;
export const REPLY_PRIMING = 3;

export function countTokens(text: string): number {
  return Math.ceil([...text].length / 4);
}

/** Input tokens for a conversation: its message texts, framing, and the schema if any. */
export function inputTokens(messages: { text: string }[], schema?: unknown): number {
  let n = REPLY_PRIMING;
  for (const m of messages) n += MESSAGE_OVERHEAD + countTokens(m.text);
  if (schema !== undefined) n += countTokens(JSON.stringify(schema));
  return n;
}

/**
 * Reasoning tokens a reasoning model spends before answering: proportional to the answer, by
 * effort (minimal: none, low: half, medium: as many, high: twice as many).
 */
export function reasoningTokens(answerTokens: number, effort: string | null): number {
  const factor = { minimal: 0, none: 0, low: 0.5, medium: 1, high: 2 }[effort ?? "medium"] ?? 1;
  return Math.ceil(answerTokens * factor) + (factor > 0 ? 16 : 0);
}
