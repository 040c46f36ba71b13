/**
 * The records the fake stores. Times are epoch milliseconds; the REST and webhook serializers
 * turn them into the vendor's ISO strings. Enumerations are the ones in OpenPhone's v1 OpenAPI
 * document ("Quo Public API", servers https://api.openphone.com).
 */

/** Quo plans. Call summaries and transcripts are gated to Business and Scale. */
export type Plan = "starter" | "business" | "scale";

/**
 * How a plan without AI features answers summary/transcript requests. The docs mention both a
 * 403 and `status: "absent"`; which one a workspace sees is not documented, so it is a choice.
 */
export type AiGate = "forbidden" | "absent";

/**
 * Who writes the 401/429 bodies. The v1 OpenAPI document declares Kong `key-auth` and
 * `rate-limiting` plugins, so the real bodies probably come from Kong (`{"message": …}`);
 * "v1" answers in the documented v1 error shape instead.
 */
export type GatewayStyle = "v1" | "kong";

export interface Workspace {
  orgId: string;
  plan: Plan;
  aiGate: AiGate;
  gateway: GatewayStyle;
  rateLimit: { perSecond: number; burst: number };
  /** Media URLs expire this long after they are handed out; null: they never expire. */
  mediaUrlTtlSec: number | null;
}

export interface ApiKey {
  key: string;
  label: string;
}

export type UserRole = "owner" | "admin" | "member";

export interface User {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  role: UserRole;
  groupId: string;
  createdAt: number;
  updatedAt: number;
}

export type Restriction = "restricted" | "unrestricted";
export interface Restrictions {
  messaging: { CA: Restriction; US: Restriction; Intl: Restriction };
  calling: { CA: Restriction; US: Restriction; Intl: Restriction };
}

export interface PhoneNumber {
  id: string;
  groupId: string;
  name: string;
  number: string;
  formattedNumber: string | null;
  forward: string | null;
  portRequestId: string | null;
  portingStatus: string | null;
  symbol: string | null;
  userIds: string[];
  restrictions: Restrictions;
  createdAt: number;
  updatedAt: number;
}

export interface ContactField {
  id: string;
  name: string;
  value: string | null;
}

export interface Contact {
  id: string;
  externalId: string | null;
  source: string | null;
  sourceUrl: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  role: string | null;
  emails: ContactField[];
  phoneNumbers: ContactField[];
  createdAt: number;
  updatedAt: number;
  createdByUserId: string;
  deletedAt: number | null;
}

export interface Conversation {
  id: string;
  phoneNumberId: string;
  /** External participants (E.164), sorted. */
  participants: string[];
  name: string | null;
  assignedTo: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  lastActivityAt: number | null;
  lastActivityId: string | null;
  mutedUntil: number | null;
  snoozedUntil: number | null;
  inactive: boolean;
}

export const CALL_STATUSES = [
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
  "missed",
  "answered",
  "forwarded",
  "abandoned",
] as const;
export type CallStatus = typeof CALL_STATUSES[number];

export const RECORDING_STATUSES = [
  "absent",
  "completed",
  "deleted",
  "failed",
  "in-progress",
  "paused",
  "processing",
  "stopped",
  "stopping",
] as const;
export type RecordingStatus = typeof RECORDING_STATUSES[number];

export const AI_STATUSES = ["absent", "in-progress", "completed", "failed"] as const;
export type AiStatus = typeof AI_STATUSES[number];

export type Direction = "incoming" | "outgoing";

export interface Recording {
  id: string;
  status: RecordingStatus;
  /** Whole seconds; the audio served has exactly this length. */
  duration: number;
  startTime: number;
  /** Seconds from the start of the call, to cut this segment's part of the call script. */
  offsetSec: number;
}

export interface Voicemail {
  id: string;
  status: "completed" | "in-progress";
  duration: number;
  /** null: derived from the voicemail audio's script. */
  transcript: string | null;
  createdAt: number;
}

export interface DialogueLine {
  content: string;
  start: number;
  end: number;
  identifier: string;
  userId: string | null;
}

export interface Transcript {
  status: AiStatus;
  /** null while not completed; when completed and unset, derived from the call script. */
  dialogue: DialogueLine[] | null;
  createdAt: number;
}

export interface SummaryJob {
  icon: string;
  name: string;
  result: { data: { name: string; value: string | number | boolean }[] };
}

export interface Summary {
  status: AiStatus;
  summary: string[] | null;
  nextSteps: string[] | null;
  jobs: SummaryJob[] | null;
}

export interface Call {
  id: string;
  phoneNumberId: string;
  /** The one external participant (OpenPhone calls are 1:1). */
  participant: string;
  conversationId: string;
  direction: Direction;
  status: CallStatus;
  createdAt: number;
  answeredAt: number | null;
  completedAt: number | null;
  updatedAt: number | null;
  duration: number;
  userId: string;
  answeredBy: string | null;
  initiatedBy: string | null;
  forwardedFrom: string | null;
  forwardedTo: string | null;
  callRoute: "phone-number" | "phone-menu" | null;
  aiHandled: "ai-agent" | null;
  recordings: Recording[];
  voicemail: Voicemail | null;
  transcript: Transcript | null;
  summary: Summary | null;
}

export const MESSAGE_STATUSES = ["queued", "sent", "delivered", "undelivered"] as const;
export type MessageStatus = typeof MESSAGE_STATUSES[number];

export interface Message {
  id: string;
  phoneNumberId: string;
  conversationId: string;
  /** External participants (E.164), sorted. */
  participants: string[];
  from: string;
  to: string[];
  direction: Direction;
  text: string;
  status: MessageStatus;
  userId: string;
  createdAt: number;
  updatedAt: number;
}
