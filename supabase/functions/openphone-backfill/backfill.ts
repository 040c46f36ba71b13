/**
 * Imports OpenPhone history through the v1 REST API: phone numbers → each number's conversations
 * (to learn its participants, since listing calls and messages takes exactly one participant)
 * → calls and messages per participant, following nextPageToken. Progress is saved per phone
 * number after every page, so a run that is killed resumes where it stopped; rows merge by
 * provider id, so backfilled and webhook rows are the same rows.
 */
import type { OpenPhoneClient } from "../_shared/adapters/openphone/client.ts";
import type { RestCall, RestMessage } from "../_shared/adapters/openphone/schemas.ts";
import type { Logger } from "../_shared/platform/log.ts";

export interface BackfillCursor {
  /** The window this run imports: everything created after `since`. */
  since: string;
  participants: string[] | null;
  conversationsPageToken: string | null;
  /** Position in `participants`, the list in progress and its next page. */
  index: number;
  kind: "calls" | "messages";
  pageToken: string | null;
  done: boolean;
}

export interface BackfillStore {
  savePhoneNumbers(numbers: { id: string; number: string; name: string | null }[]): Promise<void>;
  loadCursor(phoneNumberId: string): Promise<BackfillCursor | null>;
  saveCursor(phoneNumberId: string, cursor: BackfillCursor): Promise<void>;
  mergeCalls(calls: Record<string, unknown>[]): Promise<number>;
  mergeMessages(messages: Record<string, unknown>[]): Promise<number>;
}

export interface BackfillProgress {
  phoneNumbers: number;
  phoneNumbersDone: number;
  participants: number;
  participantsDone: number;
  calls: number;
  messages: number;
  inserted: number;
  /** The phone number in progress: its participants, and how many are done. */
  current: { participants: number; done: number };
}

export interface BackfillDeps {
  client: OpenPhoneClient;
  store: BackfillStore;
  since: string;
  /** Stop starting new pages after this many milliseconds (Infinity for the CLI). */
  budgetMs: number;
  now: () => number;
  log: Logger;
  onProgress?: (p: BackfillProgress) => void;
}

/** A REST call as a merge_call record (+ its version, the provider's last update). */
export function restCallRecord(c: RestCall): Record<string, unknown> {
  return {
    version: c.updatedAt ?? c.createdAt,
    call: {
      external_id: c.id,
      phone_number_id: c.phoneNumberId ?? null,
      user_id: c.userId ?? null,
      direction: c.direction ?? null,
      provider_status: c.status ?? null,
      participants: c.participants,
      started_at: c.createdAt,
      answered_at: c.answeredAt ?? null,
      completed_at: c.completedAt ?? null,
      duration_sec: c.duration ?? null,
    },
  };
}

export function restMessageRecord(m: RestMessage): Record<string, unknown> {
  return {
    version: m.updatedAt ?? m.createdAt,
    message: {
      external_id: m.id,
      phone_number_id: m.phoneNumberId ?? null,
      user_id: m.userId ?? null,
      direction: m.direction ?? null,
      provider_status: m.status ?? null,
      from_number: m.from ?? null,
      to_numbers: m.to,
      body: m.text ?? null,
      sent_at: m.createdAt,
    },
  };
}

export async function backfill(
  deps: BackfillDeps,
): Promise<BackfillProgress & { complete: boolean }> {
  const started = deps.now();
  const outOfTime = () => deps.now() - started >= deps.budgetMs;
  const numbers = await deps.client.phoneNumbers();
  await deps.store.savePhoneNumbers(
    numbers.map((n) => ({ id: n.id, number: n.number, name: n.name ?? null })),
  );
  const progress: BackfillProgress = {
    phoneNumbers: numbers.length,
    phoneNumbersDone: 0,
    participants: 0,
    participantsDone: 0,
    calls: 0,
    messages: 0,
    inserted: 0,
    current: { participants: 0, done: 0 },
  };
  const report = () => deps.onProgress?.({ ...progress, current: { ...progress.current } });

  for (const pn of numbers) {
    let cursor = await deps.store.loadCursor(pn.id);
    // Resume an unfinished run over a wider window; otherwise start this window afresh.
    if (!cursor || cursor.done || cursor.since > deps.since) {
      if (cursor?.done && cursor.since === deps.since) {
        progress.phoneNumbersDone++;
        continue;
      }
      cursor = {
        since: deps.since,
        participants: null,
        conversationsPageToken: null,
        index: 0,
        kind: "calls",
        pageToken: null,
        done: false,
      };
    }
    const save = () => deps.store.saveCursor(pn.id, cursor!);

    if (cursor.participants === null || cursor.conversationsPageToken !== null) {
      const seen = new Set(cursor.participants ?? []);
      do {
        if (outOfTime()) return { ...progress, complete: false };
        // By id: an E.164 number is not guaranteed unique across a workspace's lines.
        const page = await deps.client.conversations(pn.id, {
          updatedAfter: cursor.since,
          ...(cursor.conversationsPageToken ? { pageToken: cursor.conversationsPageToken } : {}),
        });
        for (const c of page.data) for (const p of c.participants) if (p !== pn.number) seen.add(p);
        cursor.participants = [...seen].sort();
        cursor.conversationsPageToken = page.nextPageToken;
        await save();
      } while (cursor.conversationsPageToken !== null);
    }
    progress.participants += cursor.participants!.length;
    progress.participantsDone += cursor.index;
    progress.current = { participants: cursor.participants!.length, done: cursor.index };
    report();

    while (cursor.index < cursor.participants!.length) {
      const participant = cursor.participants![cursor.index]!;
      if (outOfTime()) return { ...progress, complete: false };
      const opts = {
        createdAfter: cursor.since,
        ...(cursor.pageToken ? { pageToken: cursor.pageToken } : {}),
      };
      if (cursor.kind === "calls") {
        const page = await deps.client.calls(pn.id, participant, opts);
        progress.inserted += await deps.store.mergeCalls(page.data.map(restCallRecord));
        progress.calls += page.data.length;
        cursor.pageToken = page.nextPageToken;
        if (!cursor.pageToken) cursor.kind = "messages";
      } else {
        const page = await deps.client.messages(pn.id, participant, opts);
        progress.inserted += await deps.store.mergeMessages(page.data.map(restMessageRecord));
        progress.messages += page.data.length;
        cursor.pageToken = page.nextPageToken;
        if (!cursor.pageToken) {
          cursor.kind = "calls";
          cursor.index++;
          progress.participantsDone++;
          progress.current.done++;
        }
      }
      await save();
      report();
    }
    cursor.done = true;
    await save();
    progress.phoneNumbersDone++;
    report();
    deps.log.info("Phone number backfilled", {
      phone_number_id: pn.id,
      participants: cursor.participants!.length,
    });
  }
  return { ...progress, complete: true };
}
