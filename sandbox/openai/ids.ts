/**
 * Ids in OpenAI's shapes: `resp_` / `msg_` / `rs_` + 48 hex, `chatcmpl-` + 29 alphanumerics,
 * `req_` + 32 hex for x-request-id. Derived from a per-fake counter, so a fresh fake hands out
 * the same sequence every run.
 */
import { alnumOf, hexOf } from "./hash.ts";

export class IdSource {
  #seq = 0;

  #next(kind: string): string {
    return `${kind}:${++this.#seq}`;
  }
  response(): string {
    return `resp_${hexOf(this.#next("resp"), 48)}`;
  }
  message(): string {
    return `msg_${hexOf(this.#next("msg"), 48)}`;
  }
  reasoning(): string {
    return `rs_${hexOf(this.#next("rs"), 48)}`;
  }
  chatCompletion(): string {
    return `chatcmpl-${alnumOf(this.#next("chat"), 29)}`;
  }
  request(): string {
    return `req_${hexOf(this.#next("req"), 32)}`;
  }
  reset(): void {
    this.#seq = 0;
  }
}

/** The system fingerprint a model snapshot reports; stable per snapshot. */
export const fingerprintOf = (snapshot: string): string => `fp_${hexOf(snapshot, 10)}`;
