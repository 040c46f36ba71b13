/**
 * One discovery pass over the recordings folder. The first pass lists the folder (files created
 * in the lookback window) after taking a changes start token, so nothing that changes during
 * the listing is missed; later passes follow the changes feed from the stored token. Each
 * audio file becomes one call (`merge_call('drive', …)` dedupes by file id), with its sidecar
 * when there is one. The cursor is saved after every page, so a pass cut short resumes.
 */
import type { CountryCode } from "libphonenumber-js";
import { type DriveClient, type DriveFile, driveQuote } from "../_shared/adapters/gdrive/client.ts";
import { driveFileToCall, isRecordingFile } from "../_shared/domain/recordings/drive_call.ts";
import { baseName } from "../_shared/domain/recordings/recording_name.ts";
import { parseSidecar } from "../_shared/domain/recordings/sidecar.ts";
import type { Logger } from "../_shared/platform/log.ts";

/** Where discovery is: listing the folder (first pass) or following the changes feed. */
export type DriveCursor =
  | { phase: "listing"; startPageToken: string; pageToken?: string }
  | { phase: "changes"; pageToken: string };

export interface DiscoverStore {
  loadCursor(folderId: string): Promise<DriveCursor | null>;
  saveCursor(folderId: string, cursor: DriveCursor): Promise<void>;
  mergeCall(
    call: Record<string, unknown>,
    version: string,
  ): Promise<{ callId: number; inserted: boolean }>;
}

export interface DiscoverDeps {
  drive: DriveClient;
  store: DiscoverStore;
  folderId: string;
  timeZone: string;
  defaultCountry: CountryCode;
  lookbackDays: number;
  budgetMs: number;
  now: () => number;
  log: Logger;
}

export interface DiscoverReport {
  phase: DriveCursor["phase"];
  pages: number;
  files: number;
  inserted: number;
  /** True when the pass reached the end of the listing or feed. */
  caughtUp: boolean;
}

export async function discover(deps: DiscoverDeps): Promise<DiscoverReport> {
  const started = deps.now();
  const folder = driveQuote(deps.folderId);
  let cursor = await deps.store.loadCursor(deps.folderId);
  if (!cursor) {
    cursor = { phase: "listing", startPageToken: await deps.drive.startPageToken() };
    await deps.store.saveCursor(deps.folderId, cursor);
  }
  const report: DiscoverReport = {
    phase: cursor.phase,
    pages: 0,
    files: 0,
    inserted: 0,
    caughtUp: false,
  };
  const outOfTime = () => deps.now() - started >= deps.budgetMs;

  async function ingest(file: DriveFile): Promise<void> {
    let recording = file;
    let sidecarFile: DriveFile | null = null;
    if (!isRecordingFile(file)) {
      // A sidecar that arrives after its recording: ingest the recording again with it.
      if (!file.name.toLowerCase().endsWith(".json")) return;
      const stem = baseName(file.name);
      const siblings = await deps.drive.listFiles(
        `${folder} in parents and trashed = false and name contains ${driveQuote(stem)}`,
      );
      const audio = siblings.files.find((f) => isRecordingFile(f) && baseName(f.name) === stem);
      if (!audio) return;
      recording = audio;
      sidecarFile = file;
    } else {
      const candidates = await deps.drive.listFiles(
        `${folder} in parents and trashed = false and name = ${
          driveQuote(`${baseName(file.name)}.json`)
        }`,
      );
      sidecarFile = candidates.files[0] ?? null;
    }
    const info = sidecarFile ? parseSidecar(await deps.drive.downloadText(sidecarFile.id)) : null;
    const call = driveFileToCall(recording, {
      folderId: deps.folderId,
      timeZone: deps.timeZone,
      defaultCountry: deps.defaultCountry,
      sidecar: sidecarFile && info ? { fileId: sidecarFile.id, info } : null,
    });
    // The newest of the two files versions the merge, so a later sidecar or rename wins.
    const version = [recording.modifiedTime, sidecarFile?.modifiedTime, recording.createdTime]
      .filter((t): t is string => Boolean(t)).sort().at(-1) ?? new Date(deps.now()).toISOString();
    const { callId, inserted } = await deps.store.mergeCall(call, version);
    report.files++;
    if (inserted) report.inserted++;
    deps.log.info("Recording ingested", { file_id: recording.id, call_id: callId, inserted });
  }

  if (cursor.phase === "listing") {
    const since = new Date(deps.now() - deps.lookbackDays * 86_400_000).toISOString();
    const q = `${folder} in parents and trashed = false and createdTime > ${driveQuote(since)}`;
    let pageToken = cursor.pageToken;
    while (!outOfTime()) {
      const page = await deps.drive.listFiles(q, pageToken);
      report.pages++;
      for (const f of page.files) if (isRecordingFile(f)) await ingest(f);
      if (!page.nextPageToken) {
        cursor = { phase: "changes", pageToken: cursor.startPageToken };
        await deps.store.saveCursor(deps.folderId, cursor);
        report.caughtUp = true;
        break;
      }
      pageToken = page.nextPageToken;
      await deps.store.saveCursor(deps.folderId, { ...cursor, pageToken });
    }
    return report;
  }

  let pageToken = cursor.pageToken;
  while (!outOfTime()) {
    const page = await deps.drive.changes(pageToken);
    report.pages++;
    for (const change of page.changes) {
      const f = change.file;
      if (change.removed || !f || f.trashed || !(f.parents ?? []).includes(deps.folderId)) continue;
      await ingest(f);
    }
    if (page.newStartPageToken) {
      // Only the last page carries it: the feed is caught up.
      await deps.store.saveCursor(deps.folderId, {
        phase: "changes",
        pageToken: page.newStartPageToken,
      });
      report.caughtUp = true;
      break;
    }
    if (!page.nextPageToken) break;
    pageToken = page.nextPageToken;
    await deps.store.saveCursor(deps.folderId, { phase: "changes", pageToken });
  }
  return report;
}
