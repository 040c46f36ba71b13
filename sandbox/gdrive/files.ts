/**
 * files.list and files.get (metadata, and `alt=media` downloads with Range).
 *
 * What a principal sees: files in folders shared with it (directly or through an ancestor),
 * provided its token carries a scope that reads all accessible files. drive.file and the other
 * narrow scopes see none of them, exactly as in production, where the app created none of the
 * recordings. Trashed files are listed unless the query says `trashed = false`.
 */
import { json } from "../core/json.ts";
import { contentSize, mediaResponse } from "./content.ts";
import { fileNotFound, insufficientScopes, invalidValue, notDownloadable } from "./errors.ts";
import {
  applySelection,
  DEFAULT_FIELDS,
  FILE_LIST_SCHEMA,
  FILE_SCHEMA,
  type Selection,
  selectionFor,
  selects,
} from "./fields.ts";
import type { Principal } from "./oauth.ts";
import { compareKeys, pageTokenFor, parseOrderBy, resumeAfter, sortKey } from "./order.ts";
import { booleanParam, checkCorpus, pageSize, searchesDriveSpace } from "./params.ts";
import { matches, parseQuery, usesFullText } from "./query.ts";
import { fileResource, searchable } from "./resource.ts";
import { driveAccess } from "./scopes.ts";
import { type DriveNode, type DriveStore, FOLDER_MIME } from "./state.ts";

export const FILES_LIST = "google.apps.drive.v3.DriveFiles.List";
export const FILES_GET = "google.apps.drive.v3.DriveFiles.Get";

const CHECKSUM_FIELDS = ["md5Checksum", "sha1Checksum", "sha256Checksum"];

export function wantsChecksums(sel: Selection, path: readonly string[]): boolean {
  return CHECKSUM_FIELDS.some((f) => selects(sel, path, f));
}

/** Whether `principal` may see `node` at all (404 File not found otherwise). */
export function visibleTo(store: DriveStore, principal: Principal, node: DriveNode): boolean {
  const access = driveAccess(principal.scopes);
  return (access === "content" || access === "metadata") && store.canSee(node, principal.email);
}

export async function listFiles(
  req: Request,
  store: DriveStore,
  principal: Principal,
): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const sel = selectionFor(params.get("fields"), FILE_LIST_SCHEMA, DEFAULT_FIELDS.fileList);
  const size = pageSize(params);
  checkCorpus(params, "files");
  const q = params.get("q") ?? "";
  const expr = q.trim() ? parseQuery(q) : null;
  const order = parseOrderBy(params.get("orderBy"), expr !== null && usesFullText(expr));
  const bind = [q, params.get("orderBy") ?? "", params.get("spaces") ?? "", principal.email];
  const token = params.get("pageToken");
  const after = token ? resumeAfter(token, bind, order) : null;

  const candidates = searchesDriveSpace(params)
    ? store.nodes().filter((n) => visibleTo(store, principal, n))
    : [];
  const sorted = candidates
    .filter((n) => !expr || matches(expr, searchable(n, store, principal.email)))
    .map((n) => ({ n, k: sortKey(n, order, () => n.content ? contentSize(n.content) : 0) }))
    .sort((a, b) => compareKeys(a.k, b.k, order));
  const rest = after ? sorted.filter((e) => compareKeys(e.k, after, order) > 0) : sorted;
  const page = rest.slice(0, size);
  const last = page[page.length - 1];

  const checksums = wantsChecksums(sel, ["files"]);
  const files = await Promise.all(page.map((e) => fileResource(e.n, store, { checksums })));
  return json(applySelection({
    kind: "drive#fileList",
    ...(rest.length > size && last ? { nextPageToken: pageTokenFor(last.k, bind) } : {}),
    incompleteSearch: false,
    files,
  }, sel));
}

export async function getFile(
  req: Request,
  store: DriveStore,
  principal: Principal,
  fileId: string,
): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const alt = params.get("alt") ?? "json";
  if (alt !== "json" && alt !== "media") throw invalidValue("alt");
  booleanParam(params, "acknowledgeAbuse", false);
  booleanParam(params, "supportsAllDrives", false);
  booleanParam(params, "supportsTeamDrives", false);
  const node = store.get(fileId);
  if (!node || !visibleTo(store, principal, node)) throw fileNotFound(fileId);

  if (alt === "media") {
    if (driveAccess(principal.scopes) !== "content") throw insufficientScopes(FILES_GET);
    if (node.mimeType === FOLDER_MIME || !node.content) throw notDownloadable();
    return mediaResponse(req, node.content, node.mimeType);
  }
  const sel = selectionFor(params.get("fields"), FILE_SCHEMA, DEFAULT_FIELDS.file);
  const file = await fileResource(node, store, { checksums: wantsChecksums(sel, []) });
  return json(applySelection(file, sel));
}
