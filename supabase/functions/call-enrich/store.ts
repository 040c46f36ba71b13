/** call_enrich's state in Postgres: one statement per call (see the migration 20261129002100). */
import type { CallRow } from "../_shared/domain/calls/openphone_enrichment.ts";
import type { Sql } from "../_shared/platform/db.ts";
import type { Conclusion, EnrichPolicy, EnrichStore } from "./enrich.ts";

export function createEnrichStore(sql: Sql): EnrichStore {
  return {
    async policy(): Promise<EnrichPolicy> {
      const [row] = await sql<{ media_wait_ms: number; prefer: boolean }[]>`
        select (extract(epoch from media_wait) * 1000)::float8 as media_wait_ms,
          prefer_provider_transcript as prefer
        from switchboard.call_policy`;
      return {
        mediaWaitMs: row?.media_wait_ms ?? 0,
        preferProviderTranscript: row?.prefer ?? true,
      };
    },
    async ownNumber(phoneNumberId) {
      const [row] = await sql<{ number: string | null }[]>`
        select number from switchboard.phone_numbers where id = ${phoneNumberId}`;
      return row?.number ?? null;
    },
    async savePhoneNumbers(numbers) {
      await sql`select switchboard.save_phone_numbers(${sql.json(numbers)})`;
    },
    async mergeCall(call, version) {
      await sql`select call_id from switchboard.merge_call('openphone', ${
        sql.json(call as never)
      }, ${version}::timestamptz)`;
    },
    async loadCall(callId) {
      const [row] = await sql<{ call: CallRow }[]>`
        select to_jsonb(c) as call from switchboard.calls c where c.id = ${callId}`;
      return row?.call ?? null;
    },
    async conclude(callId, token) {
      const [row] = await sql<{ r: Conclusion }[]>`
        select switchboard.conclude_call_enrich(${callId}::bigint, ${token}::bigint) as r`;
      return row!.r;
    },
  };
}
