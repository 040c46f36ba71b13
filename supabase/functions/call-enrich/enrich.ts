/**
 * The call_enrich stage handler. An OpenPhone call is completed from the REST API (only what
 * the webhooks did not deliver), merged with `switchboard.merge_call`, and checked for
 * readiness; then `switchboard.conclude_call_enrich` de-duplicates it against Drive recordings
 * and decides its eligibility in one statement. A Drive call needs no OpenPhone request: it goes
 * straight to the conclusion.
 *
 *   eligible → default next stage (call_store_recording)   ineligible → call_publish
 *   a Drive recording merged into an OpenPhone call → its item already ended (done, "merged")
 *   a Drive recording waiting for its OpenPhone twin → an engine wait ("awaiting_match")
 *   not ready (call in progress, media still processing) → a retryable failure
 *   the call vanished from OpenPhone (404) → a permanent failure (dead letter, replayable)
 */
import type { OpenPhoneClient } from "../_shared/adapters/openphone/client.ts";
import {
  type CallRow,
  hasRecordingAudio,
  isLegacyKey,
  lifecycleRecord,
  lifecycleVersion,
  needsDetails,
  needsProviderArtifact,
  needsRecordings,
  needsVoicemail,
  notReady,
  recordingEntries,
  summaryEntry,
  transcriptEntry,
  voicemailEntry,
} from "../_shared/domain/calls/openphone_enrichment.ts";
import { AppError, UpstreamError } from "../_shared/platform/errors.ts";
import type { Logger } from "../_shared/platform/log.ts";
import type { StageHandler, StageResult } from "../_shared/platform/stage_worker.ts";

export interface EnrichPolicy {
  mediaWaitMs: number;
  preferProviderTranscript: boolean;
}

export type Conclusion =
  | { action: "continue" | "skip_paid"; eligibility: Record<string, unknown> }
  | { action: "ended"; merged_into: number }
  | { action: "wait"; reason: string; until: string }
  | { action: "retry"; reason: string; detail: string };

/** The stage's SQL, one statement each. */
export interface EnrichStore {
  policy(): Promise<EnrichPolicy>;
  /** The workspace number of a phone number id, when the backfill or we have seen it. */
  ownNumber(phoneNumberId: string): Promise<string | null>;
  savePhoneNumbers(numbers: { id: string; number: string; name: string | null }[]): Promise<void>;
  mergeCall(call: Record<string, unknown>, version: string): Promise<void>;
  loadCall(callId: number): Promise<CallRow | null>;
  conclude(callId: number, token: number): Promise<Conclusion>;
}

export interface EnrichDeps {
  /** Null when OpenPhone is not configured: calls go on with what the webhooks delivered. */
  client: OpenPhoneClient | null;
  store: EnrichStore;
  now: () => number;
  log: Logger;
}

/**
 * A failure with its own code for the engine's records (dead letters, last_error): the
 * platform's ErrorCode is the HTTP vocabulary and has no stage outcomes, so the code is set
 * here; nothing turns this error into an HTTP response.
 */
export class EnrichError extends AppError {
  constructor(code: string, message: string, retryable: boolean) {
    super(retryable ? "unavailable" : "not_found", message, {
      status: retryable ? 503 : 404,
      retryable,
      details: { code },
    });
    (this as { code: string }).code = code;
  }
}

