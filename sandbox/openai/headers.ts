/** The headers every OpenAI API answer carries. */
export function openaiHeaders(
  requestId: string,
  organization: string | null,
  processingMs: number,
): Record<string, string> {
  return {
    "x-request-id": requestId,
    "openai-processing-ms": String(Math.max(1, Math.round(processingMs))),
    "openai-version": "2020-10-01",
    ...(organization ? { "openai-organization": organization } : {}),
  };
}

/**
 * A stand-in for the time the model took, derived from the work done so it is reproducible:
 * a fixed overhead plus per-token costs.
 */
export const processingMsFor = (inputTokens: number, outputTokens: number): number =>
  40 + inputTokens / 20 + outputTokens * 2;
