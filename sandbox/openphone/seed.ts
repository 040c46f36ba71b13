/**
 * Applies a seed scenario to the workspace. Seeding is additive and upserts by id, so a test can
 * seed a call with its recording `in-progress`, then seed the same call id again with the
 * recording `completed` (and emit `call.recording.completed`).
 *
 * Defaults follow what OpenPhone reports for a plain call: `duration` runs from `createdAt` to
 * `completedAt`; an answered call is answered four seconds in; a voicemail call is `completed`
 * with `answeredAt: null`; incoming calls route via `phone-number`.
 */
import { scriptFor } from "../core/audio.ts";
import { newId } from "./ids.ts";
import type { CallSeed, ContactSeed, MessageSeed, SeedScenario } from "./seed_schema.ts";
import type { OpenPhoneState } from "./state.ts";
import type {
  Call,
  CallStatus,
  Contact,
  ContactField,
  Message,
  PhoneNumber,
  Recording,
  User,
} from "./types.ts";

const ms = (s: string) => Date.parse(s);
const UNRESTRICTED = { CA: "unrestricted", US: "unrestricted", Intl: "unrestricted" } as const;
const ANSWERED: CallStatus[] = ["completed", "answered", "in-progress", "forwarded"];
const TERMINAL: CallStatus[] = [
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
  "missed",
  "answered",
  "forwarded",
  "abandoned",
];

function requireNumber(state: OpenPhoneState, ref: string): PhoneNumber {
  const pn = state.findPhoneNumber(ref);
  if (!pn) throw new Error(`Unknown phone number "${ref}": seed it under phoneNumbers first`);
  return pn;
}

/** The owner every workspace has; created on demand for seeds that do not list users. */
export function ensureOwner(state: OpenPhoneState, now: number): User {
  const existing = state.owner();
  if (existing) return existing;
  return addUser(state, { role: "owner" }, now);
}

export function addUser(
  state: OpenPhoneState,
  seed: NonNullable<SeedScenario["users"]>[number],
  now: number,
): User {
  const id = seed.id ?? newId(state.rng, "user");
  const at = seed.createdAt ? ms(seed.createdAt) : now;
  const user: User = {
    id,
    email: seed.email ?? `${id.toLowerCase()}@example.com`,
    firstName: seed.firstName ?? null,
    lastName: seed.lastName ?? null,
    role: seed.role ?? (state.owner() ? "member" : "owner"),
    groupId: state.users.get(id)?.groupId ?? newId(state.rng, "group"),
    createdAt: at,
    updatedAt: at,
  };
  state.users.set(id, user);
  return user;
}

function formatUs(number: string): string | null {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : null;
}

export function addPhoneNumber(
  state: OpenPhoneState,
  seed: NonNullable<SeedScenario["phoneNumbers"]>[number],
  now: number,
): PhoneNumber {
  const owner = ensureOwner(state, now);
  const existing = state.findPhoneNumber(seed.id ?? seed.number);
  const at = seed.createdAt ? ms(seed.createdAt) : existing?.createdAt ?? now;
  for (const u of seed.users ?? []) {
    if (!state.users.has(u)) throw new Error(`Unknown user "${u}": seed it under users first`);
  }
  const pn: PhoneNumber = {
    id: seed.id ?? existing?.id ?? newId(state.rng, "phoneNumber"),
    groupId: existing?.groupId ?? newId(state.rng, "group"),
    name: seed.name ?? existing?.name ?? "Main line",
    number: seed.number,
    formattedNumber: seed.formattedNumber !== undefined
      ? seed.formattedNumber
      : formatUs(seed.number),
    forward: seed.forward ?? null,
    portRequestId: null,
    portingStatus: null,
    symbol: seed.symbol ?? null,
    userIds: seed.users ?? existing?.userIds ?? [owner.id],
    restrictions: seed.restrictions ??
      { messaging: { ...UNRESTRICTED }, calling: { ...UNRESTRICTED } },
    createdAt: at,
    updatedAt: at,
  };
  state.phoneNumbers.set(pn.id, pn);
  return pn;
}

const field =
  (state: OpenPhoneState, name: string) =>
  (f: string | { name: string; value: string | null; id?: string | undefined }): ContactField =>
    typeof f === "string"
      ? { id: newId(state.rng, "contactField"), name, value: f }
      : { id: f.id ?? newId(state.rng, "contactField"), name: f.name, value: f.value };

export function addContact(state: OpenPhoneState, seed: ContactSeed, now: number): Contact {
  const owner = ensureOwner(state, now);
  const at = seed.createdAt ? ms(seed.createdAt) : now;
  const contact: Contact = {
    id: seed.id ?? newId(state.rng, "contact"),
    externalId: seed.externalId ?? null,
    source: seed.source !== undefined ? seed.source : "public-api",
    sourceUrl: seed.sourceUrl ?? null,
    firstName: seed.firstName ?? null,
    lastName: seed.lastName ?? null,
    company: seed.company ?? null,
    role: seed.role ?? null,
    emails: (seed.emails ?? []).map(field(state, "work")),
    phoneNumbers: (seed.phoneNumbers ?? []).map(field(state, "mobile")),
    createdAt: at,
    updatedAt: seed.updatedAt ? ms(seed.updatedAt) : at,
    createdByUserId: seed.createdByUserId ?? owner.id,
    deletedAt: null,
  };
  state.contacts.set(contact.id, contact);
  return contact;
}

