/**
 * The shape of `POST /_control/seed {"openphone": …}`. Objects are strict so a misspelt field
 * fails loudly instead of silently seeding defaults. Phone numbers, users and calls may be
 * referred to by id or (numbers) by their E.164 number. See README.md for an example.
 */
import { z } from "zod";
import { AI_STATUSES, CALL_STATUSES, MESSAGE_STATUSES, RECORDING_STATUSES } from "./types.ts";

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, "must be an E.164 number");
const time = z.iso.datetime({ offset: true });
const prefixed = (p: string) => z.string().regex(new RegExp(`^${p}`), `must start with ${p}`);

const restrictions = z.strictObject({
  CA: z.enum(["restricted", "unrestricted"]),
  US: z.enum(["restricted", "unrestricted"]),
  Intl: z.enum(["restricted", "unrestricted"]),
});

export const workspaceSeed = z.strictObject({
  plan: z.enum(["starter", "business", "scale"]).optional(),
  aiGate: z.enum(["forbidden", "absent"]).optional(),
  gateway: z.enum(["v1", "kong"]).optional(),
  rateLimit: z.strictObject({
    perSecond: z.number().positive().optional(),
    burst: z.number().int().min(1).optional(),
  }).optional(),
  mediaUrlTtlSec: z.number().int().positive().nullable().optional(),
  orgId: prefixed("OR").optional(),
});

export const userSeed = z.strictObject({
  id: prefixed("US").optional(),
  email: z.string().min(3).optional(),
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  role: z.enum(["owner", "admin", "member"]).optional(),
  createdAt: time.optional(),
});

export const phoneNumberSeed = z.strictObject({
  id: prefixed("PN").optional(),
  number: e164,
  name: z.string().optional(),
  formattedNumber: z.string().nullable().optional(),
  symbol: z.string().nullable().optional(),
  forward: z.string().nullable().optional(),
  /** User ids; default: the workspace owner. */
  users: z.array(prefixed("US")).optional(),
  restrictions: z.strictObject({ messaging: restrictions, calling: restrictions }).optional(),
  createdAt: time.optional(),
});

const contactField = z.union([
  z.string(),
  z.strictObject({ name: z.string(), value: z.string().nullable(), id: z.string().optional() }),
]);

export const contactSeed = z.strictObject({
  id: z.string().min(1).optional(),
  externalId: z.string().min(1).max(75).nullable().optional(),
  source: z.string().min(1).max(75).nullable().optional(),
  sourceUrl: z.string().url().max(200).nullable().optional(),
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  company: z.string().nullable().optional(),
  role: z.string().nullable().optional(),
  emails: z.array(contactField).optional(),
  /** E.164 strings or `{name, value}` fields. */
  phoneNumbers: z.array(contactField).optional(),
  createdAt: time.optional(),
  updatedAt: time.optional(),
  createdByUserId: prefixed("US").optional(),
});

export const conversationSeed = z.strictObject({
  id: prefixed("CN").optional(),
  phoneNumberId: z.string(),
  participants: z.array(e164).min(1),
  name: z.string().nullable().optional(),
  assignedTo: prefixed("US").nullable().optional(),
  inactive: z.boolean().optional(),
  createdAt: time.optional(),
});

const recordingSeed = z.strictObject({
  id: z.string().min(1).optional(),
  status: z.enum(RECORDING_STATUSES).optional(),
  duration: z.number().int().min(1).optional(),
  startTime: time.optional(),
});

const dialogueSeed = z.strictObject({
  content: z.string(),
  start: z.number().min(0),
  end: z.number().min(0),
  identifier: z.string(),
  userId: prefixed("US").nullable(),
});

