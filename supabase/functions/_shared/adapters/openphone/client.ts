/**
 * The OpenPhone/Quo v1 REST client (the backfill lists, call_enrich reads one call and what
 * hangs off it). Every request first reserves a slot in the
 * shared rate-limit budget (Postgres, one per API key, so every invocation together stays under
 * OpenPhone's 10 requests/s) and a 429 pushes the whole budget back by its Retry-After before
 * the request is retried. Auth is the raw key, without "Bearer".
 */
import { z } from "zod";
import { httpJson } from "../http_json.ts";
import { UpstreamError } from "../../platform/errors.ts";
import type { RateBudget } from "../../platform/rate_budget.ts";
import {
  CallSchema,
  ConversationSchema,
  listOf,
  MessageSchema,
  one,
  PhoneNumberSchema,
  RecordingSchema,
  type RestCall,
  type RestRecording,
  type RestSummary,
  type RestTranscript,
  type RestVoicemail,
  SummarySchema,
  TranscriptSchema,
  VoicemailSchema,
} from "./schemas.ts";

/** How late a reserved slot may be used before it counts as missed. */
const LATE_TOLERANCE_MS = 50;

export interface OpenPhoneClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  budget: RateBudget;
  timeoutMs?: number;
  /** 429s retried per request before giving up (the caller's run resumes later). */
  maxRateLimitRetries?: number;
}

export interface Page<T> {
  data: T[];
  nextPageToken: string | null;
}

export interface OpenPhoneClient {
  phoneNumbers(): Promise<z.infer<typeof PhoneNumberSchema>[]>;
  conversations(
    phoneNumber: string,
    opts: { updatedAfter?: string; pageToken?: string },
  ): Promise<Page<z.infer<typeof ConversationSchema>>>;
  calls(
    phoneNumberId: string,
    participant: string,
    opts: { createdAfter?: string; pageToken?: string },
  ): Promise<Page<z.infer<typeof CallSchema>>>;
  messages(
    phoneNumberId: string,
    participant: string,
    opts: { createdAfter?: string; pageToken?: string },
  ): Promise<Page<z.infer<typeof MessageSchema>>>;
  /** One call (`GET /v1/calls/{id}`); a 404 is thrown (the caller decides what it means). */
  call(callId: string): Promise<RestCall>;
  /** A call's recording segments, oldest first ([] without a recording). */
  callRecordings(callId: string): Promise<RestRecording[]>;
  /** A call's voicemail, or null when it has none (404). */
  callVoicemail(callId: string): Promise<RestVoicemail | null>;
  /** OpenPhone's transcript of a call, or null when there is none (404); plan-gated (403). */
  callTranscript(callId: string): Promise<RestTranscript | null>;
  /** OpenPhone's summary of a call, or null when there is none (404); plan-gated (403). */
  callSummary(callId: string): Promise<RestSummary | null>;
}

export function createOpenPhoneClient(opts: OpenPhoneClientOptions): OpenPhoneClient {
  const base = `${opts.baseUrl.replace(/\/$/, "")}/v1`;
  const maxRetries = opts.maxRateLimitRetries ?? 5;

  /**
   * Waits for a reserved slot. A caller that wakes well after its slot (a stalled event loop)
   * takes a fresh one instead of sending late slots back to back, which would burst past the
   * vendor's per-second limit.
   */
  async function takeSlot(): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      const wait = await opts.budget.reserve();
      const due = opts.now() + wait;
      if (wait > 0) await opts.sleep(wait);
      if (opts.now() - due <= LATE_TOLERANCE_MS) return;
    }
  }

  async function get<S extends z.ZodType>(
    path: string,
    params: [string, string][],
    schema: S,
  ): Promise<z.infer<S>> {
    const url = `${base}${path}${params.length ? `?${new URLSearchParams(params)}` : ""}`;
    for (let attempt = 0;; attempt++) {
      await takeSlot();
      try {
        return await httpJson({
          vendor: "openphone",
          fetch: opts.fetch,
          url,
          headers: { authorization: opts.apiKey },
          timeoutMs: opts.timeoutMs ?? 30_000,
          schema,
          now: opts.now,
        });
      } catch (e) {
        if (!(e instanceof UpstreamError) || e.upstreamStatus !== 429 || attempt >= maxRetries) {
          throw e;
        }
        // OpenPhone does not document Retry-After; without one, pause the whole key a second.
        await opts.budget.block(opts.now() + (e.retryAfterMs ?? 1000));
      }
    }
  }

  /** A by-id read whose 404 means "none" rather than an error. */
  async function orNull<T>(read: Promise<T>): Promise<T | null> {
    try {
      return await read;
    } catch (e) {
      if (e instanceof UpstreamError && e.upstreamStatus === 404) return null;
      throw e;
    }
  }
  const id = (callId: string) => encodeURIComponent(callId);

  const page = <T>(r: { data: T[]; nextPageToken?: string | null | undefined }): Page<T> => ({
    data: r.data,
    nextPageToken: r.nextPageToken || null,
  });

  return {
    async phoneNumbers() {
      return (await get("/phone-numbers", [], listOf(PhoneNumberSchema))).data;
    },
    async conversations(phoneNumberId, o) {
      const params: [string, string][] = [["phoneNumbers[]", phoneNumberId], ["maxResults", "100"]];
      if (o.updatedAfter) params.push(["updatedAfter", o.updatedAfter]);
      if (o.pageToken) params.push(["pageToken", o.pageToken]);
      return page(await get("/conversations", params, listOf(ConversationSchema)));
    },
    async calls(phoneNumberId, participant, o) {
      const params: [string, string][] = [
        ["phoneNumberId", phoneNumberId],
        ["participants[]", participant],
        ["maxResults", "100"],
      ];
      if (o.createdAfter) params.push(["createdAfter", o.createdAfter]);
      if (o.pageToken) params.push(["pageToken", o.pageToken]);
      return page(await get("/calls", params, listOf(CallSchema)));
    },
    async messages(phoneNumberId, participant, o) {
      const params: [string, string][] = [
        ["phoneNumberId", phoneNumberId],
        ["participants[]", participant],
        ["maxResults", "100"],
      ];
      if (o.createdAfter) params.push(["createdAfter", o.createdAfter]);
      if (o.pageToken) params.push(["pageToken", o.pageToken]);
      return page(await get("/messages", params, listOf(MessageSchema)));
    },
    async call(callId) {
      return (await get(`/calls/${id(callId)}`, [], one(CallSchema))).data;
    },
    async callRecordings(callId) {
      return (await get(`/call-recordings/${id(callId)}`, [], listOf(RecordingSchema))).data;
    },
    async callVoicemail(callId) {
      const r = await orNull(get(`/call-voicemails/${id(callId)}`, [], one(VoicemailSchema)));
      return r?.data ?? null;
    },
    async callTranscript(callId) {
      const r = await orNull(get(`/call-transcripts/${id(callId)}`, [], one(TranscriptSchema)));
      return r?.data ?? null;
    },
    async callSummary(callId) {
      const r = await orNull(get(`/call-summaries/${id(callId)}`, [], one(SummarySchema)));
      return r?.data ?? null;
    },
  };
}
