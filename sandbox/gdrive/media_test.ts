/**
 * files.get: metadata with fields, 404s in Drive's words, and alt=media downloads (Range, the
 * audio's duration readable from its head, checksums that match the bytes, JSON sidecars).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseAudioHead } from "../core/audio.ts";
import { driveError, recordingsScenario, startDrive } from "./testkit.ts";

Deno.test("gdrive: files.get returns metadata, partial with fields, 404 for unknown ids", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const plain = await (await h.drive("/files/rec2", token)).json();
    assert.deepEqual(plain, {
      kind: "drive#file",
      id: "rec2",
      name: "2026-03-02_10-00-00_+15550100456_out.mp3",
      mimeType: "audio/mpeg",
    });

    const fields = "id,name,parents,createdTime,modifiedTime,size,md5Checksum,trashed,owners";
    const full = await (await h.drive(`/files/rec4?fields=${fields}`, token)).json();
    assert.deepEqual(Object.keys(full).sort(), fields.split(",").sort());
    assert.equal(full.name, "20260304_091500.000+0000_out_sim1_+15550100321_Bob Stone.oga");
    assert.equal(full.createdTime, "2026-03-04T09:17:00.000Z");
    assert.match(full.size, /^\d+$/);
    assert.equal(full.owners[0].kind, "drive#user");

    const folder = await (await h.drive("/files/folderRecordings?fields=*", token)).json();
    assert.equal(folder.mimeType, "application/vnd.google-apps.folder");
    assert.equal(folder.size, undefined);
    assert.equal(folder.md5Checksum, undefined);

    const missing = await h.drive("/files/nope123", token);
    assert.equal(missing.status, 404);
    assert.deepEqual(await driveError(missing), {
      code: 404,
      message: "File not found: nope123.",
      errors: [{
        message: "File not found: nope123.",
        domain: "global",
        reason: "notFound",
        location: "fileId",
        locationType: "parameter",
      }],
      status: "NOT_FOUND",
    });
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: alt=media streams a recording with Range and a readable duration", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const meta = await (await h.drive("/files/rec1?fields=size,md5Checksum,sha256Checksum", token))
      .json();
    const size = Number(meta.size);

    const whole = await h.drive("/files/rec1?alt=media", token);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-type"), "audio/x-m4a");
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.equal(Number(whole.headers.get("content-length")), size);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    assert.equal(bytes.length, size);
    assert.equal(createHash("md5").update(bytes).digest("hex"), meta.md5Checksum);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), meta.sha256Checksum);

    const head = await h.drive("/files/rec1?alt=media", token, {
      headers: { range: "bytes=0-4095" },
    });
    assert.equal(head.status, 206);
    assert.equal(head.headers.get("content-range"), `bytes 0-4095/${size}`);
    const parsed = parseAudioHead(new Uint8Array(await head.arrayBuffer()));
    assert.equal(parsed?.durationSec, 95);
    assert.ok(parsed?.script?.length);

    const tail = await h.drive("/files/rec1?alt=media", token, { headers: { range: "bytes=-10" } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get("content-range"), `bytes ${size - 10}-${size - 1}/${size}`);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.slice(size - 10));

    const beyond = await h.drive("/files/rec1?alt=media", token, {
      headers: { range: `bytes=${size}-` },
    });
    assert.equal(beyond.status, 416);
    await beyond.body?.cancel();
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: a JSON sidecar downloads as its JSON text; folders do not download", async () => {
  const h = startDrive();
  try {
    const seeded = await h.seed(recordingsScenario());
    const sidecar = seeded.folders[0]!.files[0]!.sidecar!;
    assert.equal(
      sidecar.name,
      "Call recording John Smith (+1 555-010-0123) 2026-03-01 14-05-22 incoming.json",
    );
    const token = await h.token();
    const res = await h.drive(`/files/${sidecar.id}?alt=media`, token);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), {
      direction: "incoming",
      number: "+15550100123",
      contactName: "John Smith",
      startTime: "2026-03-01T14:05:22Z",
      durationSec: 95,
    });
    const part = await h.drive(`/files/${sidecar.id}?alt=media`, token, {
      headers: { range: "bytes=0-0" },
    });
    assert.equal(part.status, 206);
    assert.equal(await part.text(), "{");

    const folder = await h.drive("/files/folderRecordings?alt=media", token);
    assert.equal(folder.status, 403);
    assert.equal((await driveError(folder)).errors[0]?.reason, "fileNotDownloadable");
  } finally {
    await h.close();
  }
});
