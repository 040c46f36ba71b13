/**
 * The intake's two SQL calls, each bounded by the request's remaining database budget:
 * switchboard.ingest_webhook (dedupe, inbox row, merge) and switchboard.quarantine_webhook.
 */
import type { Sql } from "../_shared/platform/db.ts";
import { withDeadline } from "../_shared/platform/db_errors.ts";
import type { WebhookDeps } from "./handler.ts";

export function createIntakeStore(sql: Sql): Pick<WebhookDeps, "ingest" | "quarantine"> {
  return {
    ingest: async (delivery, record, timeoutMs) => {
      const [row] = await withDeadline(
        sql<{ result: { outcome: string } }[]>`
          select switchboard.ingest_webhook(${sql.json(delivery as never)}, ${
          record ? sql.json(record as never) : null
        }) as result`,
        timeoutMs,
      );
      return row!.result;
    },
    quarantine: async (q, timeoutMs) => {
      const [row] = await withDeadline(
        sql<{ result: { outcome: string } }[]>`
          select switchboard.quarantine_webhook(
            ${q.delivery_id}::text, ${q.scheme}::text, ${q.event_id}::text, ${q.event_type}::text,
            ${q.api_version}::text, ${q.event_created_at}::timestamptz, ${q.raw_body}::text,
            ${q.raw_body_bytes}::bytea, ${q.detail}::text
          ) as result`,
        timeoutMs,
      );
      return row!.result;
    },
  };
}
