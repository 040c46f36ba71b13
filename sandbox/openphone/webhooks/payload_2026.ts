/**
 * 2026-03-30 ("Standard Webhooks") event bodies:
 *
 *   {id: "EV…", apiVersion: "2026-03-30", createdAt, type, data: {resource, context, links}}
 *
 * No `object` and no `data.object`. The call.completed resource and context follow the sample
 * in Quo's 2026-03-30 OpenAPI document (`POST /webhooks/{id}/events/test`): call resources
 * carry `answeredAt, completedAt, createdAt, direction, duration, hasVoicemail, id, status,
 * updatedAt`; the context carries `contacts {ids, lookupStatus}`, `conversationId`,
 * `participants {external, resolution, workspace}`, `phoneNumberId`, `phoneNumberType`,
 * `userId`. Other resources follow Quo's event-payload reference (recordings[], summary and
 * transcript `processingStatus`, voicemail `voicemailId`/`recordingUrl`, message
 * `senderIdentifier`/`recipientIdentifiers`).
 */
import { MEDIA_TYPE, mediaUrl, ownNumber, transcriptDialogue, voicemailText } from "../media.ts";
import { iso, isoOrNull, type RenderContext } from "../serialize.ts";
import type { Call, Contact, Message } from "../types.ts";
import { deepLink, type EventType, type Subject } from "./events.ts";

export const API_VERSION_2026 = "2026-03-30";

/**
 * The 2026 sample reports a finished, answered call as `status: "answered"`; unanswered
 * incoming calls read as missed. Other statuses pass through (UNVERIFIED beyond the sample).
 */
function status2026(call: Call): string {
  if (call.completedAt !== null && call.answeredAt !== null) return "answered";
  if (
    call.direction === "incoming" && call.answeredAt === null &&
    (call.status === "completed" || call.status === "no-answer" || call.status === "missed")
  ) return "missed";
  return call.status;
}

function callResource(call: Call, type: EventType): Record<string, unknown> {
  if (type === "call.ringing") {
    return {
      answeredAt: null,
      completedAt: null,
      createdAt: iso(call.createdAt),
      direction: call.direction,
      duration: 0,
      hasVoicemail: false,
      id: call.id,
      status: "ringing",
      updatedAt: iso(call.createdAt),
    };
  }
  return {
    answeredAt: isoOrNull(call.answeredAt),
    completedAt: isoOrNull(call.completedAt),
    createdAt: iso(call.createdAt),
    direction: call.direction,
    duration: call.duration,
    hasVoicemail: call.voicemail?.status === "completed",
    id: call.id,
    status: type === "call.missed" ? "missed" : status2026(call),
    updatedAt: iso(call.updatedAt ?? call.createdAt),
  };
}

function contactsContext(r: RenderContext, number: string) {
  const ids = r.state.contactIdsFor(number);
  return { ids, lookupStatus: ids.length ? "matched" : "none" };
}

function phoneNumberType(r: RenderContext, phoneNumberId: string): "shared" | "personal" {
  return (r.state.phoneNumbers.get(phoneNumberId)?.userIds.length ?? 0) > 1 ? "shared" : "personal";
}

function callContext(r: RenderContext, call: Call, type: EventType): Record<string, unknown> {
  const participants = {
    external: [call.participant],
    resolution: "available",
    workspace: [ownNumber(r.state, call)],
  };
  const base = {
    conversationId: call.conversationId,
    participants,
    phoneNumberId: call.phoneNumberId,
    phoneNumberType: phoneNumberType(r, call.phoneNumberId),
    userId: call.userId,
  };
  // call.ringing's context is narrower: the contact lookup has not run yet.
  return type === "call.ringing"
    ? base
    : { contacts: contactsContext(r, call.participant), ...base };
}

