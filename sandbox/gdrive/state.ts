/**
 * The fake Drive's state: one owner's files and folders, who they are shared with, and the
 * change log behind the changes feed.
 *
 * Every create, move, rename, trash/untrash and delete appends a change. Like Drive's feed, a
 * change names a file and a time, not a diff: whoever lists changes gets the file's state as it
 * is now, or `removed: true` once it is gone or out of their reach. Each change remembers who
 * could see the file before and after it, so a file moved out of a shared folder still reaches
 * the service account that lost it, as a removal.
 *
 * Time always comes from the caller (the sandbox clock); ids are deterministic.
 */
import type { Content } from "./content.ts";

export const FOLDER_MIME = "application/vnd.google-apps.folder";

/** Sharing: explicit email addresses, or "*" for every principal the sandbox knows. */
export type Audience = ReadonlySet<string>;
const ANYONE = "*";

export interface User {
  displayName: string;
  emailAddress: string;
  permissionId: string;
}

export interface DriveNode {
  id: string;
  /** Creation order: the final tie-breaker wherever Drive's order is unspecified. */
  seq: number;
  name: string;
  mimeType: string;
  parents: string[];
  createdTime: number;
  modifiedTime: number;
  trashed: boolean;
  explicitlyTrashed: boolean;
  trashedTime: number | null;
  starred: boolean;
  description: string | null;
  /** Bumped by every change to the file. */
  version: number;
  /** Principals this node is shared with directly (descendants inherit). */
  sharedWith: Set<string>;
  content: Content | null;
}

export interface ChangeRecord {
  id: number;
  fileId: string;
  time: number;
  /** Who could see the file just before or just after the change. */
  audience: Set<string>;
}

export class StateError extends Error {}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A Drive-looking id (33 characters, URL-safe), deterministic in its inputs. */
export function makeId(prefix: string, seed: string, length = 33): string {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  let out = prefix;
  while (out.length < length) {
    // xorshift32: cheap, deterministic, good enough to look random
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    h >>>= 0;
    out += ID_ALPHABET[h % 64];
  }
  return out;
}

export class DriveStore {
  readonly owner: User = {
    displayName: "Switchboard Recorder",
    emailAddress: "recorder@switchboard.example",
    permissionId: "09381947264612859140",
  };
  /** The owner's My Drive root: the parent of top-level folders, never visible to others. */
  readonly rootId = makeId("0A", "root", 19);

  #nodes = new Map<string, DriveNode>();
  #changes: ChangeRecord[] = [];
  #seq = 0;

  get(id: string): DriveNode | undefined {
    return this.#nodes.get(id);
  }

