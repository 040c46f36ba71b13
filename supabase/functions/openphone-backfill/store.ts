/** The backfill's state in Postgres, one statement per operation. */
import type { Sql } from "../_shared/platform/db.ts";
import type { BackfillCursor, BackfillStore } from "./backfill.ts";

export function createBackfillStore(sql: Sql): BackfillStore {
  return {
    async savePhoneNumbers(numbers) {
      await sql`select switchboard.save_phone_numbers(${sql.json(numbers)})`;
    },
    async loadCursor(phoneNumberId) {
      const [row] = await sql<{ cursor: BackfillCursor }[]>`
        select cursor from switchboard.sync_cursors where source = 'openphone-backfill' and scope = ${phoneNumberId}`;
      return row?.cursor ?? null;
    },
    async saveCursor(phoneNumberId, cursor) {
      await sql`select switchboard.save_cursor('openphone-backfill', ${phoneNumberId}, ${
        sql.json(cursor as never)
      })`;
    },
    async mergeCalls(items) {
      if (items.length === 0) return 0;
      const [row] = await sql<{ inserted: number }[]>`
        select switchboard.merge_calls('openphone', ${sql.json(items as never)}) as inserted`;
      return row!.inserted;
    },
    async mergeMessages(items) {
      if (items.length === 0) return 0;
      const [row] = await sql<{ inserted: number }[]>`
        select switchboard.merge_messages('openphone', ${sql.json(items as never)}) as inserted`;
      return row!.inserted;
    },
  };
}
