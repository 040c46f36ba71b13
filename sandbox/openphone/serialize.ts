/**
 * Stored records → v1 REST shapes, field for field as the v1 OpenAPI document's response
 * schemas require. REST call objects carry `participants` and no media, `from`, `to` or
 * voicemail: those come from the sub-endpoints (and only webhooks use the other call shape).
 */
import { MEDIA_TYPE, mediaUrl, ownNumber, transcriptDialogue, voicemailText } from "./media.ts";
import type { OpenPhoneState } from "./state.ts";
import type { Call, Contact, Conversation, Message, PhoneNumber, Recording } from "./types.ts";

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => ms === null ? null : iso(ms);

export interface RenderContext {
  state: OpenPhoneState;
  baseUrl: string;
  now: number;
}

export function restCall(r: RenderContext, call: Call): Record<string, unknown> {
  return {
    answeredAt: isoOrNull(call.answeredAt),
    answeredBy: call.answeredBy,
    initiatedBy: call.initiatedBy,
    direction: call.direction,
    status: call.status,
    completedAt: isoOrNull(call.completedAt),
    createdAt: iso(call.createdAt),
    duration: call.duration,
    forwardedFrom: call.forwardedFrom,
    forwardedTo: call.forwardedTo,
    id: call.id,
    phoneNumberId: call.phoneNumberId,
    // Both sides of the call, the external participant first (as in v4 call payloads).
    participants: [call.participant, ownNumber(r.state, call)],
    updatedAt: isoOrNull(call.updatedAt),
    userId: call.userId,
    callRoute: call.callRoute,
    aiHandled: call.aiHandled,
  };
}

/** A recording segment; url/type/duration stay null until it has completed. */
export function restRecording(r: RenderContext, rec: Recording): Record<string, unknown> {
  const done = rec.status === "completed";
  return {
    duration: done ? rec.duration : null,
    id: rec.id,
    startTime: iso(rec.startTime),
    status: rec.status,
    type: done ? MEDIA_TYPE : null,
    url: done ? mediaUrl(r.state, r.baseUrl, "recordings", rec.id, r.now) : null,
  };
}

export function restVoicemail(r: RenderContext, call: Call): Record<string, unknown> | null {
  const vm = call.voicemail;
  if (!vm) return null;
  const done = vm.status === "completed";
  return {
    id: vm.id,
    status: vm.status,
    duration: done ? vm.duration : null,
    transcript: done ? voicemailText(vm) : null,
    recordingUrl: done ? mediaUrl(r.state, r.baseUrl, "voicemails", vm.id, r.now) : null,
  };
}

export function restSummary(call: Call, absent = false): Record<string, unknown> {
  const s = call.summary;
  if (absent || !s) {
    return { callId: call.id, nextSteps: null, status: "absent", summary: null, jobs: null };
  }
  const done = s.status === "completed";
  return {
    callId: call.id,
    nextSteps: done ? s.nextSteps ?? [] : null,
    status: s.status,
    summary: done ? s.summary ?? [] : null,
    jobs: done ? s.jobs : null,
  };
}

export function restTranscript(
  r: RenderContext,
  call: Call,
  absent = false,
): Record<string, unknown> {
  const t = call.transcript;
  const done = !absent && t?.status === "completed";
  return {
    callId: call.id,
    createdAt: iso(t?.createdAt ?? call.completedAt ?? call.createdAt),
    dialogue: done ? t.dialogue ?? transcriptDialogue(r.state, call) : null,
    duration: call.duration,
    status: absent || !t ? "absent" : t.status,
  };
}

export function restMessage(m: Message): Record<string, unknown> {
  return {
    id: m.id,
    to: m.to,
    from: m.from,
    text: m.text,
    phoneNumberId: m.phoneNumberId,
    direction: m.direction,
    userId: m.userId,
    status: m.status,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  };
}

export function restPhoneNumber(state: OpenPhoneState, pn: PhoneNumber): Record<string, unknown> {
  return {
    id: pn.id,
    groupId: pn.groupId,
    createdAt: iso(pn.createdAt),
    updatedAt: iso(pn.updatedAt),
    name: pn.name,
    number: pn.number,
    formattedNumber: pn.formattedNumber,
    forward: pn.forward,
    portRequestId: pn.portRequestId,
    portingStatus: pn.portingStatus,
    symbol: pn.symbol,
    users: pn.userIds.flatMap((id) => {
      const u = state.users.get(id);
      return u
        ? [{
          email: u.email,
          firstName: u.firstName,
          groupId: u.groupId,
          id: u.id,
          lastName: u.lastName,
          role: u.role,
        }]
        : [];
    }),
    restrictions: pn.restrictions,
  };
}

export function restContact(c: Contact): Record<string, unknown> {
  return {
    id: c.id,
    externalId: c.externalId,
    source: c.source,
    sourceUrl: c.sourceUrl,
    defaultFields: {
      company: c.company,
      emails: c.emails,
      firstName: c.firstName,
      lastName: c.lastName,
      phoneNumbers: c.phoneNumbers,
      role: c.role,
    },
    customFields: [],
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    createdByUserId: c.createdByUserId,
  };
}

export function restConversation(c: Conversation): Record<string, unknown> {
  return {
    assignedTo: c.assignedTo,
    createdAt: iso(c.createdAt),
    deletedAt: isoOrNull(c.deletedAt),
    id: c.id,
    lastActivityAt: isoOrNull(c.lastActivityAt),
    lastActivityId: c.lastActivityId,
    mutedUntil: isoOrNull(c.mutedUntil),
    name: c.name,
    participants: c.participants,
    phoneNumberId: c.phoneNumberId,
    snoozedUntil: isoOrNull(c.snoozedUntil),
    updatedAt: iso(c.updatedAt),
  };
}
