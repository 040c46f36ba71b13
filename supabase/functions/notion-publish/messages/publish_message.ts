/**
 * message_publish: a text message onto its conversation's Notion page, exactly once, in order.
 *
 *   const handler = publishMessage({ store: sqlConversationStore(sql), sdk: notion.sdk,
 *     settings: () => loadNotionSettings(sql), resolveContact: (phone) => resolveContact(deps, phone) });
 *
 * For the claimed message (item.subject is its row; only its id is used):
 *   1. `begin`: its conversation (key = line + other parties, see the migration) and, unless the
 *      message is on the page already with the properties up to date (→ complete, no request),
 *      the conversation's lease: one writer per conversation (another holds it → wait a moment,
 *      `conversation_busy`; the holder resumes us when it lets go, usually with our message
 *      written).
 *   2. A write left pending by an earlier attempt whose answer was lost is checked first: the
 *      page looked up by its Conversation ID, or the page's children listed from the write's
 *      anchor block and matched by the `msg:<external id>` markers. What is found is recorded;
 *      only what is missing is written again.
 *   3. Batches: every waiting message of the conversation in sent order, as many per request as
 *      Notion takes (100 blocks, payload budget). The first batch creates the page with its
 *      properties, the header and the messages in one request; later ones append (at the end,
 *      or after the previous message's block for a message that arrived late). A write is
 *      recorded as pending before it is sent; its answer (block ids), or a 503 that says it was
 *      committed (committed_resource_id / committed_child_ids), records the messages as on the
 *      page. An answer that never came (timeout, dropped connection, 5xx) leaves it pending and
 *      the attempt fails; the retry checks it (2.) before writing again.
 *   4. Properties (Last Message, Messages, and the contact link while not matched) in one update.
 * A permanent refusal of a batch of several messages is retried with the claimed message alone,
 * so one bad message cannot hold its conversation back (it dead-letters on its own).
 */
import type {
  AppendBlockChildrenParameters,
  CreatePageParameters,
  ListBlockChildrenParameters,
  QueryDataSourceParameters,
  UpdatePageParameters,
} from "@notionhq/client";
import {
  assignIds,
  type ConversationMessage,
  conversationTitle,
  headerBlock,
  headerMarker,
  MESSAGE_MARKER_PREFIX,
  packBatch,
  type PackedBatch,
  scanMarkers,
} from "../../_shared/domain/conversations/blocks.ts";
import {
  type ContactLink,
  contactLink,
  contactName,
  type ConversationPropertyMap,
  createProperties,
  type PartyMatch,
  sameContactLink,
  updateProperties,
} from "../../_shared/domain/conversations/properties.ts";
import { isCommitted, NotionError } from "../../_shared/adapters/notion/errors.ts";
import type { NotionSettings } from "../../_shared/adapters/notion/settings.ts";
import { AppError } from "../../_shared/platform/errors.ts";
import type { Logger } from "../../_shared/platform/log.ts";
import type { StageContext, StageHandler } from "../../_shared/platform/stage_worker.ts";
import type { ConversationState, ConversationStore, PendingWrite } from "./store.ts";

/** The official client's methods this stage uses (`notion.sdk` satisfies it). */
export interface ConversationsSdk {
  pages: {
    create(args: CreatePageParameters): Promise<{ id: string }>;
    update(args: UpdatePageParameters): Promise<unknown>;
  };
  blocks: {
    children: {
      append(args: AppendBlockChildrenParameters): Promise<{ results: { id: string }[] }>;
      list(args: ListBlockChildrenParameters): Promise<{
        results: { id: string; type?: string }[];
        next_cursor: string | null;
        has_more: boolean;
      }>;
    };
  };
  dataSources: {
    query(args: QueryDataSourceParameters): Promise<{ results: unknown[] }>;
  };
}

export interface ContactAnswer {
  status: "matched" | "ambiguous" | "unknown";
  page_id: string | null;
  candidates: { page_id: string; name: string | null }[];
}

