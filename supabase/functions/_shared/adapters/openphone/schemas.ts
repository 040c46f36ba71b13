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