function callData(r: RenderContext, type: EventType, call: Call) {
  const own = ownNumber(r.state, call);
  const incoming = call.direction === "incoming";
  let resource: Record<string, unknown>;
  switch (type) {
    case "call.recording.completed":
      resource = {
        ...callResource(call, type),
        recordings: call.recordings.filter((x) => x.status === "completed").map((x) => ({
          duration: x.duration,
          id: x.id,
          startTime: iso(x.startTime),
          type: MEDIA_TYPE,
          url: mediaUrl(r.state, r.baseUrl, "recordings", x.id, r.now),
        })),
      };
      break;
    case "call.summary.completed":
      resource = {
        answeredByUserId: call.answeredBy,
        callId: call.id,
        fromPhoneNumber: incoming ? call.participant : own,
        handledByAiAgent: call.aiHandled === "ai-agent",
        nextSteps: call.summary?.nextSteps ?? [],
        processingStatus: "completed",
        summary: call.summary?.summary ?? [],
      };
      break;
    case "call.transcript.completed":
      resource = {
        callId: call.id,
        createdAt: iso(call.transcript?.createdAt ?? call.createdAt),
        dialogue: call.transcript?.dialogue ?? transcriptDialogue(r.state, call),
        duration: call.duration,
        processingStatus: "completed",
      };
      break;
    case "call.voicemail.completed": {
      const vm = call.voicemail!;
      resource = {
        callId: call.id,
        createdAt: iso(vm.createdAt),
        direction: call.direction,
        duration: vm.duration,
        from: incoming ? call.participant : own,
        id: vm.id,
        recordingUrl: mediaUrl(r.state, r.baseUrl, "voicemails", vm.id, r.now),
        to: incoming ? own : call.participant,
        transcript: voicemailText(vm),
        updatedAt: iso(vm.createdAt + vm.duration * 1000),
        voicemailId: vm.id,
      };
      break;
    }
    default:
      resource = callResource(call, type);
  }
  return {
    resource,
    context: callContext(r, call, type),
    links: { quo: deepLink(call.phoneNumberId, call.conversationId, call.id) },
  };
}

function messageData(r: RenderContext, type: EventType, m: Message) {
  const external = m.direction === "incoming" ? m.from : m.participants[0] ?? "";
  return {
    resource: {
      createdAt: iso(m.createdAt),
      direction: m.direction,
      errorCode: null,
      id: m.id,
      media: [],
      status: type === "message.received" ? "received" : "delivered",
      text: m.text,
    },
    context: {
      contacts: contactsContext(r, external),
      conversationId: m.conversationId,
      phoneNumberId: m.phoneNumberId,
      phoneNumberType: phoneNumberType(r, m.phoneNumberId),
      recipientIdentifiers: m.to,
      senderIdentifier: m.from,
      userId: m.userId,
    },
    links: { quo: deepLink(m.phoneNumberId, m.conversationId, m.id) },
  };
}

/** The 2026 contact shape (flat fields and `actorId`, as in `GET /contacts`). */
function contactData(c: Contact) {
  return {
    resource: {
      actorId: c.createdByUserId,
      company: c.company,
      createdAt: iso(c.createdAt),
      externalId: c.externalId,
      firstName: c.firstName,
      id: c.id,
      lastName: c.lastName,
      role: c.role,
      source: c.source,
      sourceUrl: c.sourceUrl,
      updatedAt: iso(c.updatedAt),
    },
    // Contact events are workspace-wide: no phone number, conversation or deep link.
    context: {},
    links: { quo: null },
  };
}

export function render2026(
  r: RenderContext,
  eventId: string,
  type: EventType,
  subject: Subject,
  createdAt: number,
): Record<string, unknown> {
  const data = subject.kind === "call"
    ? callData(r, type, subject.call)
    : subject.kind === "message"
    ? messageData(r, type, subject.message)
    : contactData(subject.contact);
  return { id: eventId, apiVersion: API_VERSION_2026, createdAt: iso(createdAt), type, data };
}
