/**
 * Legacy event bodies: `{id: "EV…", object: "event", apiVersion, createdAt, type, data: {object}}`.
 * The call object is NOT the REST shape, and it differs between payload versions, as the real
 * fixtures show:
 *
 * - v3 (Pipedream test events of real deliveries): `{answeredAt, completedAt, conversationId,
 *   createdAt, direction, from, media: [{duration, type, url}], object: "call", phoneNumberId,
 *   status, to, userId, voicemail: {duration, type, url} | null}` — no call `id`. Recordings
 *   arrive in `media` on call.recording.completed; a voicemail rides on call.completed.
 * - v4 (docs sample and anonymised real payloads): REST-like `{…, id, participants, contactIds,
 *   recordings: [...] | null}` plus `data.deepLink`; recordings are null on call.completed.
 *
 * Messages carry `to` as a string (REST uses an array) and status `received` for inbound.
 * Summaries and transcripts are `object: "callSummary"` / `"callTranscript"`.
 */
import { MEDIA_TYPE, mediaUrl, ownNumber, transcriptDialogue } from "../media.ts";
import { iso, isoOrNull, type RenderContext, restContact } from "../serialize.ts";
import type { Call, Message } from "../types.ts";
import { deepLink, type EventType, type Subject } from "./events.ts";

export type LegacyVersion = "v3" | "v4";

function v3Call(r: RenderContext, type: EventType, call: Call): Record<string, unknown> {
  const own = ownNumber(r.state, call);
  const incoming = call.direction === "incoming";
  const ringing = type === "call.ringing";
  const vm = call.voicemail?.status === "completed" && !ringing ? call.voicemail : null;
  return {
    answeredAt: ringing ? null : isoOrNull(call.answeredAt),
    completedAt: ringing ? null : isoOrNull(call.completedAt),
    conversationId: call.conversationId,
    createdAt: iso(call.createdAt),
    direction: call.direction,
    from: incoming ? call.participant : own,
    media: type === "call.recording.completed"
      ? call.recordings.filter((x) => x.status === "completed").map((x) => ({
        duration: x.duration,
        type: MEDIA_TYPE,
        url: mediaUrl(r.state, r.baseUrl, "recordings", x.id, r.now),
      }))
      : [],
    object: "call",
    phoneNumberId: call.phoneNumberId,
    status: ringing ? "ringing" : call.status,
    to: incoming ? own : call.participant,
    userId: call.userId,
    voicemail: vm
      ? {
        duration: vm.duration,
        type: MEDIA_TYPE,
        url: mediaUrl(r.state, r.baseUrl, "voicemails", vm.id, r.now),
      }
      : null,
  };
}

function v4Call(r: RenderContext, type: EventType, call: Call): Record<string, unknown> {
  const ringing = type === "call.ringing";
  return {
    answeredAt: ringing ? null : isoOrNull(call.answeredAt),
    answeredBy: ringing ? null : call.answeredBy,
    completedAt: ringing ? null : isoOrNull(call.completedAt),
    contactIds: r.state.contactIdsFor(call.participant),
    createdAt: iso(call.createdAt),
    direction: call.direction,
    duration: ringing ? 0 : call.duration,
    forwardedFrom: call.forwardedFrom,
    forwardedTo: call.forwardedTo,
    id: call.id,
    initiatedBy: call.initiatedBy,
    object: "call",
    participants: [call.participant, ownNumber(r.state, call)],
    phoneNumberId: call.phoneNumberId,
    recordings: type === "call.recording.completed"
      ? call.recordings.filter((x) => x.status === "completed").map((x) => ({
        duration: x.duration,
        id: x.id,
        startTime: iso(x.startTime),
        type: MEDIA_TYPE,
        url: mediaUrl(r.state, r.baseUrl, "recordings", x.id, r.now),
      }))
      : null,
    status: ringing ? "ringing" : call.status,
    updatedAt: iso(ringing ? call.createdAt : call.updatedAt ?? call.createdAt),
    userId: call.userId,
  };
}

function callObject(
  r: RenderContext,
  version: LegacyVersion,
  type: EventType,
  call: Call,
): Record<string, unknown> {
  switch (type) {
    case "call.summary.completed":
      return {
        callId: call.id,
        jobs: call.summary?.jobs ?? null,
        nextSteps: call.summary?.nextSteps ?? [],
        object: "callSummary",
        status: "completed",
        summary: call.summary?.summary ?? [],
      };
    case "call.transcript.completed":
      return {
        callId: call.id,
        createdAt: iso(call.transcript?.createdAt ?? call.createdAt),
        dialogue: call.transcript?.dialogue ?? transcriptDialogue(r.state, call),
        duration: call.duration,
        object: "callTranscript",
        status: "completed",
      };
    default:
      return version === "v3" ? v3Call(r, type, call) : v4Call(r, type, call);
  }
}

function messageObject(
  r: RenderContext,
  version: LegacyVersion,
  type: EventType,
  m: Message,
): Record<string, unknown> {
  const incoming = m.direction === "incoming";
  const external = incoming ? m.from : m.participants[0] ?? "";
  return {
    id: m.id,
    object: "message",
    from: m.from,
    to: m.to[0] ?? "",
    direction: m.direction,
    text: m.text,
    status: type === "message.received" ? "received" : "delivered",
    createdAt: iso(m.createdAt),
    userId: m.userId,
    phoneNumberId: m.phoneNumberId,
    ...(version === "v3"
      ? { conversationId: m.conversationId }
      : { contactIds: r.state.contactIdsFor(external) }),
  };
}

export function renderLegacy(
  r: RenderContext,
  version: LegacyVersion,
  eventId: string,
  type: EventType,
  subject: Subject,
  createdAt: number,
): Record<string, unknown> {
  let object: Record<string, unknown>;
  let link: string | null = null;
  if (subject.kind === "call") {
    object = callObject(r, version, type, subject.call);
    link = deepLink(subject.call.phoneNumberId, subject.call.conversationId, subject.call.id);
  } else if (subject.kind === "message") {
    object = messageObject(r, version, type, subject.message);
    const m = subject.message;
    link = deepLink(m.phoneNumberId, m.conversationId, m.id);
  } else {
    object = { object: "contact", ...restContact(subject.contact) };
  }
  const data = version === "v4" && link ? { deepLink: link, object } : { object };
  return {
    id: eventId,
    object: "event",
    apiVersion: version,
    createdAt: iso(createdAt),
    type,
    data,
  };
}
