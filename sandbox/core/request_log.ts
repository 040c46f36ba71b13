/** Every request the sandbox answered, for tests to inspect (bounded ring buffer). */
export interface LoggedRequest {
  seq: number;
  /** Milliseconds since the epoch, from the sandbox clock. */
  at: number;
  vendor: string;
  method: string;
  path: string;
  query: string;
  /** The route pattern that matched, e.g. `/v1/calls/:id`; null when none did. */
  route: string | null;
  status: number;
  /** Which credential made the request: the first 8 characters of the key, never the whole key. */
  key: string | null;
  /** Set when an injected fault answered instead of the fake. */
  fault: string | null;
}

export class RequestLog {
  #entries: LoggedRequest[] = [];
  #seq = 0;
  constructor(readonly capacity = 100_000) {}

  add(entry: Omit<LoggedRequest, "seq">): LoggedRequest {
    const e = { seq: ++this.#seq, ...entry };
    this.#entries.push(e);
    if (this.#entries.length > this.capacity) {
      this.#entries.splice(0, this.#entries.length - this.capacity);
    }
    return e;
  }

  list(filter: { vendor?: string; since?: number } = {}): LoggedRequest[] {
    return this.#entries.filter((e) =>
      (!filter.vendor || e.vendor === filter.vendor) &&
      (filter.since === undefined || e.seq > filter.since)
    );
  }

  clear(): void {
    this.#entries = [];
  }
}

/** A short, non-secret label for a credential. */
export function keyLabel(raw: string | null): string | null {
  if (!raw) return null;
  const key = raw.replace(/^Bearer\s+/i, "");
  return key.length <= 8 ? key : key.slice(0, 8);
}