export function createEnrichHandler(deps: EnrichDeps): StageHandler {
  const { client, store, log } = deps;
  const ownNumbers = new Map<string, string | null>();
  // Summaries and transcripts are plan-gated: after a 403 this isolate stops asking.
  let providerArtifactsForbidden = false;
  let warnedUnconfigured = false;

  async function ownNumber(phoneNumberId: string): Promise<string | null> {
    if (ownNumbers.has(phoneNumberId)) return ownNumbers.get(phoneNumberId)!;
    let number = await store.ownNumber(phoneNumberId);
    if (number === null && client) {
      const numbers = await client.phoneNumbers();
      await store.savePhoneNumbers(
        numbers.map((n) => ({ id: n.id, number: n.number, name: n.name ?? null })),
      );
      number = numbers.find((n) => n.id === phoneNumberId)?.number ?? null;
    }
    ownNumbers.set(phoneNumberId, number);
    return number;
  }

  const vanished = (row: CallRow) =>
    new EnrichError(
      "call_not_found",
      `OpenPhone has no call "${row.external_id}" (deleted there, or the key is for another workspace)`,
      false,
    );
  const is404 = (e: unknown) => e instanceof UpstreamError && e.upstreamStatus === 404;

  async function artifact<T>(read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (e) {
      if (e instanceof UpstreamError && e.upstreamStatus === 403) {
        providerArtifactsForbidden = true;
        return null;
      }
      throw e;
    }
  }

  /** Fetches what is missing, merges it, and returns the call as it is now. */
  async function fetchAndMerge(row: CallRow, opClient: OpenPhoneClient): Promise<CallRow> {
    const id = row.external_id;
    let view = row;
    if (needsDetails(row)) {
      const call = await opClient.call(id).catch((e) => {
        throw is404(e) ? vanished(row) : e;
      });
      const own = call.phoneNumberId ? await ownNumber(call.phoneNumberId) : null;
      const record = lifecycleRecord(call, own, row);
      await store.mergeCall(record, lifecycleVersion(call));
      view = { ...view, ...record } as CallRow;
      // Nothing else is worth asking for while the call goes on.
      if (notReady(view, { nowMs: deps.now(), mediaWaitMs: 0, waitForTranscript: false })) {
        return view;
      }
    }
    const fetchedAt = new Date(deps.now()).toISOString();
    const artifacts: Record<string, unknown> = {};
    if (needsRecordings(view)) {
      const items = await opClient.callRecordings(id).catch((e) => {
        throw is404(e) ? vanished(row) : e;
      });
      if (items.length) artifacts.recordings = recordingEntries(items);
    }
    if (needsVoicemail(view)) {
      const vm = await opClient.callVoicemail(id);
      if (vm) artifacts.voicemail = voicemailEntry(vm);
    }
    const withAudio: CallRow = {
      ...view,
      recordings: [...(view.recordings ?? []), ...((artifacts.recordings ?? []) as [])],
    };
    if (!providerArtifactsForbidden && needsProviderArtifact(withAudio, view.provider_transcript)) {
      const t = await artifact(() => opClient.callTranscript(id));
      const entry = t && transcriptEntry(t);
      if (entry) artifacts.provider_transcript = entry;
    }
    if (!providerArtifactsForbidden && needsProviderArtifact(withAudio, view.provider_summary)) {
      const s = await artifact(() => opClient.callSummary(id));
      const entry = s && summaryEntry(s);
      if (entry) artifacts.provider_summary = entry;
    }
    if (Object.keys(artifacts).length) {
      await store.mergeCall({ external_id: id, ...artifacts }, fetchedAt);
    }
    return (await store.loadCall(row.id)) ?? view;
  }

  return async (item, ctx): Promise<StageResult> => {
    let row = { ...(item.subject as unknown as CallRow), id: item.subjectId };
    if (row.source === "openphone" && (row.merged_into_call_id ?? null) === null) {
      if (!client) {
        if (!warnedUnconfigured) {
          log.warn("OpenPhone is not configured: calls go on with what the webhooks delivered");
          warnedUnconfigured = true;
        }
      } else if (isLegacyKey(row.external_id)) {
        ctx.log.info("A legacy call without an OpenPhone id: enriched from its webhooks only");
      } else {
        row = await fetchAndMerge(row, client);
      }
      const policy = await store.policy();
      const waiting = notReady(row, {
        nowMs: deps.now(),
        mediaWaitMs: policy.mediaWaitMs,
        waitForTranscript: policy.preferProviderTranscript,
      });
      if (waiting) throw new EnrichError(waiting.code, waiting.message, true);
      if (!hasRecordingAudio(row) && row.answered_at) {
        ctx.log.info("An answered call without a recording of its own");
      }
    }

    const c = await store.conclude(item.subjectId, item.token);
    switch (c.action) {
      case "continue":
        return;
      case "skip_paid":
        ctx.log.info("Not eligible for paid processing", { reason: c.eligibility.reason });
        return { next: "call_publish" };
      case "ended":
        ctx.log.info("Merged into another call", { merged_into: c.merged_into });
        return { ended: true };
      case "wait":
        return { defer: { untilMs: Date.parse(c.until), reason: c.reason } };
      case "retry":
        throw new EnrichError(c.reason, c.detail, true);
    }
  };
}