export const callSeed = z.strictObject({
  id: prefixed("AC").optional(),
  /** A PN id or the E.164 number of a seeded phone number. */
  phoneNumberId: z.string(),
  participant: e164,
  direction: z.enum(["incoming", "outgoing"]),
  status: z.enum(CALL_STATUSES).optional(),
  createdAt: time,
  answeredAt: time.nullable().optional(),
  completedAt: time.nullable().optional(),
  duration: z.number().int().min(0).optional(),
  userId: prefixed("US").optional(),
  answeredBy: prefixed("US").nullable().optional(),
  initiatedBy: prefixed("US").nullable().optional(),
  forwardedFrom: z.string().nullable().optional(),
  forwardedTo: z.string().nullable().optional(),
  callRoute: z.enum(["phone-number", "phone-menu"]).nullable().optional(),
  aiHandled: z.literal("ai-agent").nullable().optional(),
  recordings: z.array(recordingSeed).optional(),
  voicemail: z.strictObject({
    id: prefixed("VM").optional(),
    status: z.enum(["completed", "in-progress"]).optional(),
    duration: z.number().int().min(1).optional(),
    transcript: z.string().nullable().optional(),
  }).nullable().optional(),
  transcript: z.strictObject({
    status: z.enum(AI_STATUSES),
    dialogue: z.array(dialogueSeed).optional(),
  }).nullable().optional(),
  summary: z.strictObject({
    status: z.enum(AI_STATUSES),
    summary: z.array(z.string()).optional(),
    nextSteps: z.array(z.string()).optional(),
    jobs: z.array(z.strictObject({
      icon: z.string(),
      name: z.string(),
      result: z.strictObject({
        data: z.array(z.strictObject({
          name: z.string(),
          value: z.union([z.string(), z.number(), z.boolean()]),
        })),
      }),
    })).nullable().optional(),
  }).nullable().optional(),
});

export const messageSeed = z.strictObject({
  id: prefixed("AC").optional(),
  phoneNumberId: z.string(),
  /** The external participants (one for 1:1 threads, several for a group). */
  participants: z.array(e164).min(1),
  direction: z.enum(["incoming", "outgoing"]),
  text: z.string(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  /** For incoming messages in a group thread: who sent it (default the first participant). */
  from: e164.optional(),
  userId: prefixed("US").optional(),
  createdAt: time,
  updatedAt: time.optional(),
});

export const webhookSeed = z.strictObject({
  id: prefixed("WH").optional(),
  url: z.string().url(),
  format: z.enum(["2026-03-30", "v3", "v4"]).optional(),
  /** 2026-03-30: `whsec_…` secrets, several while rotating. */
  secrets: z.array(z.string().startsWith("whsec_")).min(1).optional(),
  /** Legacy: the base64 signing key. */
  key: z.string().min(1).optional(),
  events: z.array(z.string()).optional(),
  resourceIds: z.array(z.string()).optional(),
  /** Retry delays in ms after each failed attempt; default Svix's schedule. */
  schedule: z.array(z.number().int().min(0)).optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export const generateSeed = z.strictObject({
  seed: z.string().min(1),
  phoneNumbers: z.number().int().min(1).max(50),
  callsPerNumber: z.number().int().min(0).max(100_000),
  messagesPerNumber: z.number().int().min(0).max(100_000),
  participantsPerNumber: z.number().int().min(1).max(10_000),
  since: time,
  /** Default: 30 days after `since`. */
  until: time.optional(),
  /** Share of participants that have a contact with an externalId (default 0.5). */
  contactShare: z.number().min(0).max(1).optional(),
});

export const seedSchema = z.strictObject({
  workspace: workspaceSeed.optional(),
  apiKeys: z.array(z.union([
    z.string().min(1),
    z.strictObject({ key: z.string().min(1), label: z.string().optional() }),
  ])).optional(),
  users: z.array(userSeed).optional(),
  phoneNumbers: z.array(phoneNumberSeed).optional(),
  contacts: z.array(contactSeed).optional(),
  conversations: z.array(conversationSeed).optional(),
  calls: z.array(callSeed).optional(),
  messages: z.array(messageSeed).optional(),
  webhooks: z.array(webhookSeed).optional(),
  generate: generateSeed.optional(),
});

export type SeedScenario = z.infer<typeof seedSchema>;
export type CallSeed = z.infer<typeof callSeed>;
export type MessageSeed = z.infer<typeof messageSeed>;
export type ContactSeed = z.infer<typeof contactSeed>;
export type WebhookSeed = z.infer<typeof webhookSeed>;
export type GenerateSeed = z.infer<typeof generateSeed>;