/** A short summary and next step, drawn from the same script the call audio carries. */
function derivedSummary(call: Call): { summary: string[]; nextSteps: string[] } {
  const lines = scriptFor(call.id, Math.max(1, call.duration));
  const topic = (lines[1] ?? lines[0])?.text ?? "a general enquiry";
  return {
    summary: [
      `${
        call.direction === "incoming" ? "Incoming" : "Outgoing"
      } call with ${call.participant}: ${topic}`,
    ],
    nextSteps: [`Follow up with ${call.participant}.`],
  };
}

export function addCall(state: OpenPhoneState, seed: CallSeed): Call {
  const pn = requireNumber(state, seed.phoneNumberId);
  const userId = seed.userId ?? pn.userIds[0] ?? ensureOwner(state, ms(seed.createdAt)).id;
  const createdAt = ms(seed.createdAt);
  const status: CallStatus = seed.status ?? "completed";
  const hasVoicemail = seed.voicemail !== undefined && seed.voicemail !== null;
  const answeredAt = seed.answeredAt !== undefined
    ? seed.answeredAt === null ? null : ms(seed.answeredAt)
    : ANSWERED.includes(status) && !hasVoicemail
    ? createdAt + 4000
    : null;
  const vmDuration = seed.voicemail?.duration ?? 30;
  const duration = seed.duration ??
    (answeredAt !== null ? 120 : hasVoicemail ? vmDuration + 15 : status === "no-answer" ? 20 : 0);
  const completedAt = seed.completedAt !== undefined
    ? seed.completedAt === null ? null : ms(seed.completedAt)
    : TERMINAL.includes(status)
    ? createdAt + duration * 1000
    : null;
  const id = seed.id ?? newId(state.rng, "call");
  const prior = state.calls.get(id);
  const conversation = state.conversationFor(pn.id, [seed.participant], createdAt);

  let cursor = answeredAt ?? createdAt;
  const recordings: Recording[] = (seed.recordings ?? []).map((r, i) => {
    const startTime = r.startTime ? ms(r.startTime) : cursor;
    const dur = r.duration ??
      Math.max(1, Math.round(((completedAt ?? createdAt + duration * 1000) - startTime) / 1000));
    cursor = startTime + dur * 1000;
    return {
      id: r.id ?? prior?.recordings[i]?.id ?? newId(state.rng, "recording"),
      status: r.status ?? "completed",
      duration: dur,
      startTime,
      offsetSec: Math.max(0, (startTime - createdAt) / 1000),
    };
  });

  const call: Call = {
    id,
    phoneNumberId: pn.id,
    participant: seed.participant,
    conversationId: conversation.id,
    direction: seed.direction,
    status,
    createdAt,
    answeredAt,
    completedAt,
    updatedAt: completedAt ?? createdAt,
    duration,
    userId,
    answeredBy: seed.answeredBy !== undefined
      ? seed.answeredBy
      : seed.direction === "incoming" && answeredAt !== null
      ? userId
      : null,
    initiatedBy: seed.initiatedBy !== undefined
      ? seed.initiatedBy
      : seed.direction === "outgoing"
      ? userId
      : null,
    forwardedFrom: seed.forwardedFrom ?? null,
    forwardedTo: seed.forwardedTo ?? null,
    callRoute: seed.callRoute !== undefined
      ? seed.callRoute
      : seed.direction === "incoming"
      ? "phone-number"
      : null,
    aiHandled: seed.aiHandled ?? null,
    recordings,
    voicemail: seed.voicemail
      ? {
        id: seed.voicemail.id ?? prior?.voicemail?.id ?? newId(state.rng, "voicemail"),
        status: seed.voicemail.status ?? "completed",
        duration: vmDuration,
        transcript: seed.voicemail.transcript ?? null,
        createdAt: (completedAt ?? createdAt + duration * 1000) - vmDuration * 1000,
      }
      : null,
    transcript: seed.transcript
      ? {
        status: seed.transcript.status,
        dialogue: seed.transcript.dialogue ?? null,
        createdAt: completedAt ?? createdAt,
      }
      : null,
    summary: null,
  };
  if (seed.summary) {
    const derived = seed.summary.status === "completed" ? derivedSummary(call) : null;
    call.summary = {
      status: seed.summary.status,
      summary: seed.summary.summary ?? derived?.summary ?? null,
      nextSteps: seed.summary.nextSteps ?? derived?.nextSteps ?? null,
      jobs: seed.summary.jobs ?? null,
    };
  }
  state.putCall(call);
  return call;
}

export function addMessage(state: OpenPhoneState, seed: MessageSeed): Message {
  const pn = requireNumber(state, seed.phoneNumberId);
  const createdAt = ms(seed.createdAt);
  const participants = [...new Set(seed.participants)].sort();
  const conversation = state.conversationFor(pn.id, participants, createdAt);
  const incoming = seed.direction === "incoming";
  const message: Message = {
    id: seed.id ?? newId(state.rng, "message"),
    phoneNumberId: pn.id,
    conversationId: conversation.id,
    participants,
    from: incoming ? seed.from ?? seed.participants[0]! : pn.number,
    to: incoming ? [pn.number] : participants,
    direction: seed.direction,
    text: seed.text,
    // The v1 status enum has no "received"; inbound messages read as delivered.
    status: seed.status ?? "delivered",
    userId: seed.userId ?? pn.userIds[0] ?? ensureOwner(state, createdAt).id,
    createdAt,
    updatedAt: seed.updatedAt ? ms(seed.updatedAt) : createdAt,
  };
  state.putMessage(message);
  return message;
}
