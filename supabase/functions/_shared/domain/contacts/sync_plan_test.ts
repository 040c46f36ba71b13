import assert from "node:assert/strict";
import { afterFullPass, afterPage, EMPTY_CURSOR, planPass, readCursor } from "./sync_plan.ts";

const DAY = 86_400_000;
const now = Date.parse("2026-11-29T12:00:30Z");

Deno.test("planPass(): the first run is a full pass; then incremental until the full pass is due", () => {
  const first = planPass({ ...EMPTY_CURSOR }, now, DAY);
  assert.deepEqual(first, {
    mode: "full",
    startedAt: "2026-11-29T12:00:30.000Z",
    startCursor: null,
  });
  const after = afterFullPass(
    { ...EMPTY_CURSOR },
    first.mode === "full" ? first.startedAt : "",
    now + 5000,
  );
  assert.equal(
    after.since,
    "2026-11-29T12:00:00.000Z",
    "first watermark: the minute the pass started",
  );
  assert.deepEqual(planPass(after, now + 60_000, DAY), {
    mode: "incremental",
    since: "2026-11-29T12:00:00.000Z",
    startCursor: null,
    maxSeen: null,
  });
  assert.equal(planPass(after, now + DAY + 5000, DAY).mode, "full");
  assert.equal(planPass(after, now + 60_000, DAY, "full").mode, "full");
  assert.equal(planPass(after, now + DAY + 5000, DAY, "incremental").mode, "incremental");
});

Deno.test("afterPage(): a full pass resumes from its cursor; an incremental pass moves the watermark at its end", () => {
  const cursor = {
    ...EMPTY_CURSOR,
    since: "2026-11-29T11:00:00.000Z",
    lastFullAt: "2026-11-29T00:00:00.000Z",
  };
  const full = { mode: "full" as const, startedAt: "2026-11-29T12:00:00.000Z", startCursor: null };
  const mid = afterPage(cursor, full, "c2", "2026-11-29T11:59:00.000Z");
  assert.deepEqual(mid.full, { startedAt: full.startedAt, startCursor: "c2" });
  assert.equal(mid.since, cursor.since, "a full pass does not move the watermark");
  assert.deepEqual(
    planPass(readCursor(JSON.parse(JSON.stringify(mid))), now + 2 * DAY, DAY, null),
    {
      mode: "full",
      startedAt: full.startedAt,
      startCursor: "c2",
    },
  );
  const kept = afterFullPass(mid, full.startedAt, now);
  assert.equal(
    kept.since,
    cursor.since,
    "an existing watermark stays (edits during the pass are read again)",
  );
  assert.equal(kept.full, null);

  const inc = {
    mode: "incremental" as const,
    since: cursor.since!,
    startCursor: null,
    maxSeen: null,
  };
  const part = afterPage(cursor, inc, "n1", "2026-11-29T11:30:00.000Z");
  assert.equal(part.since, cursor.since, "not finished: the watermark waits");
  assert.deepEqual(part.incremental, {
    since: cursor.since,
    startCursor: "n1",
    maxSeen: "2026-11-29T11:30:00.000Z",
  });
  const resumed = planPass(part, now, DAY);
  assert.deepEqual(resumed, {
    mode: "incremental",
    since: cursor.since,
    startCursor: "n1",
    maxSeen: "2026-11-29T11:30:00.000Z",
  });
  const done = afterPage(part, resumed, null, "2026-11-29T11:45:00.000Z");
  assert.equal(done.since, "2026-11-29T11:45:00.000Z");
  assert.equal(done.incremental, null);
  assert.equal(
    afterPage(cursor, inc, null, null).since,
    cursor.since,
    "nothing edited: the watermark stays",
  );
});

Deno.test("readCursor() tolerates anything", () => {
  assert.deepEqual(readCursor(null), EMPTY_CURSOR);
  assert.deepEqual(
    readCursor({
      since: "nope",
      full: { startedAt: 5 },
      incremental: { since: "2026-01-01T00:00:00Z" },
    }),
    EMPTY_CURSOR,
  );
});
