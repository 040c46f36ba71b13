/**
 * OpenPhone/Quo v1 REST shapes we read (OpenAPI "Quo Public API"). Lenient where the API is
 * documented as nullable or version-dependent, strict on what we depend on (ids, times).
 */
import { z } from "zod";

export const PhoneNumberSchema = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string().nullish(),
});

export const CallSchema = z.object({
  id: z.string(),
  phoneNumberId: z.string().nullish(),
  userId: z.string().nullish(),
  direction: z.enum(["incoming", "outgoing"]).nullish(),
  status: z.string().nullish(),
  participants: z.array(z.string()).default([]),
  createdAt: z.string(),
  updatedAt: z.string().nullish(),
  answeredAt: z.string().nullish(),
  completedAt: z.string().nullish(),
  duration: z.number().nullish(),
});
export type RestCall = z.infer<typeof CallSchema>;

/** A recording segment (`GET /v1/call-recordings/{callId}`); url/type/duration null until completed. */
export const RecordingSchema = z.object({
  id: z.string(),
  url: z.string().nullish(),
  type: z.string().nullish(),
  status: z.string().nullish(),
  startTime: z.string().nullish(),
  duration: z.number().nullish(),
});
export type RestRecording = z.infer<typeof RecordingSchema>;

/** `GET /v1/call-voicemails/{callId}`: nullable fields are null while in progress. */
export const VoicemailSchema = z.object({
  id: z.string().nullish(),
  status: z.string().nullish(),
  duration: z.number().nullish(),
  transcript: z.string().nullish(),
  recordingUrl: z.string().nullish(),
});
export type RestVoicemail = z.infer<typeof VoicemailSchema>;

/** `GET /v1/call-transcripts/{id}` (Business/Scale plans). */
export const TranscriptSchema = z.object({
  callId: z.string().nullish(),
  status: z.string().nullish(),
  duration: z.number().nullish(),
  dialogue: z.array(z.unknown()).nullish(),
});
export type RestTranscript = z.infer<typeof TranscriptSchema>;

/** `GET /v1/call-summaries/{callId}` (Business/Scale plans); `summary` is an array of strings. */
export const SummarySchema = z.object({
  callId: z.string().nullish(),
  status: z.string().nullish(),
  summary: z.array(z.string()).nullish(),
  nextSteps: z.array(z.string()).nullish(),
  jobs: z.unknown().optional(),
});
export type RestSummary = z.infer<typeof SummarySchema>;

export const MessageSchema = z.object({
  id: z.string(),
  phoneNumberId: z.string().nullish(),
  userId: z.string().nullish(),
  direction: z.enum(["incoming", "outgoing"]).nullish(),
  status: z.string().nullish(),
  from: z.string().nullish(),
  to: z.array(z.string()).default([]),
  text: z.string().nullish(),
  createdAt: z.string(),
  updatedAt: z.string().nullish(),
});
export type RestMessage = z.infer<typeof MessageSchema>;

export const ConversationSchema = z.object({
  id: z.string(),
  phoneNumberId: z.string().nullish(),
  participants: z.array(z.string()).default([]),
  updatedAt: z.string().nullish(),
});

/** A single-object response: `{ data: … }`. */
export function one<T extends z.ZodType>(item: T): z.ZodObject<{ data: T }> {
  return z.object({ data: item });
}

export function listOf<T extends z.ZodType>(item: T): z.ZodObject<{
  data: z.ZodArray<T>;
  totalItems: z.ZodOptional<z.ZodNullable<z.ZodNumber>>;
  nextPageToken: z.ZodOptional<z.ZodNullable<z.ZodString>>;
}> {
  return z.object({
    data: z.array(item),
    totalItems: z.number().nullish(),
    nextPageToken: z.string().nullish(),
  });
}
