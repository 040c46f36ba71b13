/**
 * Which pass a contacts sync run makes, from its cursor (switchboard.sync_cursors, source
 * 'notion_contacts', scope = the data source id):
 *
 * - a **full pass** reads every live page and then marks the mirror rows it did not see as gone
 *   (trashed, deleted, unshared). It runs first (no watermark yet), every `fullIntervalMs`, or on
 *   demand, and resumes across runs from its stored Notion cursor;
 * - otherwise an **incremental pass** reads the pages edited on or after the watermark, oldest
 *   edit first. Notion's last_edited_time has minute precision, so the watermark is the newest
 *   edit seen and the next pass re-reads that minute (upserts are idempotent).
 *
 * After a full pass the watermark is kept, or, on the very first pass, set to the minute the pass
 * started: edits made while it ran are read again by the next incremental pass.
 */

export interface ContactsCursor {
  /** Incremental watermark: pages edited on or after it are read (ISO). */
  since: string | null;
  /** When the last full pass finished (ISO). */
  lastFullAt: string | null;
  /** A full pass under way: when it started and where it is. */
  full: { startedAt: string; startCursor: string | null } | null;
  /** An incremental pass cut short by the time budget: its query and where it is. */
  incremental: { since: string; startCursor: string; maxSeen: string | null } | null;
}

export const EMPTY_CURSOR: ContactsCursor = Object.freeze({
  since: null,
  lastFullAt: null,
  full: null,
  incremental: null,
});

export type PassPlan =
  | { mode: "full"; startedAt: string; startCursor: string | null }
  | { mode: "incremental"; since: string; startCursor: string | null; maxSeen: string | null };

/** Reads a stored cursor, tolerating older or damaged shapes (anything odd → empty). */
export function readCursor(raw: unknown): ContactsCursor {
  if (!raw || typeof raw !== "object") return { ...EMPTY_CURSOR };
  const r = raw as Record<string, unknown>;
  const iso = (v: unknown) => typeof v === "string" && !Number.isNaN(Date.parse(v)) ? v : null;
  const str = (v: unknown) => typeof v === "string" && v ? v : null;
  const full = r.full && typeof r.full === "object" ? r.full as Record<string, unknown> : null;
  const inc = r.incremental && typeof r.incremental === "object"
    ? r.incremental as Record<string, unknown>
    : null;
  const fullStarted = full ? iso(full.startedAt) : null;
  const incSince = inc ? iso(inc.since) : null;
  const incCursor = inc ? str(inc.startCursor) : null;
  return {
    since: iso(r.since),
    lastFullAt: iso(r.lastFullAt),
    full: fullStarted ? { startedAt: fullStarted, startCursor: str(full!.startCursor) } : null,
    incremental: incSince && incCursor
      ? { since: incSince, startCursor: incCursor, maxSeen: iso(inc!.maxSeen) }
      : null,
  };
}

export function planPass(
  cursor: ContactsCursor,
  nowMs: number,
  fullIntervalMs: number,
  force: "full" | "incremental" | null = null,
): PassPlan {
  if (cursor.full && force !== "incremental") {
    return { mode: "full", startedAt: cursor.full.startedAt, startCursor: cursor.full.startCursor };
  }
  const fullDue = cursor.since === null || cursor.lastFullAt === null ||
    nowMs - Date.parse(cursor.lastFullAt) >= fullIntervalMs;
  if (force === "full" || (fullDue && force !== "incremental") || cursor.since === null) {
    return { mode: "full", startedAt: new Date(nowMs).toISOString(), startCursor: null };
  }
  if (cursor.incremental) {
    return { mode: "incremental", ...cursor.incremental };
  }
  return { mode: "incremental", since: cursor.since, startCursor: null, maxSeen: null };
}

/** The newer of two ISO times (null counts as oldest). */
export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The cursor after one page of a pass was stored (the pass goes on from `nextCursor`). */
export function afterPage(
  cursor: ContactsCursor,
  plan: PassPlan,
  nextCursor: string | null,
  newestEdit: string | null,
): ContactsCursor {
  if (plan.mode === "full") {
    return { ...cursor, full: { startedAt: plan.startedAt, startCursor: nextCursor } };
  }
  const maxSeen = later(plan.maxSeen, newestEdit);
  return {
    ...cursor,
    incremental: nextCursor ? { since: plan.since, startCursor: nextCursor, maxSeen } : null,
    // Finished: the watermark moves to the newest edit seen.
    since: nextCursor ? cursor.since : later(cursor.since, maxSeen),
  };
}

/** The cursor after a full pass read its last page (and swept). */
export function afterFullPass(
  cursor: ContactsCursor,
  startedAt: string,
  nowMs: number,
): ContactsCursor {
  const minute = new Date(Math.floor(Date.parse(startedAt) / 60_000) * 60_000).toISOString();
  return {
    since: cursor.since ?? minute,
    lastFullAt: new Date(nowMs).toISOString(),
    full: null,
    incremental: null,
  };
}
