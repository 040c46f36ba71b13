/**
 * call_publish: one Notion page per call, exactly once, updated in place.
 *
 *   1. read the call, its transcript, summary, recording and page state (one SQL call); match the
 *      contact (the mirror: no Notion request for a mirrored contact); make the recording link
 *   2. build the page (domain/notion_pages): properties, the overview callout, transcript units
 *   3. the page: known → on; a create whose answer was lost → look the Call ID up first (T17,
 *      T25); else create it with properties, overview and as many transcript units as one
 *      request takes (a typical call: the whole page in ONE request). The create marker (and
 *      what the create carries) is stored before the request, the page id the moment it is known;
 *      a 503 that says the create was committed gives the id (never repeated)
 *   4. a write left pending by an earlier attempt is checked in Notion before anything else
 *   5. the overview changed (a summary after the page, a re-summary) → the new callout goes after
 *      the old one, the old one is deleted: in place
 *   6. the rest of the transcript, in ordered appends, each marked before it is sent and checked
 *      (children after the last known block) when its answer is lost: no block twice
 *   7. the properties, when they changed
 *
 * Block allowance (free workspaces, 1,000 blocks for life): a create refused for it is retried
 * with the overview only, then with the properties only, so the page exists; an append refused
 * for it stops the transcript there — the page keeps what it has, is flagged Needs Review with
 * "Transcript truncated after N of M turns" — and the call completes (not failed).
 * `republish_call(id)` continues it after an upgrade. When not even an empty page can be
 * created, the call waits (notion_block_limit, 6 hours at a time), never failed.
 *
 * Rate limits: a 429/529, or a shared-budget wait too long to sleep through, makes the call wait
 * (not an attempt); progress is kept, so it continues where it stopped.
 */
import {
  isCommitted,
  isNotionError,
  isOutcomeUnknown,
  type NotionError,
} from "../../_shared/adapters/notion/errors.ts";
import type { Block } from "../../_shared/domain/notion_pages/blocks.ts";
import {
  buildCallPage,
  callKey,
  type CallPage,
  type CallPageInput,
  type CallPropertyMap,
  otherParty,
} from "../../_shared/domain/notion_pages/call_page.ts";
import {
  measure,
  type Measured,
  nextBatch,
  planCreate,
} from "../../_shared/domain/notion_pages/pack.ts";
import type {
  StageContext,
  StageHandler,
  StageResult,
} from "../../_shared/platform/stage_worker.ts";
import type { CallPagesNotion, ChildRef } from "./notion.ts";
import type { CallPageStore, PageState, Pending, StatePatch } from "./store.ts";

export interface CallsSetup {
  dataSourceId: string;
  map: CallPropertyMap;
  timeZone?: string;
}

export type ContactResolution = CallPageInput["contact"];

export interface CallPublishDeps {
  store: CallPageStore;
  /** Null: Notion (the Calls database) is not set up yet — the call waits. */
  setup: () => Promise<CallsSetup | null>;
  notion: CallPagesNotion;
  /** Requests sent so far by the adapter (to count each call's). */
  requestCount: () => number;
  resolveContact: (phone: string | null, name: string | null) => Promise<ContactResolution>;
  recordingLink: (
    media: { id: string; call_id: string; storage_path: string },
  ) => Promise<string | null>;
  now?: () => number;
  /** Stop appending and continue later when the worker's deadline is this close (default 10 s). */
  deadlineMarginMs?: number;
}

const LEASE_SECONDS = 300;
const NOT_CONFIGURED_WAIT_MS = 10 * 60_000;
const BLOCK_LIMIT_WAIT_MS = 6 * 3600_000;

/** Notion refused to create blocks: the workspace's block allowance is used up. */
export function isBlockLimit(e: unknown): boolean {
  if (!isNotionError(e)) return false;
  const s = e.upstreamStatus;
  if (s !== 400 && s !== 403) return false;
  return /block[_ ]?limit|block allowance|lifetime (block|limit)|blocks? (limit|quota)/i.test(
    `${e.notionCode} ${e.message}`,
  );
}

/** A refusal to wait out (not an attempt): 429/529 with Retry-After, or our budget's wait. */
function rateWaitMs(e: unknown): number | null {
  if (!isNotionError(e) || !e.retryable) return null;
  if (e.notionCode === "budget_exhausted" || e.upstreamStatus === 429 || e.upstreamStatus === 529) {
    return Math.max(1_000, e.retryAfterMs ?? 1_000);
  }
  return null;
}

const notApplied = (e: unknown) => isNotionError(e) && e.outcome === "not_applied";

class Wait extends Error {
  constructor(readonly untilMs: number, readonly reason: string) {
    super(reason);
  }
}

