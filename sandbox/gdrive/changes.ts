/**
 * The changes feed: changes.getStartPageToken and changes.list.
 *
 * Tokens are change numbers: the start token is the number the next change will get, and a
 * list call returns changes from its token on. `nextPageToken` appears while more changes
 * remain; `newStartPageToken` only on the last page, for the next poll. A token that is not a
 * number, or lies beyond the newest change (e.g. kept across a sandbox reset), is refused with
 * 400 Invalid Value (location pageToken): the caller must take a new start token.
 */
import { json } from "../core/json.ts";
import { invalidValue, requiredParameter } from "./errors.ts";
import {
  applySelection,
  CHANGE_LIST_SCHEMA,
  DEFAULT_FIELDS,
  selectionFor,
  START_PAGE_TOKEN_SCHEMA,
} from "./fields.ts";
import { visibleTo, wantsChecksums } from "./files.ts";
import type { Principal } from "./oauth.ts";
import { booleanParam, checkCorpus, pageSize, searchesDriveSpace } from "./params.ts";
import { fileResource } from "./resource.ts";
import { driveAccess } from "./scopes.ts";
import { audienceIncludes, type ChangeRecord, type DriveNode, type DriveStore } from "./state.ts";

export const CHANGES_LIST = "google.apps.drive.v3.DriveChanges.List";
export const CHANGES_START = "google.apps.drive.v3.DriveChanges.GetStartPageToken";

export function getStartPageToken(req: Request, store: DriveStore): Response {
  const params = new URL(req.url).searchParams;
  const sel = selectionFor(
    params.get("fields"),
    START_PAGE_TOKEN_SCHEMA,
    DEFAULT_FIELDS.startPageToken,
  );
  checkCorpus(params, "changes");
  return json(applySelection({
    kind: "drive#startPageToken",
    startPageToken: String(store.startPageToken()),
  }, sel));
}

export async function listChanges(
  req: Request,
  store: DriveStore,
  principal: Principal,
): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const raw = params.get("pageToken");
  if (raw === null || raw === "") throw requiredParameter("pageToken");
  const from = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(from >= 1 && from <= store.startPageToken())) throw invalidValue("pageToken");
  const size = pageSize(params);
  const includeRemoved = booleanParam(params, "includeRemoved", true);
  checkCorpus(params, "changes");
  const sel = selectionFor(params.get("fields"), CHANGE_LIST_SCHEMA, DEFAULT_FIELDS.changeList);

  const access = driveAccess(principal.scopes);
  const sees = (access === "content" || access === "metadata") && searchesDriveSpace(params);
  const picked: { rec: ChangeRecord; node: DriveNode | null }[] = [];
  let next: number | null = null;
  for (const rec of store.changes().slice(from - 1)) {
    if (!sees || !audienceIncludes(rec.audience, principal.email)) continue;
    const node = store.get(rec.fileId);
    const current = node && visibleTo(store, principal, node) ? node : null;
    if (!current && !includeRemoved) continue;
    if (picked.length === size) {
      next = rec.id;
      break;
    }
    picked.push({ rec, node: current });
  }

  const checksums = wantsChecksums(sel, ["changes", "file"]);
  const changes = await Promise.all(picked.map(async ({ rec, node }) => ({
    kind: "drive#change",
    type: "file",
    changeType: "file",
    time: new Date(rec.time).toISOString(),
    removed: node === null,
    fileId: rec.fileId,
    ...(node ? { file: await fileResource(node, store, { checksums }) } : {}),
  })));
  return json(applySelection({
    kind: "drive#changeList",
    ...(next !== null
      ? { nextPageToken: String(next) }
      : { newStartPageToken: String(store.startPageToken()) }),
    changes,
  }, sel));
}
