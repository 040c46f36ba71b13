/**
 * The Drive `File` resource as a service account with read access sees a file it does not own.
 * Numbers Drive types as int64 (size, quotaBytesUsed, version) are strings, as on the wire.
 * Checksums are computed from the bytes served, and only when the selection asks for them.
 */
import { contentChecksums, contentSize } from "./content.ts";
import type { Searchable } from "./query.ts";
import { type DriveNode, type DriveStore, FOLDER_MIME, makeId, type User } from "./state.ts";

const iso = (ms: number) => new Date(ms).toISOString();

function user(u: User): Record<string, unknown> {
  return {
    kind: "drive#user",
    displayName: u.displayName,
    me: false,
    permissionId: u.permissionId,
    emailAddress: u.emailAddress,
  };
}

/** Trailing extension-looking segments: "a.tar.gz" → tar.gz, "x.000+0000_in.oga" → oga. */
function extension(name: string): { full: string; last: string } | null {
  const parts = name.split(".").slice(1);
  const exts: string[] = [];
  for (let i = parts.length - 1; i >= 0 && /^[A-Za-z0-9]{1,10}$/.test(parts[i]!); i--) {
    exts.unshift(parts[i]!);
  }
  return exts.length ? { full: exts.join("."), last: exts[exts.length - 1]! } : null;
}

export async function fileResource(
  node: DriveNode,
  store: DriveStore,
  opts: { checksums: boolean },
): Promise<Record<string, unknown>> {
  const isFolder = node.mimeType === FOLDER_MIME;
  const r: Record<string, unknown> = {
    kind: "drive#file",
    id: node.id,
    name: node.name,
    mimeType: node.mimeType,
  };
  if (node.description !== null) r.description = node.description;
  Object.assign(r, {
    starred: node.starred,
    trashed: node.trashed,
    explicitlyTrashed: node.explicitlyTrashed,
  });
  if (node.trashedTime !== null) {
    r.trashedTime = iso(node.trashedTime);
    r.trashingUser = user(store.owner);
  }
  Object.assign(r, {
    parents: [...node.parents],
    spaces: ["drive"],
    version: String(node.version),
    webViewLink: isFolder
      ? `https://drive.google.com/drive/folders/${node.id}`
      : `https://drive.google.com/file/d/${node.id}/view?usp=drivesdk`,
    iconLink: `https://drive-thirdparty.googleusercontent.com/16/type/${node.mimeType}`,
    hasThumbnail: false,
    thumbnailVersion: "0",
    viewedByMe: false,
    createdTime: iso(node.createdTime),
    modifiedTime: iso(node.modifiedTime),
    modifiedByMe: false,
    owners: [{ ...user(store.owner) }],
    lastModifyingUser: user(store.owner),
    shared: true,
    ownedByMe: false,
    capabilities: {
      canAddChildren: false,
      canComment: false,
      canCopy: !isFolder,
      canDelete: false,
      canDownload: true,
      canEdit: false,
      canListChildren: isFolder,
      canModifyContent: false,
      canMoveItemWithinDrive: false,
      canReadRevisions: false,
      canRemoveChildren: false,
      canRename: false,
      canShare: false,
      canTrash: false,
      canUntrash: false,
    },
    viewersCanCopyContent: true,
    copyRequiresWriterPermission: false,
    writersCanShare: true,
  });
  if (isFolder || !node.content) {
    r.folderColorRgb = "#8f8f8f";
    r.quotaBytesUsed = "0";
    return r;
  }
  const size = contentSize(node.content);
  const ext = extension(node.name);
  r.webContentLink = `https://drive.google.com/uc?id=${node.id}&export=download`;
  r.originalFilename = node.name;
  if (ext) {
    r.fullFileExtension = ext.full;
    r.fileExtension = ext.last;
  }
  if (opts.checksums) {
    const sums = await contentChecksums(node.content);
    r.md5Checksum = sums.md5;
    r.sha1Checksum = sums.sha1;
    r.sha256Checksum = sums.sha256;
  }
  r.size = String(size);
  r.quotaBytesUsed = String(size);
  r.headRevisionId = makeId("0B", `rev:${node.id}`, 51);
  return r;
}

/** The view of a file the `q` evaluator reads, for one principal. */
export function searchable(node: DriveNode, store: DriveStore, email: string): Searchable {
  return {
    name: node.name,
    mimeType: node.mimeType,
    fullText: `${node.name} ${node.description ?? ""}`,
    createdTime: node.createdTime,
    modifiedTime: node.modifiedTime,
    viewedByMeTime: null,
    trashed: node.trashed,
    starred: node.starred,
    sharedWithMe: true,
    visibility: "limited",
    parents: node.parents,
    owners: [store.owner.emailAddress],
    writers: [],
    readers: [email],
  };
}
