import { createOpenAIAdapter } from "../_shared/adapters/openai/client.ts";
import { serveStage } from "../_shared/platform/stage_function.ts";
import { openAIEnv, serveNotConfigured } from "./config.ts";
import { sqlSummaryStore } from "./store.ts";
import { summarizeCall } from "./summarize.ts";

const config = openAIEnv(Deno.env.toObject());
if (!config.ok) {
  serveNotConfigured("call-summarize", config.reason);
} else {
  const { OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_TIMEOUT_MS } = config.env;
  serveStage({
    stage: "call_summarize",
    fn: "call-summarize",
    handler: ({ sql, log }) =>
      summarizeCall({
        store: sqlSummaryStore(sql),
        openai: createOpenAIAdapter({
          apiKey: OPENAI_API_KEY,
          baseURL: OPENAI_BASE_URL,
          timeoutMs: OPENAI_TIMEOUT_MS,
          fetch,
          now: Date.now,
          log,
        }),
      }),
  });
}
