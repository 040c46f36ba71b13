/**
 * OpenPhone/Quo webhook payloads → the normalized records `switchboard.ingest_webhook` merges.
 * Two families arrive:
 *
 * - legacy (`object: "event"`, apiVersion v3/v4): `data.object` is a call (not the REST shape:
 *   v3 has from/to/media[]/voicemail and no call id; v4 is REST-like with participants and
 *   recordings), a `callSummary`, a `callTranscript`, a message (`to` a string) or a contact;
 * - 2026-03-30 (Standard Webhooks): `data.resource` plus `data.context` (conversation, phone
 *   number, participants {external, workspace}, user).
 *
 * Every field is optional except what identifies the record; an event of a known type that
 * lacks its identity is `invalid` (quarantined), an unknown type is `unknown_type` (recorded).
 *
 * What is present must be storable, checked here rather than left to the database: a refused
 * value would fail the intake statement on every retry. Dates parse with an offset within
 * ±14:00, durations are whole seconds within a week, ids and other short fields have bounded
 * lengths (a unique index cannot hold a key of hundreds of kilobytes). A value outside these
 * bounds makes the event `invalid`.
 */
import { z } from "zod";

export type NormalizedEvent =
  | { kind: "call"; envelope: Envelope; call: Record<string, unknown> }
  | { kind: "message"; envelope: Envelope; message: Record<string, unknown> }
  | {
    kind: "contact";
    envelope: Envelope;
    contact: { external_contact_id: string; contact: unknown };
  }
  | { kind: "unknown_type"; envelope: Envelope }
  | { kind: "invalid"; envelope: Partial<Envelope>; reason: string };

export interface Envelope {
  eventId: string;
  type: string;
  apiVersion: string | null;
  createdAt: string;
  family: "legacy" | "2026";
}

const CALL_TYPES = new Set([
  "call.ringing",
  "call.completed",
  "call.missed",
  "call.answered",
  "call.forwarded",
  "call.recording.completed",
  "call.transcript.completed",
  "call.summary.completed",
  "call.voicemail.completed",
]);
const MESSAGE_TYPES = new Set(["message.received", "message.delivered", "message.failed"]);
const CONTACT_TYPES = new Set(["contact.updated", "contact.deleted"]);
/** A typo in OpenPhone's own sample for call.summary.completed; deliveries may carry it. */
const TYPE_ALIASES: Record<string, string> = { callSummary: "call.summary.completed" };

