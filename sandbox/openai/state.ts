/** Everything the OpenAI fake remembers, so that reset and state() have one place to look. */
import type { Turn } from "./engine.ts";
import { IdSource } from "./ids.ts";
import { type KeyConfig, KeyRing, type Limits } from "./keys.ts";
import type { ModelRegistry } from "./models.ts";

export interface StoredResponse {
  /** The Response object as returned. */
  body: Record<string, unknown>;
  /** The conversation up to and including its answer, for `previous_response_id`. */
  turns: Turn[];
  key: string;
}

export interface KeyUsage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** Stored responses are bounded like the request log; the oldest go first. */
const MAX_STORED = 10_000;

export class OpenAIState {
  readonly ids = new IdSource();
  readonly keys: KeyRing;
  readonly responses = new Map<string, StoredResponse>();
  readonly usage = new Map<string, KeyUsage>();
  chatCompletions = 0;

  constructor(readonly models: ModelRegistry, defaults: Limits, initialKeys: KeyConfig[]) {
    this.keys = new KeyRing(defaults, initialKeys);
  }

  store(id: string, r: StoredResponse): void {
    this.responses.set(id, r);
    if (this.responses.size > MAX_STORED) {
      const oldest = this.responses.keys().next().value;
      if (oldest !== undefined) this.responses.delete(oldest);
    }
  }

  record(key: string, inputTokens: number, outputTokens: number): void {
    const u = this.usage.get(key) ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
    u.requests++;
    u.inputTokens += inputTokens;
    u.outputTokens += outputTokens;
    this.usage.set(key, u);
  }

  reset(): void {
    this.ids.reset();
    this.keys.reset();
    this.responses.clear();
    this.usage.clear();
    this.chatCompletions = 0;
  }
}