  nodes(): DriveNode[] {
    return [...this.#nodes.values()];
  }

  changes(): readonly ChangeRecord[] {
    return this.#changes;
  }

  /** The token for "changes from now on": the id the next change will get. */
  startPageToken(): number {
    return this.#changes.length + 1;
  }

  setOwner(owner: Partial<User>): void {
    Object.assign(this.owner, owner);
  }

  nextId(kind: "file" | "folder"): string {
    let n = this.#seq + 1;
    let id = makeId("1", `${kind}:${n}`);
    while (this.#nodes.has(id)) id = makeId("1", `${kind}:${++n}`);
    return id;
  }

  /** Who can see `node`: the union of the shares on it and on every ancestor. */
  audienceOf(node: DriveNode): Set<string> {
    const out = new Set<string>();
    const seen = new Set<string>();
    const queue = [node];
    while (queue.length) {
      const n = queue.pop()!;
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      for (const e of n.sharedWith) out.add(e);
      for (const p of n.parents) {
        const parent = this.#nodes.get(p);
        if (parent) queue.push(parent);
      }
    }
    return out;
  }

  canSee(node: DriveNode, email: string): boolean {
    const audience = this.audienceOf(node);
    return audience.has(ANYONE) || audience.has(email);
  }

  create(input: {
    id?: string;
    name: string;
    mimeType: string;
    parentId: string | null;
    createdTime: number;
    modifiedTime?: number;
    sharedWith?: readonly string[] | null;
    content: Content | null;
    description?: string | null;
    starred?: boolean;
  }, now: number): DriveNode {
    const isFolder = input.mimeType === FOLDER_MIME;
    const id = input.id ?? this.nextId(isFolder ? "folder" : "file");
    if (this.#nodes.has(id)) throw new StateError(`A file with id "${id}" already exists`);
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new StateError(`Invalid file id "${id}"`);
    if (isFolder !== (input.content === null)) {
      throw new StateError(`"${input.name}": folders have no content and files need content`);
    }
    if (input.parentId !== null) this.#folder(input.parentId);
    if (input.parentId === null && !isFolder) {
      throw new StateError(`"${input.name}": a file needs a parent folder`);
    }
    const node: DriveNode = {
      id,
      seq: ++this.#seq,
      name: input.name,
      mimeType: input.mimeType,
      parents: [input.parentId ?? this.rootId],
      createdTime: input.createdTime,
      modifiedTime: input.modifiedTime ?? input.createdTime,
      trashed: false,
      explicitlyTrashed: false,
      trashedTime: null,
      starred: input.starred ?? false,
      description: input.description ?? null,
      version: 1,
      // A top-level folder without explicit shares is shared with every principal.
      sharedWith: new Set(input.sharedWith ?? (input.parentId === null ? [ANYONE] : [])),
      content: input.content,
    };
    this.#nodes.set(id, node);
    this.#record(node, new Set(), now);
    return node;
  }

  /** Moves a file into a folder. Like Drive, a move leaves createdTime and modifiedTime alone. */
  move(id: string, folderId: string, now: number, keepOtherParents = false): DriveNode {
    const node = this.#existing(id);
    const folder = this.#folder(folderId);
    for (let n: DriveNode | undefined = folder; n; n = this.#nodes.get(n.parents[0] ?? "")) {
      if (n.id === node.id) throw new StateError(`Moving "${id}" into "${folderId}" makes a cycle`);
    }
    const before = this.audienceOf(node);
    node.parents = keepOtherParents ? [...new Set([...node.parents, folderId])] : [folderId];
    node.version++;
    this.#record(node, before, now);
    return node;
  }

  /** Renaming is a metadata edit by the owner: modifiedTime moves with it. */
  rename(id: string, name: string, now: number): DriveNode {
    const node = this.#existing(id);
    const before = this.audienceOf(node);
    node.name = name;
    node.modifiedTime = now;
    node.version++;
    this.#record(node, before, now);
    return node;
  }

  /**
   * Trashing a folder trashes everything in it (explicitlyTrashed only on the folder itself);
   * restoring it restores what it took along. One change per affected file.
   */
  setTrashed(id: string, trashed: boolean, now: number): DriveNode {
    const node = this.#existing(id);
    if (trashed && node.explicitlyTrashed) return node;
    if (!trashed && !node.trashed) return node;
    for (const n of [node, ...this.#descendants(node)]) {
      // Children trashed on their own keep their own state either way.
      if (n !== node && (trashed ? n.trashed : n.explicitlyTrashed || !n.trashed)) continue;
      const before = this.audienceOf(n);
      n.trashed = trashed;
      n.explicitlyTrashed = trashed && n === node;
      n.trashedTime = trashed ? now : null;
      n.version++;
      this.#record(n, before, now);
    }
    return node;
  }

  /** Permanent deletion, with everything under a folder. */
  delete(id: string, now: number): string[] {
    const node = this.#existing(id);
    const gone = [node, ...this.#descendants(node)];
    const audiences = gone.map((n) => this.audienceOf(n));
    gone.forEach((n, i) => {
      this.#nodes.delete(n.id);
      this.#changes.push({
        id: this.#changes.length + 1,
        fileId: n.id,
        time: now,
        audience: audiences[i]!,
      });
    });
    return gone.map((n) => n.id);
  }

  reset(): void {
    this.#nodes.clear();
    this.#changes = [];
    this.#seq = 0;
  }

  #descendants(node: DriveNode): DriveNode[] {
    const out: DriveNode[] = [];
    const walk = (parentId: string) => {
      for (const n of this.#nodes.values()) {
        if (n.parents.includes(parentId) && !out.includes(n)) {
          out.push(n);
          walk(n.id);
        }
      }
    };
    walk(node.id);
    return out;
  }

  #existing(id: string): DriveNode {
    const node = this.#nodes.get(id);
    if (!node) throw new StateError(`No file "${id}"`);
    return node;
  }

  #folder(id: string): DriveNode {
    const node = this.#existing(id);
    if (node.mimeType !== FOLDER_MIME) throw new StateError(`"${id}" is not a folder`);
    return node;
  }

  #record(node: DriveNode, before: Set<string>, now: number): void {
    this.#changes.push({
      id: this.#changes.length + 1,
      fileId: node.id,
      time: now,
      audience: new Set([...before, ...this.audienceOf(node)]),
    });
  }
}

export function audienceIncludes(audience: Audience, email: string): boolean {
  return audience.has(ANYONE) || audience.has(email);
}