export function publishCall(deps: CallPublishDeps): StageHandler {
  const now = deps.now ?? Date.now;
  const margin = deps.deadlineMarginMs ?? 10_000;

  return async (item, ctx): Promise<StageResult> => {
    const callId = item.subjectId;
    const setup = await deps.setup();
    if (!setup) {
      return {
        defer: { untilMs: now() + NOT_CONFIGURED_WAIT_MS, reason: "notion_not_configured" },
      };
    }
    const before = deps.requestCount();
    try {
      await publish(deps, setup, callId, ctx, now, margin);
      return;
    } catch (e) {
      if (e instanceof Wait) return { defer: { untilMs: e.untilMs, reason: e.reason } };
      const wait = rateWaitMs(e);
      if (wait !== null) {
        return { defer: { untilMs: now() + wait, reason: "notion_rate_limited" } };
      }
      throw e;
    } finally {
      const spent = deps.requestCount() - before;
      if (spent > 0) {
        await deps.store.update(callId, { add_requests: spent }).catch(() => {});
      }
    }
  };
}

async function publish(
  deps: CallPublishDeps,
  setup: CallsSetup,
  callId: number,
  ctx: StageContext,
  now: () => number,
  margin: number,
): Promise<void> {
  const { store, notion } = deps;
  const inputs = await store.inputs(callId);
  const call = inputs.call;
  if (!call) return; // the call is gone
  if (call.merged_into_call_id) return; // a Drive recording of another call: that call's page

  const name = call.contact_name ?? null;
  const contact = await deps.resolveContact(otherParty(call), name);
  const recordingUrl = inputs.media ? await deps.recordingLink(inputs.media) : null;
  const base: CallPageInput = {
    call,
    contact,
    transcript: inputs.transcript,
    summary: inputs.summary,
    recordingUrl,
    notStored: inputs.skipped_media ?? [],
    ...(setup.timeZone ? { timeZone: setup.timeZone } : {}),
  };
  const model = (s: PageState | null): CallPage => {
    const cut = s?.truncated_at ?? null;
    const page = buildCallPage(base, setup.map);
    if (cut === null) return page;
    const turns = (n: number) => Math.max(0, n - 1); // the heading is unit 0
    return buildCallPage(
      { ...base, truncated: { shown: turns(cut), total: turns(page.transcript.length) } },
      setup.map,
    );
  };

  let state = inputs.page;
  let page = model(state);
  const units = page.transcript;
  const m = measure(units);
  const key = callKey(call);
  const callKeyProp = setup.map.call_id;

  // A rebuild: the old page goes to the trash, the next create starts from scratch.
  if (state?.rebuild_requested) {
    if (state.page_id) await notion.trashPage(state.page_id);
    await store.reset(callId);
    state = await store.page(callId);
  }

  // 3. The page.
  if (!state?.page_id) {
    state = await ensurePage();
    if (!state) return;
  }
  const pageId = state.page_id!;

  // 4. A write whose answer was lost.
  if (state.pending) state = await settlePending(state);

  // 5. The overview, in place.
  if (state.overview_hash !== page.overviewHash && state.block_limited_at === null) {
    state = await replaceOverview(state);
  }

  // 6. The transcript, in order.
  if (
    state.transcript_done > 0 && state.transcript_hash !== null &&
    state.transcript_hash !== page.transcriptHash
  ) {
    // The transcript changed after it was published: the page keeps the first one
    // (republish_call(id, 'rebuild') makes the page again).
    ctx.log.warn("Transcript changed after publishing; not rewritten", { call_id: callId });
  } else if (state.truncated_at === null) {
    while (state.transcript_done < units.length) {
      if (ctx.signal.aborted || now() > ctx.deadline - margin) {
        throw new Wait(now() + 1_000, "notion_publish_continues");
      }
      state = await appendNext(state);
      if (state.truncated_at !== null) break;
      await ctx.extendLease(LEASE_SECONDS);
    }
  }

  // 7. The properties.
  page = model(state);
  if (state.properties_hash !== page.propertiesHash) {
    await notion.updatePage(pageId, page.properties);
    await store.update(callId, { properties_hash: page.propertiesHash });
  }
  await store.update(callId, { published_at: new Date(now()).toISOString() });

  // ---------------------------------------------------------------------------------------

  async function ensurePage(): Promise<PageState | null> {
    // A create was sent before and its answer never came: is the page there?
    if (state?.create_sent_at) {
      const found = await notion.findPages(
        setup.dataSourceId,
        callKeyProp.name,
        callKeyProp.type,
        state.call_key,
      );
      if (found.length > 0) {
        const [first, ...extra] = found;
        await adopt(first!, state.pending?.op === "create" ? state.pending : null);
        for (const dup of extra) await notion.trashPage(dup); // never expected: belt and braces
        return await store.page(callId);
      }
    }
    // Create: everything that fits, then less when the block allowance refuses.
    const attempts: Array<{ overview: boolean; units: number }> = [];
    const n = planCreate(page.properties, page.overview, m);
    attempts.push({ overview: true, units: n });
    if (n > 0) attempts.push({ overview: true, units: 0 });
    attempts.push({ overview: false, units: 0 });
    for (const [i, a] of attempts.entries()) {
      const pending: Pending = {
        op: "create",
        limited: i > 0,
        units: a.units,
        total: units.length,
        overview_hash: a.overview ? page.overviewHash : "",
        properties_hash: page.propertiesHash,
        transcript_hash: page.transcriptHash,
      };
      const begun = await store.beginCreate(callId, ctx.token, key, pending);
      if (begun.page_id) return begun; // recorded meanwhile
      const children: Block[] = a.overview ? [page.overview, ...units.slice(0, a.units)] : [];
      try {
        const id = await notion.createPage(setup.dataSourceId, page.properties, children);
        return await adopt(id, pending);
      } catch (e) {
        if (isCommitted(e) && e.committedResourceId) {
          return await adopt(e.committedResourceId, pending);
        }
        if (isBlockLimit(e)) {
          await store.update(callId, { create_sent_at: null, pending: null });
          continue;
        }
        if (notApplied(e)) await store.update(callId, { create_sent_at: null, pending: null });
        throw e; // unknown outcome: the marker stays, the retry looks the Call ID up first
      }
    }
    // Not even an empty page: wait for the workspace to be upgraded (never failed).
    await store.update(callId, { block_limited_at: new Date(now()).toISOString() });
    throw new Wait(now() + BLOCK_LIMIT_WAIT_MS, "notion_block_limit");
  }

  /** Records `id` as the call's page, with what its create carried. */
  async function adopt(id: string, p: Pending | null): Promise<PageState> {
    const c = p && p.op === "create" ? p : null;
    const at = new Date(now()).toISOString();
    const patch: StatePatch = c
      ? {
        overview_hash: c.overview_hash || null,
        properties_hash: c.properties_hash,
        transcript_hash: c.transcript_hash,
        transcript_done: c.units,
        transcript_total: c.total,
        top_level_count: (c.overview_hash ? 1 : 0) + c.units,
        last_block_id: null,
        overview_block_id: null,
        pending: null,
        // The block allowance refused the fuller creates: the transcript stops here.
        ...(c.limited
          ? { block_limited_at: at, ...(c.total > 0 ? { truncated_at: c.units } : {}) }
          : {}),
      }
      : { pending: null, overview_hash: null, properties_hash: null, top_level_count: null };
    const r = await store.record(callId, id, patch);
    if (!r.recorded) {
      // Another attempt recorded a different page first: ours is a duplicate.
      await notion.trashPage(id);
    }
    return (await store.page(callId))!;
  }

  async function settlePending(s: PageState): Promise<PageState> {
    const p = s.pending!;
    switch (p.op) {
      case "create":
        await store.update(callId, { pending: null });
        break;
      case "append": {
        const landed = await appendedAfter(s, p.anchor, p.before);
        if (landed === null || landed.length === 0) {
          await store.update(callId, { pending: null }); // not applied: sent again below
        } else {
          const k = Math.min(landed.length, p.to - p.from);
          await store.update(callId, {
            pending: null,
            transcript_done: p.from + k,
            transcript_total: p.total,
            transcript_hash: p.transcript_hash,
            last_block_id: landed[k - 1]!.id,
            top_level_count: s.top_level_count === null ? null : s.top_level_count + k,
          });
        }
        break;
      }
      case "add_overview": {
        const landed = await appendedAfter(s, p.anchor, p.before);
        const added = landed?.find((b) => b.type === "callout");
        await store.update(callId, {
          pending: null,
          ...(added && landed
            ? {
              overview_block_id: added.id,
              overview_hash: p.hash,
              last_block_id: landed[landed.length - 1]!.id,
              top_level_count: s.top_level_count === null
                ? null
                : s.top_level_count + landed.length,
            }
            : {}),
        });
        break;
      }
      case "replace": {
        const { results } = await notion.children(pageId, p.old, 2);
        const next = results[0]?.id === p.old ? results[1] : undefined;
        if (next && next.type === "callout") {
          await store.update(callId, {
            pending: { op: "delete", block: p.old },
            overview_block_id: next.id,
            overview_hash: p.hash,
            ...(p.was_last ? { last_block_id: next.id } : {}),
          });
          await notion.deleteBlock(p.old);
        }
        await store.update(callId, { pending: null });
        break;
      }
      case "delete":
        await notion.deleteBlock(p.block);
        await store.update(callId, { pending: null });
        break;
    }
    return (await store.page(callId))!;
  }

  /**
   * The top-level blocks after `anchor` (the last block known to be on the page), or — without
   * an anchor — those past the first `before` blocks. Null when that cannot be told.
   */
  async function appendedAfter(
    s: PageState,
    anchor: string | null,
    before: number | null,
  ): Promise<ChildRef[] | null> {
    if (anchor) {
      try {
        const out: ChildRef[] = [];
        let cursor: string | null = anchor;
        let first = true;
        while (cursor) {
          const r = await notion.children(pageId, cursor, 100);
          const rows = first ? r.results.slice(1) : r.results;
          if (first && r.results[0]?.id !== anchor) {
            throw new Error("cursor did not start at the anchor");
          }
          first = false;
          out.push(...rows);
          cursor = r.next;
          if (out.length >= 100) break;
        }
        return out;
      } catch (e) {
        if (isNotionError(e) && !notApplied(e)) throw e;
        // Cursors that are not block ids: count from the start instead.
      }
    }
    const known = before ?? s.top_level_count;
    if (known === null) return null;
    const all: ChildRef[] = [];
    let cursor: string | null = null;
    do {
      const r = await notion.children(pageId, cursor, 100);
      all.push(...r.results);
      cursor = r.next;
    } while (cursor);
    return all.slice(known);
  }

  async function replaceOverview(s: PageState): Promise<PageState> {
    let old = s.overview_block_id;
    if (!old) {
      const { results } = await notion.children(pageId, null, 1);
      old = results[0]?.type === "callout" ? results[0].id : null;
    }
    if (!old) {
      // No overview to replace (made by properties only, or removed by hand): add it at the end.
      await store.beginWrite(callId, ctx.token, {
        op: "add_overview",
        anchor: s.last_block_id,
        before: s.top_level_count,
        hash: page.overviewHash,
      });
      try {
        const [id] = await notion.append(pageId, [page.overview]);
        await store.update(callId, {
          pending: null,
          overview_block_id: id!,
          overview_hash: page.overviewHash,
          last_block_id: id!,
          top_level_count: s.top_level_count === null ? null : s.top_level_count + 1,
        });
      } catch (e) {
        return await onWriteError(e, s);
      }
      return (await store.page(callId))!;
    }
    const wasLast = s.last_block_id === old ||
      (s.transcript_done === 0 && s.last_block_id === null && s.top_level_count === 1);
    await store.beginWrite(callId, ctx.token, {
      op: "replace",
      old,
      hash: page.overviewHash,
      was_last: wasLast,
    });
    let fresh: string;
    try {
      [fresh] = (await notion.append(pageId, [page.overview], old)) as [string];
    } catch (e) {
      if (isCommitted(e) && e.committedChildIds[0]) fresh = e.committedChildIds[0];
      else return await onWriteError(e, s);
    }
    await store.update(callId, {
      pending: { op: "delete", block: old },
      overview_block_id: fresh,
      overview_hash: page.overviewHash,
      ...(wasLast ? { last_block_id: fresh } : {}),
    });
    await notion.deleteBlock(old);
    await store.update(callId, { pending: null });
    return (await store.page(callId))!;
  }

  /** A write that failed: unknown → kept pending (checked next time); refused → cleared. */
  async function onWriteError(e: unknown, s: PageState): Promise<PageState> {
    if (isBlockLimit(e)) {
      await store.update(callId, {
        pending: null,
        block_limited_at: new Date(now()).toISOString(),
      });
      return (await store.page(callId))!;
    }
    if (isOutcomeUnknown(e) || isCommitted(e)) throw e;
    if (notApplied(e)) await store.update(callId, { pending: null });
    void s;
    throw e;
  }

  async function appendNext(s: PageState): Promise<PageState> {
    const from = s.transcript_done;
    const to = nextBatch(m, from);
    const pending: Pending = {
      op: "append",
      from,
      to,
      anchor: s.last_block_id,
      before: s.top_level_count,
      transcript_hash: page.transcriptHash,
      total: units.length,
    };
    await store.beginWrite(callId, ctx.token, pending);
    let ids: string[];
    try {
      ids = await notion.append(pageId, units.slice(from, to));
    } catch (e) {
      if (isCommitted(e)) ids = e.committedChildIds;
      else if (isBlockLimit(e)) {
        await store.update(callId, {
          pending: null,
          truncated_at: from,
          transcript_total: units.length,
          transcript_hash: page.transcriptHash,
          block_limited_at: new Date(now()).toISOString(),
        });
        return (await store.page(callId))!;
      } else {
        if (notApplied(e)) await store.update(callId, { pending: null });
        throw e as NotionError;
      }
    }
    await store.update(callId, {
      pending: null,
      transcript_done: to,
      transcript_total: units.length,
      transcript_hash: page.transcriptHash,
      last_block_id: ids.length ? ids[ids.length - 1]! : null,
      top_level_count: s.top_level_count === null ? null : s.top_level_count + (to - from),
    });
    return (await store.page(callId))!;
  }
}

export type { Measured };
