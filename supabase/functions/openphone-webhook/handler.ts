/**
 * POST /functions/v1/openphone-webhook: OpenPhone/Quo webhook deliveries (verify_jwt = false;
 * the signature is the only gate).
 *
 *   1. read the raw body (413 above the limit);
 *   2. verify its signature, Standard Webhooks or legacy, before parsing anything (401, nothing
 *      written, when it fails);
 *   3. parse and normalize; a verified body that cannot be parsed is quarantined and an unknown
 *      event type recorded, both acknowledged (2xx) so the provider does not retry for days;
 *   4. one SQL call dedupes, stores the delivery and merges the call or message, atomically.
 *      When it fails the answer is 500, so the provider delivers again.
 *
 * No vendor call happens here: the answer takes milliseconds.
 */
import {
  type NormalizedEvent,
  normalizeEvent,
} from "../_shared/adapters/openphone/webhook_events.ts";
import {
  SignatureError,
  type VerifiedDelivery,
} from "../_shared/adapters/openphone/webhook_signature.ts";
import { errorResponse, json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { BodyTooLargeError, readBody } from "./read_body.ts";

export interface DeliveryRow {
  delivery_id: string;
  event_id: string | null;
  event_type: string | null;
  scheme: VerifiedDelivery["scheme"];
  api_version: string | null;
  event_created_at: string | null;
  payload: unknown;
  raw_body?: string;
  outcome?: "quarantined" | "unknown_type";
  detail?: string;
}

export type IngestRecord =
  | { call: Record<string, unknown> }
  | { message: Record<string, unknown> }
  | { contact: { external_contact_id: string; contact: unknown } }
  | null;

export interface WebhookDeps {
  verify: (headers: Headers, body: Uint8Array) => Promise<VerifiedDelivery>;
  /** switchboard.ingest_webhook: {outcome, …}. */
  ingest: (delivery: DeliveryRow, record: IngestRecord) => Promise<{ outcome: string }>;
  maxBodyBytes: number;
  log: Logger;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

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

export function createHandler(deps: WebhookDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    const started = performance.now();
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

      // The signature covered the exact bytes; parsing may now be lenient (a BOM, any content type).
      const text = decoder.decode(body).replace(/^\uFEFF/, "");
      let parsed: unknown;
      let event: NormalizedEvent;
      try {
        parsed = JSON.parse(text);
        event = normalizeEvent(parsed);
      } catch {
        parsed = null;
        event = { kind: "invalid", envelope: {}, reason: "Body is not JSON" };
      }

      const env = event.envelope;
      const delivery: DeliveryRow = {
        delivery_id: verified.deliveryId,
        event_id: env.eventId ?? null,
        event_type: env.type ?? null,
        scheme: verified.scheme,
        api_version: env.apiVersion ?? null,
        event_created_at: env.createdAt ?? null,
        payload: event.kind === "invalid" ? null : parsed,
        ...(event.kind === "invalid"
          ? { outcome: "quarantined" as const, raw_body: text, detail: event.reason }
          : {}),
        ...(event.kind === "unknown_type" ? { outcome: "unknown_type" as const } : {}),
      };
      const result = await deps.ingest(delivery, record(event));
      deps.log.info("Webhook accepted", {
        delivery_id: verified.deliveryId,
        event_id: env.eventId ?? null,
        event_type: env.type ?? null,
        scheme: verified.scheme,
        outcome: result.outcome,
        duration_ms: Math.round(performance.now() - started),
      });
      return json({ ok: true, outcome: result.outcome });
    } catch (e) {
      // The delivery was not stored: a non-2xx makes the provider deliver it again.
      return errorResponse(e, deps.log);
    }
  };
}
