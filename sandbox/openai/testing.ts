/** Test support: a sandbox serving only the OpenAI fake, and an SDK client pointed at it. */
import OpenAI from "openai";
import type { Clock } from "../core/clock.ts";
import { type RunningSandbox, startSandbox } from "../server.ts";
import { createOpenAI, type OpenAIOptions, SANDBOX_OPENAI_KEY } from "./mod.ts";

export interface OpenAIHarness {
  sb: RunningSandbox;
  /** The official SDK with only baseURL and apiKey changed. */
  client: OpenAI;
  baseURL: string;
  /** A call to the sandbox control API. */
  control(path: string, init?: RequestInit): Promise<Response>;
}

export async function withOpenAI(
  fn: (h: OpenAIHarness) => Promise<void>,
  opts: { fake?: OpenAIOptions; clock?: Clock; maxRetries?: number } = {},
): Promise<void> {
  const sb = startSandbox({
    vendors: [createOpenAI(opts.fake)],
    port: 0,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const baseURL = `${sb.url}/openai/v1`;
  const client = new OpenAI({
    apiKey: SANDBOX_OPENAI_KEY,
    baseURL,
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
  });
  try {
    await fn({
      sb,
      client,
      baseURL,
      control: (path, init) => fetch(`${sb.url}/_control${path}`, init),
    });
  } finally {
    await sb.close();
  }
}

/** A raw POST with the sandbox key, for asserting on bodies the SDK would turn into errors. */
export function post(
  baseURL: string,
  path: string,
  body: unknown,
  key: string = SANDBOX_OPENAI_KEY,
): Promise<Response> {
  return fetch(`${baseURL}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A labelled two-speaker call transcript, as the transcription stage hands it over. */
export const TRANSCRIPT = [
  "A: Hi, thanks for calling Acme Plumbing, how can I help you today?",
  "B: I wanted to follow up on the quote you sent last week for the water heater.",
  "A: Sure, let me pull that up for you.",
  "B: Can we move the installation to next Tuesday morning?",
  "A: Tuesday works. I will send a confirmation email this afternoon.",
  "B: Please also include the updated invoice for the water heater.",
  "A: Of course. Is there anything else I can help with?",
  "B: No, that covers it. Thanks for your help, this was great.",
].join("\n");
