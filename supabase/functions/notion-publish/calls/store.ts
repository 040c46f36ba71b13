/**
 * The call publisher's state in Postgres (migration 20261129003300): one statement per method.
 * The writes that precede a Notion request (the create marker, a pending write) present the
 * claim's token, so a worker whose lease was taken over sends nothing.
 */
import type { Sql } from "../../_shared/platform/db.ts";
import type {
  CallPageInput,
  CallRow,
  SummaryContent,
} from "../../_shared/domain/notion_pages/call_page.ts";
import type { NotStoredMedia } from "../../_shared/domain/recordings/not_stored.ts";

export type Pending =
  | {
    op: "create";
    /** The block allowance refused a fuller create before this one. */
    limited: boolean;
    units: number;
    total: number;
    overview_hash: string;
    properties_hash: string;
    transcript_hash: string;
  }
  | {
    op: "append";
    from: number;
    to: number;
    anchor: string | null;
    before: number | null;
    transcript_hash: string;
    total: number;
  }
  | { op: "add_overview"; anchor: string | null; before: number | null; hash: string }
  | { op: "replace"; old: string; hash: string; was_last: boolean }
  | { op: "delete"; block: string };

export interface PageState {
  call_id: number;
  call_key: string;
  page_id: string | null;
  create_sent_at: string | null;
  overview_block_id: string | null;
  overview_hash: string | null;
  properties_hash: string | null;
  transcript_hash: string | null;
  transcript_done: number;
  transcript_total: number;
  last_block_id: string | null;
  top_level_count: number | null;
  pending: (Pending & { sent_at?: string }) | null;
  truncated_at: number | null;
  block_limited_at: string | null;
  rebuild_requested: boolean;
  published_at: string | null;
}

export type StatePatch =
  & Partial<
    Pick<
      PageState,
      | "overview_block_id"
      | "overview_hash"
      | "properties_hash"
      | "transcript_hash"
      | "transcript_done"
      | "transcript_total"
      | "last_block_id"
      | "top_level_count"
      | "pending"
      | "truncated_at"
      | "block_limited_at"
      | "published_at"
    >
  >
  & { create_sent_at?: null; add_requests?: number };

export interface PublishInputs {
  call: (CallRow & { merged_into_call_id: number | null }) | null;
  transcript: CallPageInput["transcript"];
  summary: {
    status: "summarized" | "not_possible";
    reason: string | null;
    summary: SummaryContent | null;
  } | null;
  media: { id: string; call_id: string; kind: string; storage_path: string } | null;
  /** Media that were not stored, and why (migration 20261129005000; absent before it). */
  skipped_media?: NotStoredMedia[];
  page: PageState | null;
}

export interface CallPageStore {
  inputs(callId: number): Promise<PublishInputs>;
  page(callId: number): Promise<PageState | null>;
  beginCreate(callId: number, token: number, callKey: string, pending: Pending): Promise<PageState>;
  record(
    callId: number,
    pageId: string,
    state: StatePatch,
  ): Promise<{ recorded: boolean; page_id: string }>;
  update(callId: number, patch: StatePatch): Promise<void>;
  beginWrite(callId: number, token: number, pending: Pending): Promise<void>;
  reset(callId: number): Promise<void>;
}

export function sqlCallPageStore(sql: Sql): CallPageStore {
  const json = (v: unknown) => sql.json(v as never);
  const page = async (callId: number) => {
    const [row] = await sql<{ p: PageState | null }[]>`
      select to_jsonb(p) as p from switchboard.notion_call_pages p where p.call_id = ${callId}`;
    return row?.p ?? null;
  };
  return {
    async inputs(callId) {
      const [row] = await sql<{ i: PublishInputs }[]>`
        select switchboard.call_publish_inputs(${callId}) as i`;
      return row!.i;
    },
    page,
    async beginCreate(callId, token, callKey, pending) {
      const [row] = await sql<{ p: PageState }[]>`
        select switchboard.begin_call_page_create(${callId}, ${token}, ${callKey}, ${
        json(pending)
      }) as p`;
      return row!.p;
    },
    async record(callId, pageId, state) {
      const [row] = await sql<{ r: { recorded: boolean; page_id: string } }[]>`
        select switchboard.record_call_page(${callId}, ${pageId}::uuid, ${json(state)}) as r`;
      return row!.r;
    },
    async update(callId, patch) {
      await sql`select switchboard.update_call_page(${callId}, ${json(patch)})`;
    },
    async beginWrite(callId, token, pending) {
      await sql`select switchboard.begin_call_page_write(${callId}, ${token}, ${json(pending)})`;
    },
    async reset(callId) {
      await sql`select switchboard.reset_call_page(${callId})`;
    },
  };
}
