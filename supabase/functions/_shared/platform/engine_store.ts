/**
 * The stage engine's SQL functions behind the worker's `EngineStore` port: one statement per
 * transition, with the database's clock (the functions' p_now default).
 */
import type { Sql } from "./db.ts";
import type { ClaimedItem, EngineStore, Failure } from "./stage_worker.ts";

export function sqlEngineStore(sql: Sql): EngineStore {
  return {
    async acquireSlot(stage, worker) {
      const [row] = await sql<{ slot: number | null }[]>`
        select switchboard.acquire_worker_slot(${stage}, ${worker}) as slot`;
      return row?.slot ?? null;
    },
    async releaseSlot(stage, worker) {
      const [row] = await sql<{ woken: boolean }[]>`
        select switchboard.release_worker_slot(${stage}, ${worker}) as woken`;
      return row?.woken ?? false;
    },
    async claim(stage, worker) {
      const rows = await sql<
        {
          token: string;
          item_id: string;
          subject_id: string;
          attempt: number;
          subject: Record<string, unknown> | null;
        }[]
      >`
        select token::text, item_id::text, subject_id::text, attempt, subject
        from switchboard.claim(${stage}, ${worker})`;
      return rows.map((r): ClaimedItem => ({
        token: Number(r.token),
        itemId: Number(r.item_id),
        subjectId: Number(r.subject_id),
        attempt: r.attempt,
        subject: r.subject ?? {},
      }));
    },
    async complete(token, next) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.complete(${token}::bigint, ${next}::text) as ok`;
      return row?.ok ?? false;
    },
    async completeMany(items) {
      const rows = await sql<{ token: string }[]>`
        select t::text as token
        from switchboard.complete_many(${items.map((i) => i.token)}::bigint[],
          ${items.map((i) => i.next)}::text[]) as t`;
      return new Set(rows.map((r) => Number(r.token)));
    },
    async fail(token, f: Failure) {
      const [row] = await sql<{ outcome: "retry" | "dead" | "stale" }[]>`
        select switchboard.fail(${token}::bigint, ${f.retryable}, ${f.code}, ${f.message},
          ${f.retryAfterSeconds}::numeric) as outcome`;
      return row?.outcome ?? "stale";
    },
    async release(token) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.release(${token}::bigint) as ok`;
      return row?.ok ?? false;
    },
    async defer(token, untilMs, reason) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.defer(${token}::bigint, ${new Date(untilMs).toISOString()}::timestamptz,
          ${reason}) as ok`;
      return row?.ok ?? false;
    },
    async extendLease(token, seconds) {
      const [row] = await sql<{ until: string | null }[]>`
        select switchboard.extend_lease(${token}::bigint, ${seconds}::integer)::text as until`;
      return typeof row?.until === "string";
    },
  };
}
