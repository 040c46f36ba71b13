/**
 * files.list: the q language, partial responses, pagination and ordering, against the seeded
 * call-recordings folder (see testkit.ts).
 */
import assert from "node:assert/strict";
import { driveError, recordingsScenario, startDrive } from "./testkit.ts";

const AUDIO = "'folderRecordings' in parents and mimeType contains 'audio/'";

async function ids(res: Response): Promise<string[]> {
  assert.equal(res.status, 200);
  return ((await res.json()).files as { id: string }[]).map((f) => f.id);
}

Deno.test("gdrive: files.list filters with q on parents, trashed, times, mimeType and name", async () => {
  const h = startDrive();
  try {
    const seeded = await h.seed(recordingsScenario());
    const sidecar = seeded.folders[0]!.files[0]!.sidecar!.id;
    const token = await h.token();
    await (await h.control("/gdrive/files/rec2/trash")).body?.cancel();
    const list = (q: string) => h.drive(`/files?q=${encodeURIComponent(q)}`, token).then(ids);

    // Trashed files are listed unless the query excludes them.
    assert.deepEqual(await list(AUDIO), ["rec1", "rec2", "rec3", "rec4", "rec5"]);
    assert.deepEqual(await list(`${AUDIO} and trashed = false`), ["rec1", "rec3", "rec4", "rec5"]);
    assert.deepEqual(await list("trashed = true"), ["rec2"]);
    assert.deepEqual(
      await list("'folderRecordings' in parents and createdTime > '2026-03-03T16:31:00Z'"),
      ["rec4", "rec5"],
    );
    // A literal without a zone is UTC; one with an offset is honoured (17:31+01:00 is 16:31Z).
    assert.deepEqual(
      await list("'folderRecordings' in parents and createdTime >= '2026-03-03T16:31:00'"),
      ["rec3", "rec4", "rec5"],
    );
    assert.deepEqual(await list("createdTime = '2026-03-03T17:31:00+01:00'"), ["rec3"]);
    assert.deepEqual(
      await list("modifiedTime > '2026-03-04T09:00:00Z' and modifiedTime < '2026-03-04T11:00:00Z'"),
      ["rec3", "rec4"],
    );
    assert.deepEqual(await list("mimeType = 'application/json'"), [sidecar]);
    assert.deepEqual(await list("mimeType = 'application/pdf' or name contains 'Chen'"), [
      "rec5",
      "notes",
    ]);
    assert.deepEqual(
      await list("not mimeType contains 'audio/' and ('folderRecordings' in parents)"),
      [sidecar, "notes"],
    );
    // name contains matches word prefixes, not substrings.
    assert.deepEqual(await list("name contains 'Smi'"), ["rec1", sidecar]);
    assert.deepEqual(await list("name contains 'John Smith'"), ["rec1", sidecar]);
    assert.deepEqual(await list("name contains 'mith'"), []);
    assert.deepEqual(await list("name = 'Quote for Ana.pdf'"), ["notes"]);
    // The unshared folder and its recording are invisible, even by id.
    assert.deepEqual(await list("'folderPrivate' in parents"), []);
    const hidden = await h.drive("/files/oldRec", token);
    assert.equal(hidden.status, 404);
    assert.equal((await driveError(hidden)).message, "File not found: oldRec.");
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: a malformed q is refused with 400 Invalid Value at location q", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const bad = [
      "'folderRecordings' in parent",
      "trashed = 'false'",
      "createdTime > '2026-03-04'",
      "createdTime > '2026-02-30T00:00:00Z'",
      "name contains 'unterminated",
      "name ~ 'x'",
      "createdTime contains '2026'",
      "(trashed = false",
      "trashed = false and",
      "size > '100'",
      'name = "double quotes"',
    ];
    for (const q of bad) {
      const res = await h.drive(`/files?q=${encodeURIComponent(q)}`, token);
      assert.equal(res.status, 400, q);
      assert.deepEqual(await driveError(res), {
        code: 400,
        message: "Invalid Value",
        errors: [{
          message: "Invalid Value",
          domain: "global",
          reason: "invalid",
          location: "q",
          locationType: "parameter",
        }],
        status: "INVALID_ARGUMENT",
      }, q);
    }
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: fields selects a partial response; unknown fields are refused", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const q = `q=${encodeURIComponent(AUDIO)}`;

    const plain = await (await h.drive(`/files?${q}&pageSize=1`, token)).json();
    assert.deepEqual(Object.keys(plain), ["kind", "nextPageToken", "incompleteSearch", "files"]);
    assert.deepEqual(plain.files[0], {
      kind: "drive#file",
      id: "rec1",
      name: "Call recording John Smith (+1 555-010-0123) 2026-03-01 14-05-22 incoming.m4a",
      mimeType: "audio/x-m4a",
    });

    const partial = await (await h.drive(
      `/files?${q}&pageSize=1&fields=${
        encodeURIComponent("nextPageToken, files(id, size, createdTime, parents)")
      }`,
      token,
    )).json();
    assert.deepEqual(Object.keys(partial), ["nextPageToken", "files"]);
    assert.deepEqual(Object.keys(partial.files[0]).sort(), [
      "createdTime",
      "id",
      "parents",
      "size",
    ]);
    assert.equal(typeof partial.files[0].size, "string");
    assert.equal(partial.files[0].createdTime, "2026-03-01T14:08:00.000Z");
    assert.deepEqual(partial.files[0].parents, ["folderRecordings"]);

    // Forgetting nextPageToken in fields means no next page: Drive's classic pitfall.
    const noToken = await (await h.drive(`/files?${q}&pageSize=1&fields=files/id`, token)).json();
    assert.deepEqual(noToken, { files: [{ id: "rec1" }] });

    const all = await (await h.drive(`/files?${q}&pageSize=1&fields=*`, token)).json();
    assert.match(all.files[0].md5Checksum, /^[0-9a-f]{32}$/);
    assert.equal(all.files[0].trashed, false);
    assert.equal(all.files[0].fileExtension, "m4a");

    for (
      const [fields, name] of [["files(id,nmae)", "nmae"], ["items(id)", "items"], [
        "files/id/x",
        "id",
      ]]
    ) {
      const res = await h.drive(`/files?fields=${encodeURIComponent(fields!)}`, token);
      assert.equal(res.status, 400, fields);
      const e = await driveError(res);
      assert.equal(e.message, `Invalid field selection ${name}`);
      assert.equal(e.errors[0]?.reason, "invalidParameter");
      assert.equal(e.errors[0]?.location, "fields");
    }
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: pageSize 2 over 5 recordings pages through them exactly once", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const base = `q=${encodeURIComponent(AUDIO)}&pageSize=2&orderBy=createdTime`;
    const pages: string[][] = [];
    let pageToken: string | undefined;
    do {
      const res = await h.drive(
        `/files?${base}${pageToken ? `&pageToken=${pageToken}` : ""}`,
        token,
      );
      const body = await res.json();
      pages.push(body.files.map((f: { id: string }) => f.id));
      pageToken = body.nextPageToken;
      // A file arriving mid-listing neither shifts nor repeats what was already served.
      if (pages.length === 1) {
        await (await h.control("/gdrive/files", {
          folderId: "folderRecordings",
          id: "late",
          name: "late.m4a",
          durationSec: 5,
          createdTime: "2026-02-01T00:00:00Z",
        })).body?.cancel();
      }
    } while (pageToken);
    assert.deepEqual(pages, [["rec1", "rec2"], ["rec3", "rec4"], ["rec5"]]);

    const first = await (await h.drive(`/files?${base}`, token)).json();
    const reused = await h.drive(
      `/files?q=${
        encodeURIComponent("trashed = false")
      }&pageSize=2&pageToken=${first.nextPageToken}`,
      token,
    );
    assert.equal(reused.status, 400);
    assert.equal((await driveError(reused)).errors[0]?.location, "pageToken");

    for (const size of ["0", "1001", "two"]) {
      const res = await h.drive(`/files?pageSize=${size}`, token);
      assert.equal(res.status, 400, size);
      const e = await driveError(res);
      assert.equal(e.errors[0]?.location, "pageSize");
      if (size !== "two") {
        assert.equal(
          e.message,
          `Invalid value '${size}'. Values must be within the range: [1, 1000]`,
        );
      }
    }
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: orderBy sorts by createdTime, modifiedTime and name, with desc", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const list = (orderBy: string) =>
      h.drive(`/files?q=${encodeURIComponent(AUDIO)}&orderBy=${encodeURIComponent(orderBy)}`, token)
        .then(ids);
    assert.deepEqual(await list("createdTime desc"), ["rec5", "rec4", "rec3", "rec2", "rec1"]);
    assert.deepEqual(await list("modifiedTime desc"), ["rec5", "rec3", "rec4", "rec2", "rec1"]);
    // Case-insensitive; "2026-03-02_…" sorts before "20260304_…" ('-' < '0').
    assert.deepEqual(await list("name"), ["rec2", "rec4", "rec3", "rec1", "rec5"]);
    assert.deepEqual(await list("name desc"), ["rec5", "rec1", "rec3", "rec4", "rec2"]);
    // Folders first; equal createdTimes keep creation order.
    const calls = await h.drive(
      `/files?q=${encodeURIComponent("name contains 'call'")}&orderBy=folder,createdTime desc`,
      token,
    ).then(ids);
    assert.deepEqual(calls.slice(0, 3), ["folderRecordings", "rec3", "rec1"]);
    assert.equal(calls.length, 4);

    const bad = await h.drive(`/files?orderBy=size`, token);
    assert.equal(bad.status, 400);
    assert.equal((await driveError(bad)).errors[0]?.location, "orderBy");
    const fullText = await h.drive(
      `/files?q=${encodeURIComponent("fullText contains 'Smith'")}&orderBy=name`,
      token,
    );
    assert.equal(fullText.status, 400);
    assert.match(
      (await driveError(fullText)).message,
      /^Sorting is not supported for queries with fullText/,
    );
  } finally {
    await h.close();
  }
});
