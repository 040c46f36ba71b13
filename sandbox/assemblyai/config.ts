/** Options of the AssemblyAI fake and their defaults (the real service's limits). */
import { DEFAULT_SPEECH_MODELS } from "./models.ts";

export interface AssemblyAIOptions {
  /** API keys accepted in `Authorization` (all belong to one account). */
  apiKeys?: string[];
  /** Jobs processed at once; extra jobs wait `queued`, FIFO. Free tier: 5. */
  concurrency?: number;
  /**
   * Simulated processing time on the sandbox clock: `baseMs + perAudioSecondMs × duration`.
   * Errors (unreadable audio) settle after `baseMs`.
   */
  processing?: { baseMs?: number; perAudioSecondMs?: number };
  /**
   * Real-time progress: while jobs or webhooks are pending, a timer advances them every
   * `autoTickMs` milliseconds (for the demo). 0 turns it off; jobs then move only on API
   * requests and `POST /_control/assemblyai/tick` (deterministic tests).
   */
  autoTickMs?: number;
  /**
   * Reject creates without `speech_models` ("speech_models must be a non-empty list"). The docs
   * said so through mid-2026; later the API defaulted them. On by default: stricter is safer.
   */
  requireSpeechModels?: boolean;
  /** Models used when `speech_models` is optional and omitted. */
  defaultSpeechModels?: string[];
  /** HTTP rate limit per account: 20,000 requests per 5 minutes. */
  rateLimit?: { requests: number; perSeconds: number } | false;
  webhook?: { maxAttempts?: number; retryDelayMs?: number; timeoutMs?: number };
  /** Real milliseconds allowed for fetching an `audio_url`. */
  downloadTimeoutMs?: number;
  /** `/v2/upload` limit, 2.2 GB. */
  maxUploadBytes?: number;
  /** `audio_url` file limit, 5 GB. */
  maxFileBytes?: number;
  /** Maximum audio duration, 10 hours. */
  maxDurationSec?: number;
}

export const DEFAULT_API_KEY = "sandbox-assemblyai-key";

export type ResolvedConfig = Required<Omit<AssemblyAIOptions, "processing" | "webhook">> & {
  processing: { baseMs: number; perAudioSecondMs: number };
  webhook: { maxAttempts: number; retryDelayMs: number; timeoutMs: number };
};

export function resolveConfig(o: AssemblyAIOptions = {}): ResolvedConfig {
  const concurrency = o.concurrency ?? 5;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error("assemblyai: concurrency must be a positive integer");
  }
  return {
    apiKeys: o.apiKeys ?? [DEFAULT_API_KEY],
    concurrency,
    processing: {
      baseMs: o.processing?.baseMs ?? 2_000,
      perAudioSecondMs: o.processing?.perAudioSecondMs ?? 20,
    },
    autoTickMs: o.autoTickMs ?? 250,
    requireSpeechModels: o.requireSpeechModels ?? true,
    defaultSpeechModels: o.defaultSpeechModels ?? DEFAULT_SPEECH_MODELS,
    rateLimit: o.rateLimit ?? { requests: 20_000, perSeconds: 300 },
    webhook: {
      maxAttempts: o.webhook?.maxAttempts ?? 10,
      retryDelayMs: o.webhook?.retryDelayMs ?? 10_000,
      timeoutMs: o.webhook?.timeoutMs ?? 10_000,
    },
    downloadTimeoutMs: o.downloadTimeoutMs ?? 60_000,
    maxUploadBytes: o.maxUploadBytes ?? 2_200_000_000,
    maxFileBytes: o.maxFileBytes ?? 5_000_000_000,
    maxDurationSec: o.maxDurationSec ?? 10 * 3600,
  };
}
