/**
 * The conversation publisher's state in Postgres (migration 20261129003400): one SQL statement
 * per method, every write fenced by the claim's token (the conversation's lease).
 */
import type { Sql } from "../../_shared/platform/db.ts";
import type { ConversationMessage } from "../../_shared/domain/conversations/blocks.ts";

export interface PendingWrite {
  kind: "create" | "append";
  message_ids: number[];
  header: boolean;
  /** Where to look for an append's blocks: list the page's children from this block. */
  anchor_block: string | null;
  at_end: boolean;
  sent_at?: string;
}

export interface ConversationState {
  id: number;
  key: string;
  line: string;
  our_number: string | null;
  others: string[];
  page_id: string | null;
  header_block_id: string | null;
  last_block_id: string | null;
  message_count: number;
  last_message_at: string | null;
  properties_count: number | null;
  properties_last_at: string | null;
  contact_status: "matched" | "ambiguous" | "unknown" | null;
  contact_page_ids: string[];
  review_note: string | null;
  pending_write: PendingWrite | null;
  properties_dirty: boolean;
}

export type BeginResult =
  | { status: "incomplete" }
  | { status: "published"; conversation_id: number }
  | { status: "busy"; conversation_id: number; leased_until: string }
  | { status: "leased"; message_published: boolean; conversation: ConversationState };

export interface Batch {
  messages: ConversationMessage[];
  at_end: boolean;
  after_block: string | null;
  needs_block_ids: boolean;
}

/** A message now on the page: by id, or by external id (what the page's markers name). */
export type RecordedMessage =
  & ({ id: number } | { external_id: string })
  & { block_ids: string[] | null };

export interface Recorded {
  pageId?: string | null;
  headerBlockId?: string | null;
  /** By message id, or by external id (what a page's markers name). */
  messages?: RecordedMessage[];
  lastBlockId?: string | null;
  properties?: { count: number; last_at: string | null } | null;
  contact?: { status: string; page_ids: string[]; review_note: string | null } | null;
  how: "append" | "page" | "committed" | "found";
  /** Default true: the pending write is settled by this record. */
  clearPending?: boolean;
}

export interface ConversationStore {
  begin(messageId: number, token: number, nowMs: number): Promise<BeginResult>;
  batch(
    conversationId: number,
    token: number,
    limit: number,
    only: number | null,
    nowMs: number,
  ): Promise<Batch>;
  writeStarted(
    conversationId: number,
    token: number,
    write: PendingWrite,
    nowMs: number,
  ): Promise<void>;
  writeCleared(conversationId: number, token: number, nowMs: number): Promise<void>;
  recorded(
    conversationId: number,
    token: number,
    r: Recorded,
    nowMs: number,
  ): Promise<ConversationState>;
  release(conversationId: number, token: number, nowMs: number): Promise<boolean>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function sqlConversationStore(sql: Sql): ConversationStore {
  return {
    async begin(messageId, token, nowMs) {
      const [row] = await sql<{ r: BeginResult }[]>`
        select switchboard.begin_message_publish(${messageId}::bigint, ${token}::bigint, 120,
          ${iso(nowMs)}::timestamptz) as r`;
      return row!.r;
    },
    async batch(conversationId, token, limit, only, nowMs) {
      const [row] = await sql<{ r: Batch }[]>`
        select switchboard.notion_conversation_batch(${conversationId}::bigint, ${token}::bigint,
          ${limit}::integer, ${only}::bigint, ${iso(nowMs)}::timestamptz) as r`;
      const b = row!.r;
      return { ...b, messages: b.messages.map((m) => ({ ...m, id: Number(m.id) })) };
    },
    async writeStarted(conversationId, token, write, nowMs) {
      await sql`select switchboard.notion_conversation_write_started(${conversationId}::bigint,
        ${token}::bigint, ${sql.json(write as never)}, ${iso(nowMs)}::timestamptz)`;
    },
    async writeCleared(conversationId, token, nowMs) {
      await sql`select switchboard.notion_conversation_write_cleared(${conversationId}::bigint,
        ${token}::bigint, ${iso(nowMs)}::timestamptz)`;
    },
    async recorded(conversationId, token, r, nowMs) {
      const [row] = await sql<{ r: ConversationState }[]>`
        select switchboard.notion_conversation_recorded(
          p_conversation_id => ${conversationId}::bigint,
          p_token => ${token}::bigint,
          p_page_id => ${r.pageId ?? null}::uuid,
          p_header_block_id => ${r.headerBlockId ?? null}::uuid,
          p_messages => ${sql.json((r.messages ?? []) as never)},
          p_last_block_id => ${r.lastBlockId ?? null}::uuid,
          p_properties => ${r.properties ? sql.json(r.properties as never) : null}::jsonb,
          p_contact => ${r.contact ? sql.json(r.contact as never) : null}::jsonb,
          p_how => ${r.how},
          p_clear_pending => ${r.clearPending ?? true},
          p_now => ${iso(nowMs)}::timestamptz) as r`;
      return row!.r;
    },
    async release(conversationId, token, nowMs) {
      const [row] = await sql<{ ok: boolean }[]>`
        select switchboard.notion_conversation_release(${conversationId}::bigint, ${token}::bigint,
          ${iso(nowMs)}::timestamptz) as ok`;
      return row!.ok;
    },
  };
}
