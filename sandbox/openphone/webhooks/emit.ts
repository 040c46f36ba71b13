/**
 * Turns "these things happened" into webhook deliveries: one event per item (an `EV…` id that
 * stays the same across retries, duplicates and replays), rendered once per endpoint in that
 * endpoint's payload version, then queued with the requested timing:
 *
 * - `delayMs` (all items) and per-item `delayMs`; `spacingMs` between consecutive items;
 * - `order`: "as-given", "reverse" or "shuffle" (seeded by `shuffleSeed`) — the order
 *   deliveries due at the same moment go out, e.g. call.transcript.completed before
 *   call.completed;
 * - `duplicate: n`: n extra copies of every delivery (same `webhook-id`, same body),
 *   `duplicateDelayMs` after the original — what at-least-once delivery looks like.
 */
import { newId, Rng } from "../ids.ts";
import type { RenderContext } from "../serialize.ts";
import type { OpenPhoneState } from "../state.ts";
import {
  type EventType,
  LEGACY_EVENT_TYPES,
  occurredAt,
  resolveSubject,
  type Subject,
  subjectPhoneNumber,
} from "./events.ts";
import { render2026 } from "./payload_2026.ts";
import { renderLegacy } from "./payload_legacy.ts";
import type { Delivery, Endpoint, WebhookSender } from "./sender.ts";
import { newMessageId } from "./sign.ts";

export interface EmitItem {
  type: EventType;
  resourceId: string;
  delayMs?: number | undefined;
}

export interface EmitOptions {
  webhookIds?: string[] | undefined;
  delayMs?: number | undefined;
  spacingMs?: number | undefined;
  order?: "as-given" | "reverse" | "shuffle" | undefined;
  shuffleSeed?: string | undefined;
  duplicate?: number | undefined;
  duplicateDelayMs?: number | undefined;
}

export interface EmittedEvent {
  id: string;
  type: EventType;
  resourceId: string;
  createdAt: string;
}

export class EmitError extends Error {}

function wants(endpoint: Endpoint, type: EventType, subject: Subject): boolean {
  if (endpoint.format !== "2026-03-30" && !LEGACY_EVENT_TYPES.includes(type)) return false;
  if (endpoint.events && !endpoint.events.includes(type)) return false;
  const pn = subjectPhoneNumber(subject);
  if (endpoint.resourceIds && pn !== null) {
    return endpoint.resourceIds.includes("*") || endpoint.resourceIds.includes(pn);
  }
  return true;
}

function render(
  r: RenderContext,
  endpoint: Endpoint,
  eventId: string,
  type: EventType,
  subject: Subject,
  at: number,
): string {
  const body = endpoint.format === "2026-03-30"
    ? render2026(r, eventId, type, subject, at)
    : renderLegacy(r, endpoint.format, eventId, type, subject, at);
  // OpenPhone sends compact JSON; receivers must verify the raw bytes, not a re-serialisation.
  return JSON.stringify(body);
}

export function emit(
  state: OpenPhoneState,
  sender: WebhookSender,
  r: RenderContext,
  items: EmitItem[],
  opts: EmitOptions,
): { events: EmittedEvent[]; deliveries: Delivery[] } {
  const endpoints = opts.webhookIds
    ? opts.webhookIds.map((id) => {
      const e = sender.endpoints.get(id);
      if (!e) throw new EmitError(`Unknown webhook ${id}`);
      return e;
    })
    : [...sender.endpoints.values()];
  if (!endpoints.length) throw new EmitError("No webhook endpoints: create one first");

  const resolved = items.map((item) => {
    const subject = resolveSubject(state, item.type, item.resourceId);
    if (typeof subject === "string") throw new EmitError(subject);
    return { item, subject };
  });

  const order = resolved.map((_, i) => i);
  if (opts.order === "reverse") order.reverse();
  if (opts.order === "shuffle") new Rng(`order:${opts.shuffleSeed ?? "shuffle"}`).shuffle(order);

  const base = sender.now() + (opts.delayMs ?? 0);
  const events: EmittedEvent[] = [];
  const deliveries: Delivery[] = [];
  order.forEach((index, position) => {
    const { item, subject } = resolved[index]!;
    const at = occurredAt(item.type, subject);
    const eventId = newId(state.rng, "event");
    events[index] = {
      id: eventId,
      type: item.type,
      resourceId: item.resourceId,
      createdAt: new Date(at).toISOString(),
    };
    const due = base + position * (opts.spacingMs ?? 0) + (item.delayMs ?? 0);
    for (const endpoint of endpoints) {
      if (!wants(endpoint, item.type, subject)) continue;
      const body = render(r, endpoint, eventId, item.type, subject, at);
      const msgId = newMessageId(state.rng);
      const common = { webhookId: endpoint.id, eventId, type: item.type, msgId, body };
      deliveries.push(sender.enqueue({ ...common, kind: "original", nextAt: due }));
      for (let k = 0; k < (opts.duplicate ?? 0); k++) {
        deliveries.push(
          sender.enqueue({
            ...common,
            kind: "duplicate",
            nextAt: due + (opts.duplicateDelayMs ?? 0) * (k + 1),
          }),
        );
      }
    }
    // A deleted contact is gone from the API once its event has been sent.
    if (item.type === "contact.deleted" && subject.kind === "contact") {
      subject.contact.deletedAt = at;
    }
  });
  return { events, deliveries };
}
