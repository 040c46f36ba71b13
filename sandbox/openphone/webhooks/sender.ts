/**
 * Delivers webhook messages to endpoints and retries them the way Svix does: a first attempt
 * immediately, then after a non-2xx answer (redirects included), a network error or a 15 s
 * timeout, again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h — eight attempts, about
 * 27.5 hours in all. The retry delays are relative to the failed attempt.
 *
 * Time is the sender's own virtual clock: `ctx.clock.now()` plus whatever `advance(ms)` added.
 * - manual dispatch: nothing is sent until `flush()` (send what is due) or `advance(ms)` (move
 *   the virtual clock forward, then flush) — deterministic tests, no sleeping;
 * - auto dispatch: a timer sends deliveries when due; with `timeScale: n` it waits 1/n of each
 *   delay in real time and moves the virtual clock the rest of the way (compressed retries).
 *
 * Signature timestamps are taken from `ctx.clock.now()` (the sandbox clock, not the virtual
 * one), so receivers that enforce a tolerance still accept compressed retries.
 *
 * Deliveries due at the same time go out one at a time in `seq` order, which is how the
 * emitter expresses reordering; duplicates and replays share their original's `webhook-id`.
 */
import type { SandboxContext } from "../../core/vendor.ts";
import type { EventType, WebhookFormat } from "./events.ts";
import { legacySignatureHeader, standardSignatureHeader } from "./sign.ts";

export const SVIX_SCHEDULE_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface Endpoint {
  id: string;
  url: string;
  format: WebhookFormat;
  /** 2026-03-30: every active `whsec_` secret signs each message. */
  secrets: string[];
  /** Legacy: the base64 signing key. */
  key: string | null;
  events: EventType[] | null;
  resourceIds: string[] | null;
  /** Delays after each failed attempt; attempts = schedule.length + 1. */
  schedule: number[];
  timeoutMs: number;
  createdAt: number;
}

export interface Attempt {
  n: number;
  /** Virtual time the attempt was due and sent. */
  scheduledAt: number;
  sentAt: number;
  /** HTTP status, or null when the request failed (network error, timeout). */
  status: number | null;
  error: string | null;
  /** Real time the endpoint took to answer. */
  durationMs: number;
  responseBody: string | null;
  headers: Record<string, string>;
}

export type DeliveryKind = "original" | "duplicate" | "replay";

export interface Delivery {
  id: string;
  webhookId: string;
  eventId: string;
  type: EventType;
  /** The `webhook-id` header (Svix message id): shared by retries, duplicates and replays. */
  msgId: string;
  body: string;
  kind: DeliveryKind;
  seq: number;
  status: "pending" | "succeeded" | "failed";
  nextAt: number | null;
  attempts: Attempt[];
}

export interface SenderConfig {
  dispatch: "auto" | "manual";
  timeScale: number;
}

export class WebhookSender {
  endpoints = new Map<string, Endpoint>();
  deliveries: Delivery[] = [];
  config: SenderConfig;
  #ctx: SandboxContext | null = null;
  #skew = 0;
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #chain: Promise<unknown> = Promise.resolve();
  #inflight = new Set<AbortController>();
  #closed = false;

  constructor(config: SenderConfig) {
    this.config = { ...config };
  }

  /** The sandbox context (clock, fetch) is only known once a request arrives. */
  bind(ctx: SandboxContext): void {
    this.#ctx = ctx;
  }