/** Ids (event, call, message, number, conversation, user, contact): OpenPhone's are ~34. */
export const MAX_ID_LENGTH = 255;
/** Statuses, directions, event types, phone numbers, media types. */
export const MAX_SHORT_LENGTH = 255;
/** A call, recording or voicemail longer than a week is not a real one. */
export const MAX_DURATION_SECONDS = 7 * 24 * 3600;
/** Real UTC offsets run from -12:00 to +14:00 (Postgres refuses beyond ±15:59). */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * An ISO 8601 date-time with an offset ("…Z" or "…+05:30") that is a real instant: a valid
 * calendar date and time (zod's check), an offset within ±14:00, a year from 1970.
 */
export const timestamp = z.iso.datetime({ offset: true }).refine((s) => {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(s);
  if (offset && Number(offset[2]) * 60 + Number(offset[3]) > MAX_OFFSET_MINUTES) return false;
  return Number(s.slice(0, 4)) >= 1970 && Number.isFinite(Date.parse(s));
}, { error: "must be a date-time from 1970 with an offset within ±14:00" });
/** Whole seconds, non-negative, at most a week. */
export const duration = z.number().int().min(0).max(MAX_DURATION_SECONDS);

const id = z.string().min(1).max(MAX_ID_LENGTH);
const optId = z.string().max(MAX_ID_LENGTH).nullish();
const short = z.string().max(MAX_SHORT_LENGTH);
const str = short.nullish();
const time = timestamp.nullish();
const num = duration.nullish();
const numbers = z.array(short);

const EnvelopeSchema = z.object({
  id,
  type: z.string().min(1).max(MAX_SHORT_LENGTH),
  createdAt: timestamp,
  apiVersion: str,
  data: z.record(z.string(), z.unknown()),
});

/** Media URLs can be long signed URLs: bounded by the body size only. */
const Media = z.object({
  url: z.string().nullish(),
  type: str,
  duration: num,
  id: optId,
  startTime: time,
});
const Dialogue = z.array(z.unknown()).nullish();

const LegacyCall = z.object({
  id: optId,
  from: str,
  to: z.union([short, numbers]).nullish(),
  direction: z.enum(["incoming", "outgoing"]).nullish(),
  status: str,
  conversationId: optId,
  phoneNumberId: optId,
  userId: optId,
  createdAt: time,
  answeredAt: time,
  completedAt: time,
  duration: num,
  participants: numbers.nullish(),
  media: z.array(Media).nullish(),
  recordings: z.array(Media).nullish(),
  voicemail: z.object({ url: z.string().nullish(), type: str, duration: num }).nullish(),
});

const LegacySummary = z.object({
  callId: id,
  status: str,
  summary: z.array(z.string()).nullish(),
  nextSteps: z.array(z.string()).nullish(),
  jobs: z.unknown().optional(),
});

const LegacyTranscript = z.object({
  callId: id,
  status: str,
  dialogue: Dialogue,
  duration: num,
});

const LegacyMessage = z.object({
  id,
  from: str,
  to: z.union([short, numbers]).nullish(),
  direction: z.enum(["incoming", "outgoing"]).nullish(),
  text: z.string().nullish(),
  body: z.string().nullish(),
  status: str,
  createdAt: time,
  userId: optId,
  phoneNumberId: optId,
  conversationId: optId,
  media: z.array(z.unknown()).nullish(),
});

const Contact = z.object({ id }).passthrough();

const Context2026 = z.object({
  conversationId: optId,
  phoneNumberId: optId,
  userId: optId,
  participants: z.object({
    external: numbers.nullish(),
    workspace: numbers.nullish(),
  }).nullish(),
  senderIdentifier: str,
  recipientIdentifiers: numbers.nullish(),
}).passthrough();

const Call2026 = z.object({
  id,
  direction: z.enum(["incoming", "outgoing"]).nullish(),
  status: str,
  createdAt: time,
  answeredAt: time,
  completedAt: time,
  duration: num,
  recordings: z.array(Media).nullish(),
});

const Summary2026 = z.object({
  callId: id,
  processingStatus: str,
  summary: z.array(z.string()).nullish(),
  nextSteps: z.array(z.string()).nullish(),
});

const Transcript2026 = z.object({
  callId: id,
  processingStatus: str,
  dialogue: Dialogue,
  duration: num,
});

const Voicemail2026 = z.object({
  callId: id,
  id: optId,
  voicemailId: optId,
  recordingUrl: z.string().nullish(),
  duration: num,
  transcript: z.string().nullish(),
});

const Message2026 = z.object({
  id,
  direction: z.enum(["incoming", "outgoing"]).nullish(),
  status: str,
  text: z.string().nullish(),
  createdAt: time,
  media: z.array(z.unknown()).nullish(),
});

/**
 * Why a part does not parse, for the inbox row's `detail`: the first issue's path and zod's
 * message, which name the rule and never quote the value.
 */
function failure(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") || "(root)";
  return `${what} does not parse: ${path.slice(0, 200)}: ${issue?.message ?? "invalid"}`;
}

/**
 * The event id and type of a body that is not a valid envelope, when they are usable as inbox
 * columns (present, bounded, storable); the rest of such a body stays in its raw form only.
 */
export function salvageEnvelope(body: unknown): { eventId?: string; type?: string } {
  const o = (body && typeof body === "object" && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const usable = (v: unknown, max: number): v is string =>
    typeof v === "string" && v.length > 0 && v.length <= max && !v.includes("\u0000") &&
    v.isWellFormed();
  return {
    ...(usable(o.id, MAX_ID_LENGTH) ? { eventId: o.id } : {}),
    ...(usable(o.type, MAX_SHORT_LENGTH) ? { type: o.type } : {}),
  };
}

const list = (v: string | string[] | null | undefined): string[] =>
  v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
const nn = <T>(v: T | null | undefined): T | null => v ?? null;

function recordings(
  items: z.infer<typeof Media>[] | null | undefined,
): Record<string, unknown>[] | undefined {
  if (!items || items.length === 0) return undefined;
  return items.map((m) => ({
    id: nn(m.id),
    url: nn(m.url),
    type: nn(m.type),
    duration_sec: nn(m.duration),
    started_at: nn(m.startTime),
    status: "completed",
  }));
}

/** A provider summary or transcript as its call's artifact (same shape from both families). */
function summaryRecord(
  callId: string,
  status: string | null | undefined,
  summary: string[] | null | undefined,
  nextSteps: string[] | null | undefined,
  jobs?: unknown,
): Record<string, unknown> {
  return {
    external_id: callId,
    provider_summary: compact({
      status: nn(status),
      summary: nn(summary),
      next_steps: nn(nextSteps),
      jobs,
    }),
  };
}

function transcriptRecord(
  callId: string,
  status: string | null | undefined,
  dialogue: unknown[] | null | undefined,
  duration: number | null | undefined,
): Record<string, unknown> {
  return {
    external_id: callId,
    provider_transcript: { status: nn(status), dialogue: nn(dialogue), duration: nn(duration) },
  };
}

/** Keys with undefined values are dropped: "not said" is not "unknown". */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function legacyCall(type: string, object: unknown): Record<string, unknown> | string {
  if (type === "call.summary.completed") {
    const s = LegacySummary.safeParse(object);
    if (!s.success) return failure("call summary", s.error);
    return summaryRecord(
      s.data.callId,
      s.data.status,
      s.data.summary,
      s.data.nextSteps,
      s.data.jobs,
    );
  }
  if (type === "call.transcript.completed") {
    const t = LegacyTranscript.safeParse(object);
    if (!t.success) return failure("call transcript", t.error);
    return transcriptRecord(t.data.callId, t.data.status, t.data.dialogue, t.data.duration);
  }
  const c = LegacyCall.safeParse(object);
  if (!c.success) return failure("call object", c.error);
  const d = c.data;
  if (!d.id && !(d.phoneNumberId && d.createdAt)) {
    return "call without an id, phoneNumberId or createdAt";
  }
  const to = list(d.to);
  const external = d.participants ??
    (d.direction === "incoming" ? list(d.from) : d.direction === "outgoing" ? to : []);
  return compact({
    external_id: d.id || undefined,
    phone_number_id: nn(d.phoneNumberId),
    conversation_id: nn(d.conversationId),
    user_id: nn(d.userId),
    direction: nn(d.direction),
    provider_status: nn(d.status),
    from_number: nn(d.from),
    to_number: to[0] ?? null,
    participants: external.length ? external : undefined,
    started_at: nn(d.createdAt),
    answered_at: nn(d.answeredAt),
    completed_at: nn(d.completedAt),
    duration_sec: nn(d.duration),
    recordings: recordings(d.media) ?? recordings(d.recordings),
    voicemail: d.voicemail?.url
      ? {
        url: d.voicemail.url,
        type: nn(d.voicemail.type),
        duration_sec: nn(d.voicemail.duration),
        status: "completed",
      }
      : undefined,
  });
}

function call2026(
  type: string,
  resource: unknown,
  context: z.infer<typeof Context2026>,
): Record<string, unknown> | string {
  const base = {
    phone_number_id: nn(context.phoneNumberId),
    conversation_id: nn(context.conversationId),
    user_id: nn(context.userId),
  };
  if (type === "call.summary.completed") {
    const s = Summary2026.safeParse(resource);
    if (!s.success) return failure("call summary", s.error);
    return summaryRecord(s.data.callId, s.data.processingStatus, s.data.summary, s.data.nextSteps);
  }
  if (type === "call.transcript.completed") {
    const t = Transcript2026.safeParse(resource);
    if (!t.success) return failure("call transcript", t.error);
    return transcriptRecord(
      t.data.callId,
      t.data.processingStatus,
      t.data.dialogue,
      t.data.duration,
    );
  }
  if (type === "call.voicemail.completed") {
    const v = Voicemail2026.safeParse(resource);
    if (!v.success) return failure("voicemail", v.error);
    return {
      external_id: v.data.callId,
      voicemail: {
        id: nn(v.data.voicemailId ?? v.data.id),
        url: nn(v.data.recordingUrl),
        duration_sec: nn(v.data.duration),
        transcript: nn(v.data.transcript),
        status: "completed",
      },
    };
  }
  const c = Call2026.safeParse(resource);
  if (!c.success) return failure("call resource", c.error);
  const d = c.data;
  const external = context.participants?.external ?? [];
  const workspace = context.participants?.workspace ?? [];
  const incoming = d.direction === "incoming";
  return compact({
    external_id: d.id,
    ...base,
    direction: nn(d.direction),
    provider_status: nn(d.status),
    from_number: d.direction ? (incoming ? external[0] : workspace[0]) ?? null : null,
    to_number: d.direction ? (incoming ? workspace[0] : external[0]) ?? null : null,
    participants: external.length ? external : undefined,
    started_at: nn(d.createdAt),
    answered_at: nn(d.answeredAt),
    completed_at: nn(d.completedAt),
    duration_sec: nn(d.duration),
    recordings: recordings(d.recordings),
  });
}

function message(
  type: string,
  family: "legacy" | "2026",
  data: Record<string, unknown>,
): Record<string, unknown> | string {
  if (family === "legacy") {
    const m = LegacyMessage.safeParse(data.object);
    if (!m.success) return failure("message", m.error);
    const d = m.data;
    return {
      external_id: d.id,
      phone_number_id: nn(d.phoneNumberId),
      conversation_id: nn(d.conversationId),
      user_id: nn(d.userId),
      direction: nn(d.direction),
      provider_status: nn(d.status),
      from_number: nn(d.from),
      to_numbers: list(d.to),
      body: d.text ?? d.body ?? null,
      media: d.media ?? [],
      sent_at: nn(d.createdAt),
    };
  }
  const m = Message2026.safeParse(data.resource);
  const ctx = Context2026.safeParse(data.context ?? {});
  if (!m.success) return failure("message", m.error);
  if (!ctx.success) return failure("message context", ctx.error);
  return {
    external_id: m.data.id,
    phone_number_id: nn(ctx.data.phoneNumberId),
    conversation_id: nn(ctx.data.conversationId),
    user_id: nn(ctx.data.userId),
    direction: nn(m.data.direction),
    provider_status: nn(m.data.status) ?? (type === "message.failed" ? "failed" : null),
    from_number: nn(ctx.data.senderIdentifier),
    to_numbers: ctx.data.recipientIdentifiers ?? [],
    body: nn(m.data.text),
    media: m.data.media ?? [],
    sent_at: nn(m.data.createdAt),
  };
}

/** Normalizes a parsed webhook body. Never throws. */
export function normalizeEvent(body: unknown): NormalizedEvent {
  const env = EnvelopeSchema.safeParse(body);
  if (!env.success) {
    return {
      kind: "invalid",
      envelope: salvageEnvelope(body),
      reason: `Not an OpenPhone event envelope (${
        env.error.issues[0]?.path.map(String).join(".") || "body"
      }: ${env.error.issues[0]?.message})`,
    };
  }
  const data = env.data.data;
  const family = "resource" in data ? "2026" : "legacy";
  const type = TYPE_ALIASES[env.data.type] ?? env.data.type;
  const envelope: Envelope = {
    eventId: env.data.id,
    type,
    apiVersion: env.data.apiVersion ?? null,
    createdAt: env.data.createdAt,
    family,
  };
  if (family === "legacy" && !("object" in data)) {
    return { kind: "invalid", envelope, reason: "Event has neither data.object nor data.resource" };
  }

  if (CALL_TYPES.has(type)) {
    let call: Record<string, unknown> | string;
    if (family === "legacy") call = legacyCall(type, data.object);
    else {
      const ctx = Context2026.safeParse(data.context ?? {});
      call = ctx.success
        ? call2026(type, data.resource, ctx.data)
        : failure("call context", ctx.error);
    }
    return typeof call === "string"
      ? { kind: "invalid", envelope, reason: call }
      : { kind: "call", envelope, call };
  }
  if (MESSAGE_TYPES.has(type)) {
    const m = message(type, family, data);
    return typeof m === "string"
      ? { kind: "invalid", envelope, reason: m }
      : { kind: "message", envelope, message: m };
  }
  if (CONTACT_TYPES.has(type)) {
    const c = Contact.safeParse(family === "legacy" ? data.object : data.resource);
    if (!c.success) return { kind: "invalid", envelope, reason: failure("contact", c.error) };
    return {
      kind: "contact",
      envelope,
      contact: { external_contact_id: c.data.id, contact: c.data },
    };
  }
  return { kind: "unknown_type", envelope };
}
