/**
 * Opening a recording or voicemail for streaming: OpenPhone's media URL (no API key; it may
 * have expired, then it is refreshed through the API once) or Drive's `alt=media` (service-
 * account token). Answers the response whose body is the audio, or throws a classified error:
 *
 *   404 from a media host        "not ready yet": retryable (bounded by the stage's horizon)
 *   403/410 after a refresh      the URL cannot be made to work: permanent
 *   a refresh without an OpenPhone key (OPENPHONE_API_KEY unset: a Drive-only set-up)
 *                                retryable config_invalid: the operator sets the key and the
 *                                call goes on by itself; past the stage's horizon it is a dead
 *                                letter to replay. A URL that works needs no key.
 *   a refresh for a call without an OpenPhone id   permanent (nothing to ask the API for)
 *   429, 5xx, network            retryable, with the host's Retry-After
 *   Drive 404 / 403 (not quota)  the file is gone or not shared: permanent
 *   Drive not configured         permanent
 */
import { z } from "zod";
import { httpJson } from "../_shared/adapters/http_json.ts";
import { AppError, parseRetryAfter, UpstreamError } from "../_shared/platform/errors.ts";
import type { Logger } from "../_shared/platform/log.ts";
import type { RateBudget } from "../_shared/platform/rate_budget.ts";
import type { MediaRef } from "./media.ts";

export interface OpenPhoneMediaApi {
  baseUrl: string;
  apiKey: string;
  budget: RateBudget;
  sleep: (ms: number) => Promise<void>;
}

export interface DriveMediaApi {
  baseUrl: string;
  accessToken: () => Promise<string>;
}

export interface SourceDeps {
  fetch: typeof fetch;
  now: () => number;
  log: Logger;
  openphone: OpenPhoneMediaApi | null;
  drive: DriveMediaApi | null;
}

/** A media host answered 404: the recording is not there yet. Retryable. */
export class MediaNotReadyError extends AppError {
  constructor(message: string) {
    super("upstream_failed", message, { status: 502, retryable: true });
  }
}

const RecordingList = z.object({
  data: z.array(z.object({
    id: z.string(),
    url: z.string().nullish(),
    status: z.string().nullish(),
  })),
});
const VoicemailOne = z.object({
  data: z.object({
    id: z.string().nullish(),
    recordingUrl: z.string().nullish(),
    status: z.string().nullish(),
  }),
});

/** Asks OpenPhone for a fresh media URL (GET /v1/call-recordings|call-voicemails/{callId}). */
async function refreshUrl(
  deps: SourceDeps,
  api: OpenPhoneMediaApi,
  callId: string,
  m: MediaRef,
): Promise<string | null> {
  const wait = await api.budget.reserve();
  if (wait > 0) await api.sleep(wait);
  const base = `${api.baseUrl.replace(/\/$/, "")}/v1`;
  const path = m.kind === "recording" ? "call-recordings" : "call-voicemails";
  const request = {
    vendor: "openphone",
    fetch: deps.fetch,
    url: `${base}/${path}/${encodeURIComponent(callId)}`,
    headers: { authorization: api.apiKey },
    timeoutMs: 30_000,
    now: deps.now,
  };
  try {
    if (m.kind === "recording") {
      const list = await httpJson({ ...request, schema: RecordingList });
      return list.data.find((r) => r.id === m.key)?.url ?? null;
    }
    const vm = await httpJson({ ...request, schema: VoicemailOne });
    return vm.data.id && vm.data.id !== m.key ? null : vm.data.recordingUrl ?? null;
  } catch (e) {
    if (e instanceof UpstreamError && e.upstreamStatus === 429) {
      await api.budget.block(deps.now() + (e.retryAfterMs ?? 1000));
    }
    // The voicemail endpoint answers 404 while there is none (yet).
    if (e instanceof UpstreamError && e.upstreamStatus === 404) return null;
    throw e;
  }
}

