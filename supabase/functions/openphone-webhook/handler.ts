/**
 * POST /functions/v1/openphone-webhook: OpenPhone/Quo webhook deliveries (verify_jwt = false;
 * the signature is the only gate).
 *
 *   1. read the raw body (413 above the limit);
 *   2. verify its signature, Standard Webhooks or legacy, before parsing anything (401, nothing
 *      written, when it fails);
 *   3. decode, bound and parse it, and normalize the event, validating every value intake
 *      stores (parse_body.ts, webhook_events.ts). A verified body that fails is quarantined:
 *      kept whole (as text, or as bytes when it is not storable text) and acknowledged with 2xx,
 *      because a retry would fail the same way for days. Unknown event types are recorded and
 *      acknowledged;
 *   4. one SQL call dedupes, stores the delivery and merges the call or message, atomically.
 *      If the database refuses the input anyway (SQLSTATE classes 22, 23, 54) the delivery is
 *      quarantined and acknowledged. If it cannot be reached, times out or asks for a retry
 *      (connection errors, 08, 40001, 40P01, 53, 57), the answer is 503 with Retry-After, so the
 *      provider delivers again; every database call is bounded (dbTimeoutMs) so that answer is
 *      quick. Anything else is a bug: 500.
 *
 * 2xx is answered only after the delivery's row is committed. No vendor call happens here.
 */
import {
  MAX_ID_LENGTH,
  type NormalizedEvent,
  normalizeEvent,
  salvageEnvelope,
} from "../_shared/adapters/openphone/webhook_events.ts";
import {
  SignatureError,
  type VerifiedDelivery,
} from "../_shared/adapters/openphone/webhook_signature.ts";
import {
  classifyDbError,
  dbErrorLogFields,
  DbTimeoutError,
} from "../_shared/platform/db_errors.ts";
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { parseBody, unstorable } from "./parse_body.ts";
import { BodyTooLargeError, readBody } from "./read_body.ts";

export interface DeliveryRow {
  delivery_id: string;
  event_id: string | null;
  event_type: string | null;
  scheme: VerifiedDelivery["scheme"];
  api_version: string | null;
  event_created_at: string | null;
  payload: unknown;
  outcome?: "unknown_type";
}

/** switchboard.quarantine_webhook's arguments. */
export interface QuarantineRow {
  delivery_id: string;
  scheme: VerifiedDelivery["scheme"];
  event_id: string | null;
  event_type: string | null;
  api_version: string | null;
  event_created_at: string | null;
  /** The body when it is storable text … */
  raw_body: string | null;
  /** … its exact bytes otherwise. */
  raw_body_bytes: Uint8Array | null;
  /** Why, naming rules and paths, never values. */
  detail: string;
}

export type IngestRecord =
  | { call: Record<string, unknown> }
  | { message: Record<string, unknown> }
  | { contact: { external_contact_id: string; contact: unknown } }
  | null;

export interface WebhookDeps {
  verify: (headers: Headers, body: Uint8Array) => Promise<VerifiedDelivery>;
  /** switchboard.ingest_webhook, given at most `timeoutMs`: {outcome, …}. */
  ingest: (
    delivery: DeliveryRow,
    record: IngestRecord,
    timeoutMs: number,
  ) => Promise<{ outcome: string }>;
  /** switchboard.quarantine_webhook, given at most `timeoutMs`: {outcome, …}. */
  quarantine: (row: QuarantineRow, timeoutMs: number) => Promise<{ outcome: string }>;
  maxBodyBytes: number;
  /** The most time one request spends on the database (every call together), in ms. */
  dbTimeoutMs: number;
  log: Logger;
  /** Monotonic milliseconds (tests pass a fake). */
  now?: () => number;
}

function record(event: NormalizedEvent): IngestRecord {
  switch (event.kind) {
    case "call":
      return { call: event.call };
    case "message":
      return { message: event.message };
    case "contact":
      return { contact: event.contact };
    default:
      return null;
  }
}

/**
 * The inbox key for a delivery id. Ids come from a signed header and are short in practice; one
 * too long for the unique index (or not storable text) is replaced by its SHA-256, which still
 * dedupes every copy of the delivery.
 */
