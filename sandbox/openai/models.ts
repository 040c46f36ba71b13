/**
 * The models the fake serves. A request names an alias (`gpt-4o-mini`) or a dated snapshot
 * (`gpt-4o-mini-2024-07-18`); responses report the snapshot, as the real API does. Anything
 * else is `model_not_found`. Limits are the published ones for each model.
 */
export interface ModelInfo {
  /** The dated snapshot responses report in `model`. */
  snapshot: string;
  contextWindow: number;
  maxOutputTokens: number;
  /** o-series and gpt-5: reasoning tokens, no temperature/top_p, `reasoning.effort`. */
  reasoning: boolean;
  /** `json_schema` response formats (gpt-4o-2024-08-06 and later, gpt-4o-mini). */
  structuredOutputs: boolean;
  /** `json_object` response formats. */
  jsonMode: boolean;
}

const chat = (snapshot: string, contextWindow: number, maxOutputTokens: number): ModelInfo => ({
  snapshot,
  contextWindow,
  maxOutputTokens,
  reasoning: false,
  structuredOutputs: true,
  jsonMode: true,
});

const reasoning = (snapshot: string, contextWindow: number, maxOutputTokens: number) => ({
  ...chat(snapshot, contextWindow, maxOutputTokens),
  reasoning: true,
});

/** Alias → model. Snapshots are added as their own aliases below. */
const ALIASES: Record<string, ModelInfo> = {
  "gpt-4o-mini": chat("gpt-4o-mini-2024-07-18", 128_000, 16_384),
  "gpt-4o": chat("gpt-4o-2024-08-06", 128_000, 16_384),
  "gpt-4o-2024-11-20": chat("gpt-4o-2024-11-20", 128_000, 16_384),
  "gpt-4o-2024-05-13": { ...chat("gpt-4o-2024-05-13", 128_000, 4_096), structuredOutputs: false },
  "gpt-4.1": chat("gpt-4.1-2025-04-14", 1_047_576, 32_768),
  "gpt-4.1-mini": chat("gpt-4.1-mini-2025-04-14", 1_047_576, 32_768),
  "gpt-4.1-nano": chat("gpt-4.1-nano-2025-04-14", 1_047_576, 32_768),
  "gpt-5": reasoning("gpt-5-2025-08-07", 400_000, 128_000),
  "gpt-5-mini": reasoning("gpt-5-mini-2025-08-07", 400_000, 128_000),
  "gpt-5-nano": reasoning("gpt-5-nano-2025-08-07", 400_000, 128_000),
  // The current low-cost model (developers.openai.com/api/docs/models/gpt-6-luna: $0.10 / $0.50
  // per 1M tokens); the fake reports the alias as its snapshot (no dated id was published).
  "gpt-6-luna": reasoning("gpt-6-luna", 1_050_000, 128_000),
  "o3": reasoning("o3-2025-04-16", 200_000, 100_000),
  "o4-mini": reasoning("o4-mini-2025-04-16", 200_000, 100_000),
  "gpt-3.5-turbo": {
    ...chat("gpt-3.5-turbo-0125", 16_385, 4_096),
    structuredOutputs: false,
  },
};

export type ModelRegistry = Map<string, ModelInfo>;

export function defaultModels(extra: Record<string, ModelInfo> = {}): ModelRegistry {
  const all = new Map<string, ModelInfo>();
  for (const [alias, info] of Object.entries({ ...ALIASES, ...extra })) {
    all.set(alias, info);
    if (!all.has(info.snapshot)) all.set(info.snapshot, info);
  }
  return all;
}
