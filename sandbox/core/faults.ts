/**
 * Fault injection, per vendor and route. A rule matches requests by vendor, optional method and
 * optional path pattern (a RegExp source tested against the vendor-relative path), and then:
 *
 * - `status`: answer with this status instead of calling the fake (the vendor's own error body
 *   shape is produced by the vendor module), with an optional `Retry-After` (seconds);
 * - `latencyMs`: delay before answering (the fake still answers);
 * - `drop: "before"`: fail the connection without calling the fake (nothing was applied);
 * - `drop: "after"`: call the fake (its write is applied) and then fail the connection before
 *   the response body is delivered — the ambiguous outcome of a create whose answer was lost.
 *
 * - `commit: true` with `status`: apply the request first, then answer `status` — a write that
 *   was saved although it failed (Notion's 503 after commit). Vendors with a committed-error
 *   body (`VendorModule.committedResponse`) say what was saved; a request that the fake refused
 *   keeps its own answer.
 *
 * `times` limits how many requests a rule affects (default: every matching request).
 */
export interface FaultRule {
  vendor: string;
  method?: string;
  path?: string;
  status?: number;
  retryAfter?: number;
  latencyMs?: number;
  drop?: "before" | "after";
  /** With `status`: the request is applied, then answered with `status`. */
  commit?: boolean;
  times?: number;
  /** Optional message for the vendor's error body. */
  message?: string;
}

export interface ActiveFault extends FaultRule {
  id: number;
  hits: number;
}

export class FaultInjector {
  #rules: ActiveFault[] = [];
  #nextId = 1;

  add(rule: FaultRule): ActiveFault {
    if (rule.path !== undefined) new RegExp(rule.path); // reject an invalid pattern now
    const active = { ...rule, id: this.#nextId++, hits: 0 };
    this.#rules.push(active);
    return active;
  }

  /** The first rule that matches, counting the hit (and retiring exhausted rules). */
  take(vendor: string, method: string, path: string): ActiveFault | null {
    for (const r of this.#rules) {
      if (r.vendor !== vendor && r.vendor !== "*") continue;
      if (r.method && r.method.toUpperCase() !== method.toUpperCase()) continue;
      if (r.path && !new RegExp(r.path).test(path)) continue;
      r.hits++;
      if (r.times !== undefined && r.hits >= r.times) {
        this.#rules = this.#rules.filter((x) => x !== r);
      }
      return { ...r };
    }
    return null;
  }

  list(): ActiveFault[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  clear(vendor?: string): void {
    this.#rules = vendor ? this.#rules.filter((r) => r.vendor !== vendor) : [];
  }
}

/** A response whose body fails as soon as it is read: the connection drops mid-response. */
export function droppedResponse(): Response {
  const body = new ReadableStream({
    start(controller) {
      controller.error(new Error("sandbox: connection dropped by fault injection"));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}