export async function deliveryKey(id: string): Promise<string> {
  if (id.length > 0 && id.length <= MAX_ID_LENGTH && unstorable(id) === null) return id;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  return `sha256:${
    Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

export function createHandler(deps: WebhookDeps): (req: Request) => Promise<Response> {
  const now = deps.now ?? (() => performance.now());
  return async (req) => {
    const started = now();
    let log = deps.log;
    try {
      if (req.method !== "POST") {
        return json({ error: { code: "method_not_allowed", message: "Use POST" } }, 405, {
          allow: "POST",
        });
      }
      let body: Uint8Array;
      try {
        body = await readBody(req, deps.maxBodyBytes);
      } catch (e) {
        if (e instanceof BodyTooLargeError) {
          deps.log.warn("Webhook refused: body too large", { max_bytes: e.maxBytes });
          return json({ error: { code: "payload_too_large", message: e.message } }, 413);
        }
        throw e;
      }

      let verified: VerifiedDelivery;
      try {
        verified = await deps.verify(req.headers, body);
      } catch (e) {
        if (e instanceof SignatureError) {
          deps.log.warn("Webhook refused: signature", { reason: e.reason });
          return json(
            { error: { code: "unauthorized", message: "Invalid webhook signature" } },
            401,
          );
        }
        throw e;
      }
      const deliveryId = await deliveryKey(verified.deliveryId);
      log = deps.log.child({ delivery_id: deliveryId });

      // Every database call of this request shares one budget, so the answer (2xx, or 503 when
      // the database cannot be reached) comes within dbTimeoutMs of here.
      const deadline = now() + deps.dbTimeoutMs;
      const remaining = () => {
        const ms = Math.floor(deadline - now());
        if (ms <= 0) throw new DbTimeoutError(deps.dbTimeoutMs);
        return ms;
      };
      const accepted = (outcome: string, fields: Record<string, unknown> = {}) => {
        log.info("Webhook accepted", {
          scheme: verified.scheme,
          outcome,
          ...fields,
          duration_ms: Math.round(now() - started),
        });
        return json({ ok: true, outcome });
      };
      const quarantine = async (
        ids: { eventId?: string | undefined; type?: string | undefined },
        extra: { apiVersion?: string | null; createdAt?: string | null },
        detail: string,
        text: string | null,
      ) => {
        const result = await deps.quarantine({
          delivery_id: deliveryId,
          scheme: verified.scheme,
          event_id: ids.eventId ?? null,
          event_type: ids.type ?? null,
          api_version: extra.apiVersion ?? null,
          event_created_at: extra.createdAt ?? null,
          raw_body: text,
          raw_body_bytes: text === null ? body : null,
          detail: detail.slice(0, 1000),
        }, remaining());
        log.warn("Webhook quarantined", {
          event_id: ids.eventId ?? null,
          outcome: result.outcome,
          detail: detail.slice(0, 300),
        });
        return accepted(result.outcome, { event_id: ids.eventId ?? null });
      };

      // The signature covered the exact bytes; parsing may now be lenient (a BOM, any content
      // type) but never lossy.
      const parsed = parseBody(body);
      if (!parsed.ok) {
        return await quarantine(salvageEnvelope(parsed.value), {}, parsed.reason, parsed.text);
      }
      const event = normalizeEvent(parsed.value);
      if (event.kind === "invalid") {
        return await quarantine(
          event.envelope,
          {
            apiVersion: event.envelope.apiVersion ?? null,
            createdAt: event.envelope.createdAt ?? null,
          },
          event.reason,
          parsed.text,
        );
      }

      const env = event.envelope;
      const delivery: DeliveryRow = {
        delivery_id: deliveryId,
        event_id: env.eventId,
        event_type: env.type,
        scheme: verified.scheme,
        api_version: env.apiVersion,
        event_created_at: env.createdAt,
        payload: parsed.value,
        ...(event.kind === "unknown_type" ? { outcome: "unknown_type" as const } : {}),
      };
      let result: { outcome: string };
      try {
        try {
          result = await deps.ingest(delivery, record(event), remaining());
        } catch (e) {
          // A unique violation can be a lost race (two first events of one call adopting an
          // id at once): the second attempt sees the winner's row.
          if (classifyDbError(e).sqlstate !== "23505") throw e;
          result = await deps.ingest(delivery, record(event), remaining());
        }
      } catch (e) {
        const info = classifyDbError(e);
        if (info.kind !== "refused") throw e;
        // Validation should have caught it; the database's verdict will not change on a retry.
        log.warn("Webhook refused by the database", {
          event_id: env.eventId,
          ...dbErrorLogFields(e),
        });
        const why = [
          info.sqlstate && `SQLSTATE ${info.sqlstate}`,
          info.constraint && `constraint ${info.constraint}`,
        ]
          .filter(Boolean).join(", ");
        return await quarantine(
          { eventId: env.eventId, type: env.type },
          { apiVersion: env.apiVersion, createdAt: env.createdAt },
          `Refused by the database (${why || "client"})`,
          parsed.text,
        );
      }
      return accepted(result.outcome, { event_id: env.eventId, event_type: env.type });
    } catch (e) {
      // Nothing was acknowledged: 503 (with Retry-After) when the database is unavailable, 500
      // for a bug. Either way the provider delivers again.
      return errorResponse(e, log);
    }
  };
}