async function get(
  deps: SourceDeps,
  vendor: string,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  try {
    return await deps.fetch(url, { headers, signal });
  } catch (e) {
    const timeout = e instanceof DOMException && e.name === "TimeoutError";
    throw new UpstreamError(vendor, timeout ? "timeout" : "network", `${vendor} is unreachable`, {
      cause: e,
    });
  }
}

function httpFailure(vendor: string, res: Response, now: number, note = ""): UpstreamError {
  return new UpstreamError(vendor, "http", `${vendor} answered ${res.status}${note}`, {
    upstreamStatus: res.status,
    retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), now),
  });
}

/** The media's response (2xx, body unread); see the header for the failures. */
export async function openMedia(
  deps: SourceDeps,
  callExternalId: string | null,
  m: MediaRef,
  signal: AbortSignal,
): Promise<Response> {
  return m.source === "drive" ? await openDrive(deps, m, signal) : await openOpenPhone(
    deps,
    callExternalId,
    m,
    signal,
  );
}

async function openOpenPhone(
  deps: SourceDeps,
  callExternalId: string | null,
  m: MediaRef,
  signal: AbortSignal,
): Promise<Response> {
  const vendor = "openphone_media";
  let url = m.url;
  let refreshed = false;
  const refresh = async (why: string) => {
    refreshed = true;
    if (!callExternalId) {
      throw new AppError(
        "config_invalid",
        `The ${m.kind} URL ${why} and cannot be refreshed: the call has no OpenPhone id`,
        { retryable: false },
      );
    }
    if (!deps.openphone) {
      // A configuration gap, not bad media: the call waits (retries) for the key.
      throw new AppError(
        "config_invalid",
        `The ${m.kind} URL ${why} and cannot be refreshed without OPENPHONE_API_KEY: set it ` +
          "for call-store-recording and the call is retried",
        { retryable: true },
      );
    }
    deps.log.info("Refreshing a media URL through the API", { kind: m.kind, media: m.key, why });
    url = await refreshUrl(deps, deps.openphone, callExternalId, m);
  };
  if (!url) await refresh("is missing");
  for (;;) {
    if (!url) throw new MediaNotReadyError(`OpenPhone has no ${m.kind} URL yet (not ready)`);
    const res = await get(deps, vendor, url, {}, signal);
    if (res.ok) return res;
    await res.body?.cancel();
    if ([403, 404, 410].includes(res.status) && !refreshed) {
      await refresh(`answered ${res.status}`);
      continue;
    }
    if (res.status === 404) {
      throw new MediaNotReadyError(`The ${m.kind} answered 404 (not ready yet)`);
    }
    throw httpFailure(
      vendor,
      res,
      deps.now(),
      res.status === 403 || res.status === 410 ? " even after a refresh of its URL" : "",
    );
  }
}

async function openDrive(deps: SourceDeps, m: MediaRef, signal: AbortSignal): Promise<Response> {
  if (!deps.drive) {
    throw new AppError("config_invalid", "A Drive recording, but Google Drive is not configured", {
      retryable: false,
    });
  }
  const base = `${deps.drive.baseUrl.replace(/\/$/, "")}/drive/v3`;
  const url = `${base}/files/${
    encodeURIComponent(m.driveFileId!)
  }?alt=media&supportsAllDrives=true`;
  const res = await get(deps, "gdrive", url, {
    authorization: `Bearer ${await deps.drive.accessToken()}`,
  }, signal);
  if (res.ok) return res;
  const text = await res.text().catch(() => "");
  // Drive reports its own rate limits as 403 with a rateLimitExceeded reason.
  if (res.status === 403 && /rateLimitExceeded|userRateLimitExceeded/.test(text)) {
    throw new UpstreamError("gdrive", "http", "gdrive rate-limited the download", {
      upstreamStatus: 429,
      retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), deps.now()),
    });
  }
  throw httpFailure("gdrive", res, deps.now());
}