export interface PublishMessageDeps {
  store: ConversationStore;
  sdk: ConversationsSdk;
  /** Notion settings (database ids, property map); loaded per message, so edits apply at once. */
  settings: () => Promise<NotionSettings>;
  /** The contact for one E.164 number (domain/contacts/resolve.ts resolveContact). */
  resolveContact: (phoneE164: string) => Promise<ContactAnswer>;
  now?: () => number;
  /** Messages per request at most (default 100; Notion's 100 blocks bound it anyway). */
  maxMessagesPerRequest?: number;
  /** How long a message waits when the Conversations database is not set up (default 10 min). */
  notConfiguredWaitMs?: number;
  /** How long a message waits while another worker writes to its conversation (default 5 s). */
  busyWaitMs?: number;
}

/** Participants whose contact is looked up (a large group MMS links the first ten). */
const MAX_PARTIES = 10;

const notApplied = (e: unknown): e is NotionError =>
  e instanceof NotionError && e.outcome === "not_applied";

export function publishMessage(deps: PublishMessageDeps): StageHandler {
  const maxMessages = deps.maxMessagesPerRequest ?? 100;
  return async (item, ctx) => {
    const now = deps.now ?? ctx.now;
    const settings = await deps.settings();
    const dataSourceId = settings.databases.conversations.dataSourceId;
    if (!dataSourceId) {
      ctx.log.warn("Notion Conversations database not set up: the message waits");
      return {
        defer: {
          untilMs: now() + (deps.notConfiguredWaitMs ?? 600_000),
          reason: "notion_not_configured",
        },
      };
    }
    const begin = await deps.store.begin(item.subjectId, item.token, now());
    switch (begin.status) {
      case "incomplete":
        throw new AppError(
          "validation_failed",
          "The message names no other party yet (waiting for a merge to complete it)",
          { retryable: true },
        );
      case "published":
        ctx.log.debug("Message already on its conversation page", {
          conversation_id: begin.conversation_id,
        });
        return;
      case "busy":
        return {
          defer: { untilMs: now() + (deps.busyWaitMs ?? 5_000), reason: "conversation_busy" },
        };
    }
    const run = new ConversationRun(deps, {
      ctx,
      now,
      token: item.token,
      own: item.subjectId,
      dataSourceId,
      map: settings.propertyMap.conversations,
      maxMessages,
      log: ctx.log.child({ conversation_id: begin.conversation.id }),
    });
    try {
      return await run.publish(begin.conversation, begin.message_published);
    } finally {
      await deps.store.release(begin.conversation.id, item.token, now()).catch((e) =>
        ctx.log.warn("Could not release the conversation", {
          error: e instanceof Error ? e.name : "unknown",
        })
      );
    }
  };
}

interface RunOptions {
  ctx: StageContext;
  now: () => number;
  token: number;
  own: number;
  dataSourceId: string;
  map: ConversationPropertyMap;
  maxMessages: number;
  log: Logger;
}

type Outcome = "done" | "solo";

class ConversationRun {
  #blockIdsRead = false;
  /** Requests this run sent (for the log line; the adapter counts for benchmarks). */
  requests = 0;

  constructor(private deps: PublishMessageDeps, private o: RunOptions) {}

  async publish(
    start: ConversationState,
    ownPublished: boolean,
  ): Promise<void | { defer: { untilMs: number; reason: string } }> {
    const { store } = this.deps;
    const { token, own, now } = this.o;
    let conv = start;
    if (conv.pending_write) conv = await this.settlePending(conv);

    let solo = false;
    let published = 0;
    let ownDone = ownPublished;
    for (let round = 0;; round++) {
      if (round > 0) await this.o.ctx.extendLease(180);
      if (round > 0 && now() >= this.o.ctx.deadline) break;
      const batch = await store.batch(conv.id, token, this.o.maxMessages, solo ? own : null, now());
      if (batch.messages.length === 0) {
        ownDone = true; // ours is on the page (or left the queue)
        break;
      }
      let outcome: Outcome;
      let written: number[];
      if (!conv.page_id) {
        ({ conv, outcome, written } = await this.createPage(conv, batch.messages));
      } else if (batch.needs_block_ids && !this.#blockIdsRead) {
        conv = (await this.readPage(conv, null, true)).conv;
        this.#blockIdsRead = true;
        continue;
      } else {
        const atEnd = batch.at_end || batch.needs_block_ids;
        ({ conv, outcome, written } = await this.append(
          conv,
          batch.messages,
          atEnd ? null : batch.after_block,
        ));
      }
      if (outcome === "solo") {
        if (solo) break;
        solo = true;
        this.o.log.warn("A batch was refused: writing the claimed message alone");
        continue;
      }
      published += written.length;
      if (written.includes(own)) ownDone = true;
      if (solo && ownDone) break;
    }
    if (!ownDone) {
      // The time budget ran out with messages still waiting: come back at once.
      return { defer: { untilMs: now() + 1_000, reason: "publish_continues" } };
    }
    conv = await this.updateProperties(conv);
    this.o.log.info("Conversation published", {
      messages_written: published,
      requests: this.requests,
      message_count: conv.message_count,
    });
  }

