/**
 * The probe stage's handler: answers the claimed probe (the first answer stands). It exists to
 * prove the trigger → pgmq → pg_net → function → engine loop on any deployment.
 */
import type { Sql } from "../_shared/platform/db.ts";
import type { StageHandler } from "../_shared/platform/stage_worker.ts";

export function answerProbe(sql: Sql, answeredBy: string): StageHandler {
  return async (item) => {
    await sql`select switchboard.answer_probe(${item.subjectId}::bigint, ${answeredBy})`;
  };
}
