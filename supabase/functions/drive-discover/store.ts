/** Discovery's state in Postgres: the cursor per folder and the call merge (one statement each). */
import type { Sql } from "../_shared/platform/db.ts";
import type { DiscoverStore, DriveCursor } from "./discover.ts";

export function createDiscoverStore(sql: Sql): DiscoverStore {
  return {
    async loadCursor(folderId) {
      const [row] = await sql<{ cursor: DriveCursor }[]>`
        select cursor from switchboard.sync_cursors where source = 'gdrive' and scope = ${folderId}`;
      return row?.cursor ?? null;
    },
    async saveCursor(folderId, cursor) {
      await sql`select switchboard.save_cursor('gdrive', ${folderId}, ${sql.json(cursor)})`;
    },
    async mergeCall(call, version) {
      const [row] = await sql<{ call_id: string; inserted: boolean }[]>`
        select call_id::text, inserted from switchboard.merge_call('drive', ${
        sql.json(call as never)
      }, ${version})`;
      return { callId: Number(row!.call_id), inserted: row!.inserted };
    },
  };
}
