/**
 * AssemblyAI v2 pre-recorded transcription, behind the two calls Switchboard makes: submit a job
 * (with a completion webhook) and look one up. The same code talks to api.assemblyai.com and to
 * the sandbox: base URL, key, fetch, clock and logger are arguments.
 *
 * Plain `fetch` with the SDK's own request/response types (`assemblyai` TranscriptParams,
 * Transcript), because the SDK takes no fetch, timeout or retry option and throws a bare
 * `Error(message)` on ≥ 400 that drops the status and Retry-After (vendor-apis §3.2); the stage
 * engine needs both to tell an outage from a permanent refusal. Every failure leaves here as an
 * UpstreamError, classified once:
 *
 *   network error, timeout, 408, 409, 429, 5xx   retryable (Retry-After kept)
 *   400 (validation, unknown transcript id), 401, 403, 404 …   permanent
 *   a 2xx body that is not a transcript          permanent (contract)
 *
 * Messages carry AssemblyAI's own `{"error": …}` text (it never echoes our key or the webhook
 * header value), so a dead letter says what was wrong.
 */
import type { Transcript, TranscriptParams } from "assemblyai";
import { z } from "zod";
import { parseRetryAfter, UpstreamError } from "../../platform/errors.ts";
import type { Logger } from "../../platform/log.ts";

export const VENDOR = "assemblyai";

export interface AssemblyAIClientOptions {
  /** https://api.assemblyai.com, or the sandbox's …/assemblyai. */
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  now: () => number;
  log: Logger;
  /** Per request (default 15 s). */
  timeoutMs?: number;
}

export interface SubmitRequest {
  audioUrl: string;
  /** In priority order, e.g. ["universal-3-5-pro", "universal-2"]. */
  speechModels: string[];
  webhookUrl: string;
  webhookAuthHeaderName: string;
  webhookAuthHeaderValue: string;
  languageCode?: string | null;
  speakersExpected?: number | null;
}

const UtteranceSchema = z.object({
  speaker: z.string(),
  text: z.string(),
  start: z.number(),
  end: z.number(),
});

/** The fields of a Transcript we use (the rest passes through unvalidated). */
export const TranscriptSchema = z.object({
  id: z.string().min(1),
  status: z.enum(["queued", "processing", "completed", "error"]),
  error: z.string().nullish(),
  audio_duration: z.number().nonnegative().nullish(),
  speech_model_used: z.string().nullish(),
  speech_models: z.array(z.string()).nullish(),
  utterances: z.array(UtteranceSchema).nullish(),
  language_code: z.string().nullish(),
});

export type TranscriptView = z.infer<typeof TranscriptSchema>;

export interface AssemblyAIClient {
  submit(req: SubmitRequest): Promise<TranscriptView>;
  get(transcriptId: string): Promise<TranscriptView>;
}

/** The body of POST /v2/transcript, typed by the SDK (its model type lags; ours is a string[]). */
export function submitBody(req: SubmitRequest): TranscriptParams {
  const body: TranscriptParams = {
    audio_url: req.audioUrl,
    // `speech_models` (plural, priority order) is the current parameter; the singular
    // `speech_model` is deprecated and refused alongside it, so it is never sent.
    speech_models: req.speechModels,
    speaker_labels: true,
    webhook_url: req.webhookUrl,
    webhook_auth_header_name: req.webhookAuthHeaderName,
    webhook_auth_header_value: req.webhookAuthHeaderValue,
  };
  if (req.languageCode) body.language_code = req.languageCode;
  if (req.speakersExpected) body.speakers_expected = req.speakersExpected;
  return body;
}

export function createAssemblyAIClient(opts: AssemblyAIClientOptions): AssemblyAIClient {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function request(method: string, path: string, body?: unknown): Promise<TranscriptView> {
    let res: Response;
    try {
      res = await opts.fetch(`${base}${path}`, {
        method,
        headers: {
          // The raw key, without "Bearer" (vendor-apis §3.1).
          authorization: opts.apiKey,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timeout = e instanceof DOMException && e.name === "TimeoutError";
      throw new UpstreamError(
        VENDOR,
        timeout ? "timeout" : "network",
        timeout ? `AssemblyAI did not answer within ${timeoutMs} ms` : "AssemblyAI is unreachable",
        { cause: e },
      );
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new UpstreamError(VENDOR, "network", "AssemblyAI dropped the connection", { cause: e });
    }
    if (!res.ok) throw httpError(res.status, text, res.headers.get("retry-after"), opts.now());
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new UpstreamError(VENDOR, "contract", "AssemblyAI answered with invalid JSON", {
        cause: e,
      });
    }
    const parsed = TranscriptSchema.safeParse(data);
    if (!parsed.success) {
      throw new UpstreamError(VENDOR, "contract", "AssemblyAI answered an unexpected transcript", {
        cause: parsed.error,
        details: {
          issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`),
        },
      });
    }
    return parsed.data;
  }

  return {
    async submit(req) {
      const t = await request("POST", "/v2/transcript", submitBody(req));
      opts.log.info("AssemblyAI job submitted", { job_id: t.id, status: t.status });
      return t;
    },
    get(id) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
        return Promise.reject(
          new UpstreamError(VENDOR, "contract", "Not an AssemblyAI transcript id"),
        );
      }
      return request("GET", `/v2/transcript/${id}`);
    },
  };
}

/** AssemblyAI's `{"error": "…"}` (or the text) of a failed request, classified by status. */
export function httpError(
  status: number,
  body: string,
  retryAfter: string | null,
  now: number,
): UpstreamError {
  let vendorMessage = "";
  try {
    const j = JSON.parse(body) as { error?: unknown };
    if (typeof j?.error === "string") vendorMessage = j.error;
  } catch {
    vendorMessage = body.trim();
  }
  vendorMessage = vendorMessage.replace(/\s+/g, " ").slice(0, 300);
  const hint = status === 401
    ? " (check ASSEMBLYAI_API_KEY)"
    : status === 429
    ? " (rate limited)"
    : "";
  return new UpstreamError(
    VENDOR,
    "http",
    `AssemblyAI answered ${status}${hint}${vendorMessage ? `: ${vendorMessage}` : ""}`,
    { upstreamStatus: status, retryAfterMs: parseRetryAfter(retryAfter, now) },
  );
}

/**
 * A transcript that ended in `status: "error"`: is it worth submitting again? Audio that cannot
 * be transcribed (no speech, not audio at all, too long or too large) fails the same way every
 * time: permanent. Anything else (a download that failed, an internal error) may succeed on a
 * new submission: retryable.
 */
export function transcriptErrorIsPermanent(message: string | null | undefined): boolean {
  const m = (message ?? "").toLowerCase();
  return [
    "no spoken audio",
    "does not appear to contain audio",
    // "Transcoding failed. File does not appear to contain audio / size exceeds the 5GB limit /
    // Audio duration exceeds the 10 hour limit."
    "transcoding failed",
    "exceeds the",
    // The sandbox's own refusal of audio it cannot decode (deterministic, like the above).
    "sandbox: only the sandbox's own wav",
  ].some((needle) => m.includes(needle));
}

export type { Transcript };