  // -- The page -------------------------------------------------------------------------------

  private async createPage(
    conv: ConversationState,
    messages: ConversationMessage[],
  ): Promise<{ conv: ConversationState; outcome: Outcome; written: number[] }> {
    const { store, sdk } = this.deps;
    const { token, now, map } = this.o;
    const parties = { ourNumber: conv.our_number, others: conv.others };
    const contact = await this.linkContact(conv);
    const packed = packBatch(messages, {
      header: headerBlock(conv.id, parties),
      maxMessages: this.o.maxMessages,
    });
    const sentAts = messages.slice(0, packed.messages.length).map((m) => m.sent_at);
    const lastAt = [conv.last_message_at, ...sentAts].filter((x): x is string => Boolean(x))
      .sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1) ?? null;
    const count = conv.message_count + packed.messages.length;
    const properties = createProperties(map, {
      title: conversationTitle(parties, contact.name),
      conversationKey: conv.key,
      ourNumber: conv.our_number,
      others: conv.others,
      contact: contact.link,
      lastMessageAt: lastAt,
      messageCount: count,
    });
    const write: PendingWrite = {
      kind: "create",
      message_ids: packed.messages.map((m) => m.id),
      header: true,
      anchor_block: null,
      at_end: true,
    };
    await store.writeStarted(conv.id, token, write, now());
    let pageId: string;
    let how: "page" | "committed" = "page";
    try {
      this.requests++;
      const page = await sdk.pages.create({
        parent: { type: "data_source_id", data_source_id: this.o.dataSourceId },
        properties: properties as NonNullable<CreatePageParameters["properties"]>,
        children: packed.children as unknown as NonNullable<CreatePageParameters["children"]>,
      });
      pageId = page.id;
    } catch (e) {
      if (isCommitted(e) && e.committedResourceId) {
        pageId = e.committedResourceId;
        how = "committed";
      } else {
        return { conv, written: [], outcome: await this.refused(conv, e, packed) };
      }
    }
    conv = await store.recorded(conv.id, token, {
      pageId,
      messages: packed.messages.map((m) => ({ id: m.id, block_ids: null })),
      properties: { count, last_at: lastAt },
      contact: linkRecord(contact.link),
      how,
    }, now());
    this.o.log.info("Conversation page created", { messages: packed.messages.length, how });
    return { conv, outcome: "done", written: packed.messages.map((m) => m.id) };
  }

  /** The page with this conversation's key, if one exists (the oldest, should there be two). */
  private async findPage(conv: ConversationState): Promise<string | null> {
    const p = this.o.map.conversation_key;
    this.requests++;
    const res = await this.deps.sdk.dataSources.query({
      data_source_id: this.o.dataSourceId,
      filter: { property: p.name, [p.type]: { equals: conv.key } } as NonNullable<
        QueryDataSourceParameters["filter"]
      >,
      sorts: [{ timestamp: "created_time", direction: "ascending" }],
      page_size: 10,
    });
    const pages = res.results.filter((r): r is { id: string; in_trash?: boolean } =>
      Boolean(r && typeof r === "object" && (r as { object?: string }).object === "page")
    ).filter((r) => !r.in_trash);
    return pages[0]?.id ?? null;
  }

  // -- Appends --------------------------------------------------------------------------------

  private async append(
    conv: ConversationState,
    messages: ConversationMessage[],
    after: string | null,
  ): Promise<{ conv: ConversationState; outcome: Outcome; written: number[] }> {
    const { store, sdk } = this.deps;
    const { token, now } = this.o;
    const packed = packBatch(messages, { maxMessages: this.o.maxMessages });
    const atEnd = after === null;
    const write: PendingWrite & { markers: Record<string, string> } = {
      kind: "append",
      message_ids: packed.messages.map((m) => m.id),
      header: false,
      anchor_block: atEnd ? conv.last_block_id : after,
      at_end: atEnd,
      markers: Object.fromEntries(
        messages.slice(0, packed.messages.length).map((m) => [String(m.id), m.external_id]),
      ),
    };
    await store.writeStarted(conv.id, token, write, now());
    let ids: string[];
    let how: "append" | "committed" = "append";
    try {
      this.requests++;
      const res = await sdk.blocks.children.append({
        block_id: conv.page_id!,
        children: packed.children as unknown as AppendBlockChildrenParameters["children"],
        ...(after ? { after } : {}),
      });
      ids = res.results.map((b) => b.id);
    } catch (e) {
      if (isCommitted(e)) {
        ids = e.committedChildIds;
        how = "committed";
      } else {
        return { conv, written: [], outcome: await this.refused(conv, e, packed) };
      }
    }
    const assigned = assignIds(packed, ids);
    if (!assigned) {
      // Not the ids we expected (a 503 without them): read the page instead of guessing.
      const read = await this.readPage(conv, write.anchor_block, atEnd);
      const written = Object.entries(write.markers).filter(([, ext]) => read.found.has(ext))
        .map(([id]) => Number(id));
      return { conv: read.conv, outcome: "done", written };
    }
    conv = await store.recorded(conv.id, token, {
      messages: assigned.messages.map((m) => ({ id: m.id, block_ids: m.blockIds })),
      lastBlockId: atEnd ? ids.at(-1) ?? null : null,
      how,
    }, now());
    return { conv, outcome: "done", written: assigned.messages.map((m) => m.id) };
  }

  /** The write was refused or its answer lost: what to do next (or throw for the engine). */
  private async refused(
    conv: ConversationState,
    e: unknown,
    packed: PackedBatch,
  ): Promise<Outcome> {
    if (notApplied(e)) {
      await this.deps.store.writeCleared(conv.id, this.o.token, this.o.now());
      if (!e.retryable && packed.messages.length > 1) return "solo";
    } else {
      this.o.log.warn("Notion write outcome unknown: it is checked before it is repeated", {
        kind: packed.header ? "create" : "append",
        messages: packed.messages.length,
      });
    }
    throw e;
  }

  // -- Checking a write whose answer was lost -------------------------------------------------

  private async settlePending(conv: ConversationState): Promise<ConversationState> {
    const w = conv.pending_write!;
    const { store } = this.deps;
    const { token, now } = this.o;
    if (w.kind === "create" && !conv.page_id) {
      const pageId = await this.findPage(conv);
      if (!pageId) {
        this.o.log.info("Checked a lost page create: not applied, creating again");
        await store.writeCleared(conv.id, token, now());
        return { ...conv, pending_write: null };
      }
      this.o.log.info("Checked a lost page create: the page exists");
      // Created with its header and messages (one request: all or nothing).
      return await store.recorded(conv.id, token, {
        pageId,
        messages: w.message_ids.map((id) => ({ id, block_ids: null })),
        how: "found",
      }, now());
    }
    if (w.kind === "append" && conv.page_id) {
      const read = await this.readPage(conv, w.anchor_block, w.at_end);
      this.o.log.info("Checked a lost append", {
        messages: w.message_ids.length,
        found_on_page: read.found.size,
      });
      return read.conv;
    }
    await store.writeCleared(conv.id, token, now());
    return { ...conv, pending_write: null };
  }

  /**
   * Lists the page's children from `anchor` (the whole page when null, or when the anchor is
   * gone) and records every message block found by its marker — those of the pending write
   * among them — and the header. Clears the pending write: what was not found was not applied.
   */
  private async readPage(
    conv: ConversationState,
    anchor: string | null,
    atEnd: boolean,
  ): Promise<{ conv: ConversationState; found: Set<string> }> {
    const listed = await this.listChildren(conv.page_id!, anchor);
    const scan = scanMarkers(listed);
    const header = scan.blocks.get(headerMarker(conv.id))?.[0] ?? null;
    const messages: { external_id: string; block_ids: string[] }[] = [];
    for (const [marker, ids] of scan.blocks) {
      if (marker.startsWith(MESSAGE_MARKER_PREFIX)) {
        messages.push({ external_id: marker.slice(MESSAGE_MARKER_PREFIX.length), block_ids: ids });
      }
    }
    const next = await this.deps.store.recorded(conv.id, this.o.token, {
      headerBlockId: header,
      messages,
      // At the end of the page: the last of our blocks the listing saw.
      lastBlockId: atEnd ? scan.lastMarkedBlockId : null,
      how: "found",
    }, this.o.now());
    return { conv: next, found: new Set(messages.map((m) => m.external_id)) };
  }

  private async listChildren(pageId: string, anchor: string | null) {
    const out: { id: string; type?: string }[] = [];
    let cursor: string | null = anchor;
    for (let page = 0; page < 200; page++) {
      let res;
      try {
        this.requests++;
        res = await this.deps.sdk.blocks.children.list({
          block_id: pageId,
          page_size: 100,
          ...(cursor ? { start_cursor: cursor } : {}),
        });
      } catch (e) {
        // The anchor block is gone (deleted by hand): read the whole page instead.
        if (e instanceof NotionError && e.upstreamStatus === 400 && cursor === anchor && anchor) {
          cursor = null;
          anchor = null;
          continue;
        }
        throw e;
      }
      out.push(...res.results);
      if (!res.has_more || !res.next_cursor) break;
      cursor = res.next_cursor;
    }
    return out;
  }

  // -- Properties and the contact -------------------------------------------------------------

  private async linkContact(
    conv: ConversationState,
  ): Promise<{ link: ContactLink; name: string | null }> {
    const matches: PartyMatch[] = [];
    for (const phone of conv.others.slice(0, MAX_PARTIES)) {
      const r = await this.deps.resolveContact(phone);
      matches.push({ phone, status: r.status, pageId: r.page_id, candidates: r.candidates });
    }
    return { link: contactLink(matches), name: contactName(matches) };
  }

  private async updateProperties(conv: ConversationState): Promise<ConversationState> {
    if (!conv.page_id) return conv;
    let contact: ContactLink | null = null;
    let title: string | null = null;
    if (conv.contact_status !== "matched") {
      const current: ContactLink | null = conv.contact_status
        ? {
          status: conv.contact_status,
          pageIds: conv.contact_page_ids,
          reviewNote: conv.review_note,
        }
        : null;
      const next = await this.linkContact(conv);
      if (!sameContactLink(current, next.link)) {
        contact = next.link;
        title = conversationTitle({ ourNumber: conv.our_number, others: conv.others }, next.name);
      }
    }
    if (!conv.properties_dirty && !contact) return conv;
    const properties = updateProperties(this.o.map, {
      lastMessageAt: conv.last_message_at,
      messageCount: conv.message_count,
      contact,
      title,
    });
    this.requests++;
    // Absolute values: repeating it after a lost answer is harmless.
    await this.deps.sdk.pages.update({
      page_id: conv.page_id,
      properties: properties as NonNullable<UpdatePageParameters["properties"]>,
    });
    return await this.deps.store.recorded(conv.id, this.o.token, {
      properties: { count: conv.message_count, last_at: conv.last_message_at },
      contact: contact ? linkRecord(contact) : null,
      how: "append",
      clearPending: false,
    }, this.o.now());
  }
}

const linkRecord = (l: ContactLink) => ({
  status: l.status,
  page_ids: l.pageIds,
  review_note: l.reviewNote,
});
