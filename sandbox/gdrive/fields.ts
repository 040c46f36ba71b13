/**
 * Partial responses (the `fields` system parameter): `nextPageToken, files(id, name)`,
 * `files/id`, `changes(fileId, file(id, parents))`, `*`. The selection is parsed into a tree,
 * checked against the resource's schema (an unknown name fails with Drive's 400 "Invalid field
 * selection <name>"), and applied to the full resource. What is not selected is not sent, so a
 * client that forgets `nextPageToken` in `fields` gets no next page, as with Drive.
 */
import { invalidFieldSelection } from "./errors.ts";

/** A parsed selection: a name maps to null (the whole value) or to a sub-selection. */
export type Selection = Map<string, Selection | null>;

/** "leaf": a scalar or an array of scalars; "object": any sub-selection is accepted. */
export type Schema = { readonly [key: string]: Schema | "leaf" | "object" };

class FieldsSyntaxError extends Error {}

function merge(into: Selection, key: string, sub: Selection | null): void {
  const existing = into.get(key);
  if (!into.has(key)) into.set(key, sub);
  else if (existing === null || sub === null) into.set(key, null);
  else for (const [k, v] of sub) merge(existing!, k, v);
}

/** Parses a `fields` value; throws Drive's error for a malformed one. */
export function parseFields(raw: string): Selection {
  let i = 0;
  const s = raw;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const name = (): string => {
    skip();
    const m = /^(\*|[A-Za-z_][A-Za-z0-9_.@-]*)/.exec(s.slice(i));
    if (!m) throw new FieldsSyntaxError(s.slice(i) || raw);
    i += m[0].length;
    return m[0];
  };
  const list = (depth: number): Selection => {
    const out: Selection = new Map();
    for (;;) {
      const path = [name()];
      skip();
      while (s[i] === "/") {
        i++;
        path.push(name());
        skip();
      }
      let sub: Selection | null = null;
      if (s[i] === "(") {
        i++;
        sub = list(depth + 1);
        skip();
        if (s[i] !== ")") throw new FieldsSyntaxError(raw);
        i++;
        skip();
      }
      // a/b/c(x) is a(b(c(x)))
      let value: Selection | null = sub;
      for (let k = path.length - 1; k > 0; k--) value = new Map([[path[k]!, value]]);
      merge(out, path[0]!, value);
      if (s[i] === ",") {
        i++;
        continue;
      }
      if (i >= s.length || (depth > 0 && s[i] === ")")) return out;
      throw new FieldsSyntaxError(raw);
    }
  };
  try {
    const sel = list(0);
    if (i < s.length) throw new FieldsSyntaxError(raw);
    return sel;
  } catch (e) {
    if (e instanceof FieldsSyntaxError) throw invalidFieldSelection(e.message.trim());
    throw e;
  }
}

/** Throws "Invalid field selection <name>" for the first name the schema does not know. */
export function validateSelection(sel: Selection, schema: Schema): void {
  for (const [key, sub] of sel) {
    if (key === "*") continue;
    const s = schema[key];
    if (s === undefined) throw invalidFieldSelection(key);
    if (sub === null || s === "object") continue;
    if (s === "leaf") throw invalidFieldSelection(key);
    validateSelection(sub, s);
  }
}

/** Keeps what `sel` names of `value` (arrays of objects are filtered element by element). */
export function applySelection(value: unknown, sel: Selection): unknown {
  if (Array.isArray(value)) return value.map((v) => applySelection(v, sel));
  if (!value || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const all = sel.get("*");
  if (sel.has("*") && all === null) return obj;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    if (!sel.has(key) && !sel.has("*")) continue;
    const sub = sel.has(key) ? sel.get(key)! : all!;
    if (obj[key] !== undefined) out[key] = sub === null ? obj[key] : applySelection(obj[key], sub);
  }
  return out;
}

