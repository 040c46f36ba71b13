/**
 * Which events exist, which resource each one is about, and whether that resource is in a state
 * where OpenPhone would send it (no `call.transcript.completed` for a transcript still in
 * progress): the sender refuses events the real service could not produce.
 */
import type { OpenPhoneState } from "../state.ts";
import type { Call, Contact, Message } from "../types.ts";

export const EVENT_TYPES = [
  "call.ringing",
  "call.completed",
  "call.missed",
  "call.recording.completed",
  "call.transcript.completed",
  "call.summary.completed",
  "call.voicemail.completed",
  "message.received",
  "message.delivered",
  "contact.updated",
  "contact.deleted",
] as const;
export type EventType = typeof EVENT_TYPES[number];

/** The legacy system has no `call.missed` or `call.voicemail.completed` (voicemails ride on call.completed). */
export const LEGACY_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter(
  (t) => t !== "call.missed" && t !== "call.voicemail.completed",
);

export type WebhookFormat = "2026-03-30" | "v3" | "v4";

export type Subject =
  | { kind: "call"; call: Call }
  | { kind: "message"; message: Message }
  | { kind: "contact"; contact: Contact };

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}

/** The subject of an event, or why OpenPhone would not send it for that resource. */
export function resolveSubject(
  state: OpenPhoneState,
  type: EventType,
  resourceId: string,
): Subject | string {
  if (type.startsWith("call.")) {
    const call = state.calls.get(resourceId);
    if (!call) return `No call ${resourceId}`;
    const why = callPrecondition(type, call);
    return why ?? { kind: "call", call };
  }
  if (type.startsWith("message.")) {
    const message = state.messages.get(resourceId);
    if (!message) return `No message ${resourceId}`;
    if (type === "message.received" && message.direction !== "incoming") {
      return `Message ${resourceId} is outgoing; message.received is for incoming messages`;
    }
    if (type === "message.delivered") {
      if (message.direction !== "outgoing") return `Message ${resourceId} is incoming`;
      if (message.status !== "delivered") return `Message ${resourceId} is ${message.status}`;
    }
    return { kind: "message", message };
  }
  const contact = state.contacts.get(resourceId);
  if (!contact || contact.deletedAt !== null) return `No contact ${resourceId}`;
  return { kind: "contact", contact };
}

function callPrecondition(type: EventType, call: Call): string | null {
  switch (type) {
    case "call.ringing":
      return null;
    case "call.completed":
      return call.completedAt === null ? `Call ${call.id} has not ended (${call.status})` : null;
    case "call.missed":
      return call.direction !== "incoming" || call.answeredAt !== null || call.completedAt === null
        ? `Call ${call.id} is not a missed incoming call`
        : null;
    case "call.recording.completed":
      return call.recordings.some((r) => r.status === "completed")
        ? null
        : `Call ${call.id} has no completed recording`;
    case "call.transcript.completed":
      return call.transcript?.status === "completed"
        ? null
        : `Call ${call.id} has no completed transcript`;
    case "call.summary.completed":
      return call.summary?.status === "completed"
        ? null
        : `Call ${call.id} has no completed summary`;
    case "call.voicemail.completed":
      return call.voicemail?.status === "completed"
        ? null
        : `Call ${call.id} has no completed voicemail`;
    default:
      return `${type} is not a call event`;
  }
}

/** When the event happened (the envelope's `createdAt`; the send time is in the headers). */
export function occurredAt(type: EventType, subject: Subject): number {
  switch (subject.kind) {
    case "message":
      return subject.message.updatedAt;
    case "contact":
      return subject.contact.updatedAt;
    case "call": {
      const c = subject.call;
      const ended = c.completedAt ?? c.createdAt;
      if (type === "call.ringing") return c.createdAt;
      if (type === "call.completed" || type === "call.missed") return ended;
      if (type === "call.recording.completed") return ended + 7_000;
      if (type === "call.voicemail.completed") return ended + 5_000;
      if (type === "call.transcript.completed") return ended + 20_000;
      return ended + 30_000;
    }
  }
}

/** The phone number an event belongs to, for `resourceIds` filters (contacts: none). */
export function subjectPhoneNumber(subject: Subject): string | null {
  if (subject.kind === "call") return subject.call.phoneNumberId;
  if (subject.kind === "message") return subject.message.phoneNumberId;
  return null;
}

/** The Quo app deep link to the activity, as in `links.quo` / legacy `deepLink`. */
export function deepLink(
  phoneNumberId: string,
  conversationId: string,
  activityId: string,
): string {
  return `https://my.quo.com/inbox/${phoneNumberId}/c/${conversationId}?at=${activityId}`;
}
