/**
 * The changes feed from a start token: new, moved-in, renamed, trashed and vanished files, the
 * page tokens (newStartPageToken only on the last page), and refused tokens.
 */
import assert from "node:assert/strict";
import { driveError, recordingsScenario, startDrive } from "./testkit.ts";

interface Change {
  kind: string;
  changeType: string;
  time: string;
  removed: boolean;
  fileId: string;
  file?: Record<string, unknown>;
}

const FIELDS = "nextPageToken,newStartPageToken," +
  "changes(changeType,time,removed,fileId,file(id,name,parents,createdTime,modifiedTime,trashed))";

Deno.test("gdrive: the changes feed reports new, moved-in and trashed files after a start token", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const start = await (await h.drive("/changes/startPageToken", token)).json();
    assert.equal(start.kind, "drive#startPageToken");
    assert.match(start.startPageToken, /^\d+$/);

    h.clock.advance(60_000);
    const added = await (await h.control("/gdrive/files", {
      folderId: "folderRecordings",
      recording: {
        number: "+15550100888",
        direction: "outgoing",
        startTime: "2026-03-04T14:58:00Z",
        durationSec: 40,
        style: "lineage",
      },
    })).json();
    h.clock.advance(60_000);
    // The owner drags an old recording in from the private folder: its createdTime stays old.
    await (await h.control("/gdrive/files/oldRec/move", { folderId: "folderRecordings" })).body
      ?.cancel();
    h.clock.advance(60_000);
    await (await h.control("/gdrive/files/rec3/trash")).body?.cancel();

    const res = await h.drive(
      `/changes?pageToken=${start.startPageToken}&fields=${encodeURIComponent(FIELDS)}`,
      token,
    );
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.nextPageToken, undefined);
    assert.match(body.newStartPageToken, /^\d+$/);
    const changes = body.changes as Change[];
    assert.deepEqual(changes.map((c) => c.fileId), [added.id, "oldRec", "rec3"]);
    assert.deepEqual(changes.map((c) => c.time), [
      "2026-03-04T15:01:00.000Z",
      "2026-03-04T15:02:00.000Z",
      "2026-03-04T15:03:00.000Z",
    ]);
    assert.ok(changes.every((c) => c.changeType === "file" && c.removed === false));
    assert.equal(changes[0]!.file!.name, "+15550100888_260304_145800.m4a");
    assert.deepEqual(changes[1]!.file!.parents, ["folderRecordings"]);
    assert.equal(changes[1]!.file!.createdTime, "2026-02-01T11:01:00.000Z");
    assert.equal(changes[1]!.file!.modifiedTime, "2026-02-01T11:01:00.000Z");
    assert.equal(changes[2]!.file!.trashed, true);

    // A createdTime poll misses the moved-in file; the feed is how it is found.
    const q = "'folderRecordings' in parents and createdTime > '2026-03-04T14:00:00Z'";
    const polled = await (await h.drive(`/files?q=${encodeURIComponent(q)}`, token)).json();
    assert.deepEqual(polled.files.map((f: { id: string }) => f.id), [added.id]);

    // Nothing new: no changes, and the same token to keep.
    const idle = await (await h.drive(`/changes?pageToken=${body.newStartPageToken}`, token))
      .json();
    assert.deepEqual(idle, {
      kind: "drive#changeList",
      newStartPageToken: body.newStartPageToken,
      changes: [],
    });
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: newStartPageToken appears only on the last page", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const start = (await (await h.drive("/changes/startPageToken", token)).json()).startPageToken;
    for (const name of ["a.m4a", "b.m4a", "c.m4a"]) {
      await (await h.control("/gdrive/files", {
        folderId: "folderRecordings",
        name,
        durationSec: 3,
      })).body?.cancel();
    }
    const pages: { names: string[]; next?: string; newStart?: string }[] = [];
    let pageToken: string | undefined = start;
    while (pageToken) {
      const body = await (await h.drive(`/changes?pageToken=${pageToken}&pageSize=2`, token))
        .json();
      pages.push({
        names: body.changes.map((c: Change) => c.file?.name),
        next: body.nextPageToken,
        newStart: body.newStartPageToken,
      });
      pageToken = body.nextPageToken;
    }
    assert.equal(pages.length, 2);
    assert.deepEqual(pages.map((p) => p.names), [["a.m4a", "b.m4a"], ["c.m4a"]]);
    assert.ok(pages[0]!.next && !pages[0]!.newStart);
    assert.ok(!pages[1]!.next && pages[1]!.newStart);
    // The default change carries the default file fields.
    const first = await (await h.drive(`/changes?pageToken=${start}&pageSize=1`, token)).json();
    assert.deepEqual(Object.keys(first.changes[0]), [
      "kind",
      "changeType",
      "time",
      "removed",
      "fileId",
      "file",
    ]);
    assert.deepEqual(Object.keys(first.changes[0].file), ["kind", "id", "name", "mimeType"]);
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: a file moved out of reach or deleted shows as removed", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const start = (await (await h.drive("/changes/startPageToken", token)).json()).startPageToken;
    await (await h.control("/gdrive/files/rec1/move", { folderId: "folderPrivate" })).body
      ?.cancel();
    await (await h.control("/gdrive/files/rec2/rename", { name: "renamed.mp3" })).body?.cancel();
    await (await h.control("/gdrive/files/rec4", undefined, "DELETE")).body?.cancel();
    // Changes to files the account never saw stay invisible to it.
    await (await h.control("/gdrive/files/oldRec/rename", { name: "secret.m4a" })).body?.cancel();

    const body = await (await h.drive(`/changes?pageToken=${start}`, token)).json();
    assert.deepEqual(
      body.changes.map((c: Change) => [c.fileId, c.removed, c.file?.name ?? null]),
      [["rec1", true, null], ["rec2", false, "renamed.mp3"], ["rec4", true, null]],
    );
    const kept = await (await h.drive(`/changes?pageToken=${start}&includeRemoved=false`, token))
      .json();
    assert.deepEqual(kept.changes.map((c: Change) => c.fileId), ["rec2"]);
    const gone = await h.drive("/files/rec4", token);
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: a renamed file gets a new modifiedTime; a moved one keeps its times", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    h.clock.advance(1800_000);
    await (await h.control("/gdrive/files/rec2/rename", { name: "x.mp3" })).body?.cancel();
    await (await h.control("/gdrive/files/rec1/move", { folderId: "folderPrivate" })).body
      ?.cancel();
    await (await h.control("/gdrive/files/rec1/move", { folderId: "folderRecordings" })).body
      ?.cancel();
    const get = (id: string) =>
      h.drive(`/files/${id}?fields=name,createdTime,modifiedTime,version`, token).then((r) =>
        r.json()
      );
    assert.deepEqual(await get("rec2"), {
      name: "x.mp3",
      version: "2",
      createdTime: "2026-03-02T10:01:00.000Z",
      modifiedTime: "2026-03-04T15:30:00.000Z",
    });
    assert.deepEqual(await get("rec1"), {
      name: "Call recording John Smith (+1 555-010-0123) 2026-03-01 14-05-22 incoming.m4a",
      version: "3",
      createdTime: "2026-03-01T14:08:00.000Z",
      modifiedTime: "2026-03-01T14:08:00.000Z",
    });
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: changes.list refuses a missing, malformed or unknown page token", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const missing = await h.drive("/changes", token);
    assert.equal(missing.status, 400);
    const m = await driveError(missing);
    assert.equal(m.message, "Required parameter: pageToken");
    assert.equal(m.errors[0]?.reason, "required");

    const start = Number(
      (await (await h.drive("/changes/startPageToken", token)).json())
        .startPageToken,
    );
    for (const bad of ["abc", "0", String(start + 1), "-1"]) {
      const res = await h.drive(`/changes?pageToken=${bad}`, token);
      assert.equal(res.status, 400, bad);
      const e = await driveError(res);
      assert.equal(e.message, "Invalid Value", bad);
      assert.equal(e.errors[0]?.location, "pageToken", bad);
    }
    // After a sandbox reset old tokens point past the (empty) log: restart from a new one.
    await (await h.control("/reset")).body?.cancel();
    await h.seed(recordingsScenario());
    const fresh = await h.token();
    const stale = await h.drive(`/changes?pageToken=${start + 5}`, fresh);
    assert.equal(stale.status, 400);
    await stale.body?.cancel();
  } finally {
    await h.close();
  }
});