/** The sub-selection at a path (e.g. ["files"]), or null when the whole value is selected. */
export function selectionAt(sel: Selection, path: readonly string[]): Selection | null | undefined {
  let cur: Selection | null = sel;
  for (const key of path) {
    if (cur === null) return null;
    const next: Selection | null | undefined = cur.has(key) ? cur.get(key) : cur.get("*");
    if (next === undefined) return cur.has("*") ? null : undefined;
    cur = next;
  }
  return cur;
}

/** Whether the selection reaches `field` of the resource at `path`. */
export function selects(sel: Selection, path: readonly string[], field: string): boolean {
  const at = selectionAt(sel, path);
  if (at === undefined) return false;
  return at === null || at.has(field) || at.has("*");
}

const FILE_LEAVES = [
  "kind",
  "id",
  "name",
  "mimeType",
  "description",
  "starred",
  "trashed",
  "explicitlyTrashed",
  "trashedTime",
  "parents",
  "properties",
  "appProperties",
  "spaces",
  "version",
  "webContentLink",
  "webViewLink",
  "iconLink",
  "hasThumbnail",
  "thumbnailLink",
  "thumbnailVersion",
  "viewedByMe",
  "viewedByMeTime",
  "createdTime",
  "modifiedTime",
  "modifiedByMeTime",
  "modifiedByMe",
  "sharedWithMeTime",
  "shared",
  "ownedByMe",
  "viewersCanCopyContent",
  "copyRequiresWriterPermission",
  "writersCanShare",
  "permissionIds",
  "hasAugmentedPermissions",
  "folderColorRgb",
  "originalFilename",
  "fullFileExtension",
  "fileExtension",
  "md5Checksum",
  "sha1Checksum",
  "sha256Checksum",
  "size",
  "quotaBytesUsed",
  "headRevisionId",
  "isAppAuthorized",
  "driveId",
  "teamDriveId",
  "resourceKey",
  "inheritedPermissionsDisabled",
] as const;

const FILE_OBJECTS = [
  "owners",
  "lastModifyingUser",
  "sharingUser",
  "trashingUser",
  "capabilities",
  "contentHints",
  "imageMediaMetadata",
  "videoMediaMetadata",
  "shortcutDetails",
  "contentRestrictions",
  "linkShareMetadata",
  "labelInfo",
  "exportLinks",
  "permissions",
  "downloadRestrictions",
] as const;

export const FILE_SCHEMA: Schema = Object.fromEntries([
  ...FILE_LEAVES.map((k) => [k, "leaf"] as const),
  ...FILE_OBJECTS.map((k) => [k, "object"] as const),
]);

export const FILE_LIST_SCHEMA: Schema = {
  kind: "leaf",
  nextPageToken: "leaf",
  incompleteSearch: "leaf",
  files: FILE_SCHEMA,
};

export const CHANGE_SCHEMA: Schema = {
  kind: "leaf",
  type: "leaf",
  changeType: "leaf",
  time: "leaf",
  removed: "leaf",
  fileId: "leaf",
  file: FILE_SCHEMA,
  driveId: "leaf",
  drive: "object",
  teamDriveId: "leaf",
  teamDrive: "object",
};

export const CHANGE_LIST_SCHEMA: Schema = {
  kind: "leaf",
  nextPageToken: "leaf",
  newStartPageToken: "leaf",
  changes: CHANGE_SCHEMA,
};

export const START_PAGE_TOKEN_SCHEMA: Schema = { kind: "leaf", startPageToken: "leaf" };

/** What Drive returns when `fields` is not given. */
export const DEFAULT_FIELDS = {
  file: "kind,id,name,mimeType",
  fileList: "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)",
  changeList:
    "kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,file(kind,id,name,mimeType))",
  startPageToken: "kind,startPageToken",
} as const;

/** The selection for a request: its `fields`, validated, or the method's default. */
export function selectionFor(raw: string | null, schema: Schema, fallback: string): Selection {
  const sel = parseFields(raw === null || raw.trim() === "" ? fallback : raw);
  validateSelection(sel, schema);
  return sel;
}