  now(): number {
    return (this.#ctx?.clock.now() ?? Date.now()) + this.#skew;
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  enqueue(d: Omit<Delivery, "id" | "seq" | "status" | "attempts"> & { seq?: number }): Delivery {
    const seq = d.seq ?? this.nextSeq();
    const delivery: Delivery = {
      ...d,
      id: `dl_${String(seq).padStart(6, "0")}`,
      seq,
      status: "pending",
      attempts: [],
    };
    this.deliveries.push(delivery);
    this.#arm();
    return delivery;
  }

  /** A Svix-style resend: the same message to the same endpoint, starting over now. */
  replay(deliveryId: string): Delivery | null {
    const d = this.deliveries.find((x) => x.id === deliveryId);
    if (!d) return null;
    return this.enqueue({
      webhookId: d.webhookId,
      eventId: d.eventId,
      type: d.type,
      msgId: d.msgId,
      body: d.body,
      kind: "replay",
      nextAt: this.now(),
    });
  }

  /** Sends everything due now, in (due time, seq) order; returns the attempts made. */
  flush(): Promise<Attempt[]> {
    const run = this.#chain.then(() => this.#drain());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Moves the virtual clock forward and sends whatever became due. */
  advance(ms: number): Promise<Attempt[]> {
    if (ms < 0) throw new RangeError("Cannot move the webhook clock backwards");
    this.#skew += ms;
    return this.flush();
  }

  configure(config: Partial<SenderConfig>): void {
    this.config = { ...this.config, ...config };
    this.#arm();
  }

  /** Forgets endpoints and deliveries; an attempt in flight is aborted and its result dropped. */
  reset(): void {
    this.#disarm();
    for (const c of this.#inflight) c.abort();
    this.endpoints.clear();
    this.deliveries = [];
    this.#skew = 0;
    this.#seq = 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    for (const c of this.#inflight) c.abort();
    await this.#chain;
  }

  async #drain(): Promise<Attempt[]> {
    const made: Attempt[] = [];
    for (;;) {
      const now = this.now();
      const due = this.deliveries
        .filter((d) => d.status === "pending" && d.nextAt !== null && d.nextAt <= now)
        .sort((a, b) => a.nextAt! - b.nextAt! || a.seq - b.seq);
      if (!due.length || this.#closed) break;
      for (const d of due) made.push(await this.#attempt(d));
    }
    this.#arm();
    return made;
  }

  async #attempt(d: Delivery): Promise<Attempt> {
    const scheduledAt = d.nextAt ?? this.now();
    const sentAt = this.now();
    const n = d.attempts.length + 1;
    const endpoint = this.endpoints.get(d.webhookId);
    const attempt: Attempt = {
      n,
      scheduledAt,
      sentAt,
      status: null,
      error: null,
      durationMs: 0,
      responseBody: null,
      headers: {},
    };
    if (!endpoint || !this.#ctx) {
      attempt.error = endpoint ? "Sandbox context not bound" : "Endpoint deleted";
      d.attempts.push(attempt);
      d.status = "failed";
      d.nextAt = null;
      return attempt;
    }
    attempt.headers = this.#headers(endpoint, d);
    const controller = new AbortController();
    this.#inflight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error("timeout")), endpoint.timeoutMs);
    const started = performance.now();
    try {
      const res = await this.#ctx.fetch(endpoint.url, {
        method: "POST",
        headers: attempt.headers,
        body: d.body,
        redirect: "manual",
        signal: controller.signal,
      });
      attempt.status = res.status;
      attempt.responseBody = (await res.text()).slice(0, 1024);
    } catch (e) {
      attempt.error = controller.signal.aborted
        ? (this.#closed ? "aborted" : `Timed out after ${endpoint.timeoutMs} ms`)
        : e instanceof Error
        ? e.message
        : String(e);
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(controller);
      attempt.durationMs = Math.round(performance.now() - started);
    }
    d.attempts.push(attempt);
    const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    const delay = endpoint.schedule[n - 1];
    if (ok) {
      d.status = "succeeded";
      d.nextAt = null;
    } else if (delay === undefined) {
      d.status = "failed";
      d.nextAt = null;
    } else {
      d.nextAt = sentAt + delay;
    }
    return attempt;
  }

  #headers(endpoint: Endpoint, d: Delivery): Record<string, string> {
    const signedAt = this.#ctx!.clock.now();
    if (endpoint.format === "2026-03-30") {
      const ts = Math.floor(signedAt / 1000);
      return {
        "content-type": "application/json",
        "webhook-id": d.msgId,
        "webhook-timestamp": String(ts),
        "webhook-signature": standardSignatureHeader(endpoint.secrets, d.msgId, ts, d.body),
      };
    }
    return {
      "content-type": "application/json",
      "openphone-signature": legacySignatureHeader(endpoint.key ?? "", signedAt, d.body),
    };
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** In auto mode, wakes up when the next delivery is due (scaled by timeScale). */
  #arm(): void {
    this.#disarm();
    if (this.#closed || this.config.dispatch !== "auto" || !this.#ctx) return;
    let next = Infinity;
    for (const d of this.deliveries) {
      if (d.status === "pending" && d.nextAt !== null && d.nextAt < next) next = d.nextAt;
    }
    if (next === Infinity) return;
    const wait = Math.max(0, (next - this.now()) / this.config.timeScale);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const behind = next - this.now();
      if (behind > 0) this.#skew += behind;
      void this.flush();
    }, wait);
  }
}
