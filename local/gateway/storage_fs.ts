/**
 * The Storage emulation's disk layout. Under `root`:
 *
 *   buckets/<bucket id>.json             bucket definitions
 *   metadata/<bucket>/<key>~.json        one JSON record per object (what storage.objects holds)
 *   objects/<bucket>/<key>~<version>     the object's bytes, one file per upload
 *   tmp/                                 uploads in flight, renamed into place when complete
 *
 * `~` cannot occur in a valid key or bucket id (the server's key regex excludes it), so "a" and
 * "a/b" can coexist ("a~.json" is a file, "a/" a directory) and no user path can ever name a
 * metadata file. Bytes are written under a fresh version and the metadata record is replaced last:
 * the rename of the record is the commit, so a reader always finds bytes that match the record's
 * size and ETag, and an interrupted upload leaves nothing but a temp file.
 */
import { dirname } from "node:path";

export interface BucketRecord {
  id: string;
  name: string;
  owner: string | null;
  public: boolean;
  type: "STANDARD";
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: string;
  updated_at: string;
}

/** The `metadata` column of storage.objects, as storage-js's `FileMetadata` reads it. */
export interface ObjectMetadata {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
}

export interface ObjectRecord {
  id: string;
  bucket_id: string;
  name: string;
  version: string;
  owner: string | null;
  created_at: string;
  updated_at: string;
  last_accessed_at: string;
  metadata: ObjectMetadata;
  user_metadata: Record<string, unknown> | null;
}

/** What an upload contributes to a new record; the rest is filled in at commit. */
export interface NewObject {
  mimetype: string;
  cacheControl: string;
  size: number;
  eTag: string;
  owner: string | null;
  userMetadata: Record<string, unknown> | null;
}

// The server's isValidKey character set (ASCII word characters plus S3's "safe" punctuation).
const KEY_CHARS = /^[\w/!\-.*'() &$@=;:+,?]+$/;
const BUCKET_CHARS = /^[\w!\-.*'() &$@=;:+,?]+$/;
// Leaves room for "~" + a UUID inside the usual 255-byte file-name limit.
const MAX_SEGMENT = 200;

/**
 * Keys are relative paths of non-empty segments. Besides the server's character rules this
 * rejects ".", ".." and empty segments, which could otherwise walk out of the bucket's directory
 * or alias another key on disk; NUL, "\" and "%" are outside the character set anyway.
 */
export function isValidObjectKey(key: string): boolean {
  if (key.length > 1024 || !KEY_CHARS.test(key)) return false;
  return key.split("/").every((segment) =>
    segment !== "" && segment !== "." && segment !== ".." && segment.length <= MAX_SEGMENT
  );
}

/** storage-js's isValidBucketName, minus "." and "..", which would name directories on disk. */
export function isValidBucketId(id: string): boolean {
  return id.length > 0 && id.length <= 100 && id.trim() === id && BUCKET_CHARS.test(id) &&
    id !== "." && id !== "..";
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone, or a directory someone just filled: either way nothing to undo.
  }
}

export class StorageFs {
  readonly #root: string;
  readonly #locks = new Map<string, Promise<void>>();
  #ready: Promise<void> | null = null;

  constructor(root: string) {
    this.#root = root.replace(/\/+$/, "");
  }

  get tmpDir(): string {
    return `${this.#root}/tmp`;
  }

  /** Creates the top-level directories once and clears temp files a crash left behind. */
  init(): Promise<void> {
    this.#ready ??= (async () => {
      for (const dir of ["buckets", "metadata", "objects"]) {
        await Deno.mkdir(`${this.#root}/${dir}`, { recursive: true });
      }
      await Deno.remove(this.tmpDir, { recursive: true }).catch(() => {});
      await Deno.mkdir(this.tmpDir, { recursive: true });
    })().catch((error) => {
      this.#ready = null; // Let the next request try again (say, once the disk is writable).
      throw error;
    });
    return this.#ready;
  }

  #bucketPath(id: string): string {
    return `${this.#root}/buckets/${id}.json`;
  }

  #metaPath(bucket: string, key: string): string {
    return `${this.#root}/metadata/${bucket}/${key}~.json`;
  }

  #dataPath(bucket: string, key: string, version: string): string {
    return `${this.#root}/objects/${bucket}/${key}~${version}`;
  }

  async tempPath(prefix: string): Promise<string> {
    await this.init();
    return await Deno.makeTempFile({ dir: this.tmpDir, prefix });
  }

  /**
   * Moves a complete file into place. Another request may be pruning the (momentarily empty)
   * parent directory, so a vanished parent is recreated and the rename retried.
   */
  async #renameInto(from: string, to: string): Promise<void> {
    for (let attempt = 0;; attempt++) {
      await Deno.mkdir(dirname(to), { recursive: true });
      try {
        await Deno.rename(from, to);
        return;
      } catch (error) {
        if (!isNotFound(error) || attempt >= 4) throw error;
      }
    }
  }

  async #writeJsonAtomic(path: string, value: unknown): Promise<void> {
    const temp = await this.tempPath("json-");
    try {
      await Deno.writeTextFile(temp, JSON.stringify(value, null, 2) + "\n");
      await this.#renameInto(temp, path);
    } catch (error) {
      await removeQuietly(temp);
      throw error;
    }
  }

  /** Serialises work on the given names (sorted, so two multi-name callers cannot deadlock). */
  async #withLocks<T>(names: string[], work: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const name of [...new Set(names)].sort()) releases.push(await this.#lock(name));
      return await work();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  async #lock(name: string): Promise<() => void> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    let release = () => {};
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.#locks.set(name, tail);
    await previous;
    return () => {
      release();
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    };
  }

  // ---- buckets -------------------------------------------------------------------------------

  async listBuckets(): Promise<BucketRecord[]> {
    await this.init();
    const buckets: BucketRecord[] = [];
    for await (const entry of Deno.readDir(`${this.#root}/buckets`)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      const bucket = await readJson<BucketRecord>(`${this.#root}/buckets/${entry.name}`);
      if (bucket) buckets.push(bucket);
    }
    return buckets;
  }

  async getBucket(id: string): Promise<BucketRecord | null> {
    await this.init();
    return await readJson<BucketRecord>(this.#bucketPath(id));
  }

  /** Returns false when the id is taken; a hard link makes the check and the create one step. */
  async createBucket(bucket: BucketRecord): Promise<boolean> {
    const temp = await this.tempPath("bucket-");
    try {
      await Deno.writeTextFile(temp, JSON.stringify(bucket, null, 2) + "\n");
      await Deno.link(temp, this.#bucketPath(bucket.id));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    } finally {
      await removeQuietly(temp);
    }
  }

  async saveBucket(bucket: BucketRecord): Promise<void> {
    await this.#writeJsonAtomic(this.#bucketPath(bucket.id), bucket);
  }

  async deleteBucket(id: string): Promise<void> {
    await Deno.remove(this.#bucketPath(id));
    for (const tree of ["metadata", "objects"]) {
      await Deno.remove(`${this.#root}/${tree}/${id}`, { recursive: true }).catch(() => {});
    }
  }

  // ---- objects -------------------------------------------------------------------------------

  async getObject(bucket: string, key: string): Promise<ObjectRecord | null> {
    await this.init();
    return await readJson<ObjectRecord>(this.#metaPath(bucket, key));
  }

  /**
   * Opens an object's bytes together with the record that describes them. If an overwrite
   * removes the version between reading the record and opening the file, the record is read
   * again; once opened, the file stays readable even if it is unlinked.
   */
  async openObject(
    bucket: string,
    key: string,
  ): Promise<{ record: ObjectRecord; file: Deno.FsFile } | null> {
    for (let attempt = 0;; attempt++) {
      const record = await this.getObject(bucket, key);
      if (!record) return null;
      try {
        const file = await Deno.open(this.#dataPath(bucket, key, record.version), { read: true });
        return { record, file };
      } catch (error) {
        if (!isNotFound(error) || attempt >= 4) throw error;
      }
    }
  }

  /**
   * Makes a completely written temp file the object's content. Returns "exists" (and discards
   * the temp file) when the key is taken and `upsert` is false. An overwrite keeps the object's
   * id and creation time, as the server's upsert does.
   */
  async commitObject(
    bucket: string,
    key: string,
    tempFile: string,
    upload: NewObject,
    upsert: boolean,
  ): Promise<ObjectRecord | "exists"> {
    return await this.#withLocks([`${bucket}/${key}`], async () => {
      const existing = await this.getObject(bucket, key);
      if (existing && !upsert) {
        await removeQuietly(tempFile);
        return "exists";
      }
      const version = crypto.randomUUID();
      try {
        await this.#renameInto(tempFile, this.#dataPath(bucket, key, version));
      } catch (error) {
        await removeQuietly(tempFile);
        throw error;
      }
      const now = new Date().toISOString();
      const record: ObjectRecord = {
        id: existing?.id ?? crypto.randomUUID(),
        bucket_id: bucket,
        name: key,
        version,
        owner: upload.owner,
        created_at: existing?.created_at ?? now,
        updated_at: now,
        last_accessed_at: now,
        metadata: {
          eTag: upload.eTag,
          size: upload.size,
          mimetype: upload.mimetype,
          cacheControl: upload.cacheControl,
          lastModified: now,
          contentLength: upload.size,
          httpStatusCode: 200,
        },
        user_metadata: upload.userMetadata,
      };
      try {
        await this.#writeJsonAtomic(this.#metaPath(bucket, key), record);
      } catch (error) {
        await removeQuietly(this.#dataPath(bucket, key, version));
        throw error;
      }
      if (existing) await removeQuietly(this.#dataPath(bucket, key, existing.version));
      return record;
    });
  }

  /** Removes an object; returns its last record, or null if there was none. */
  async deleteObject(bucket: string, key: string): Promise<ObjectRecord | null> {
    return await this.#withLocks([`${bucket}/${key}`], async () => {
      const record = await this.getObject(bucket, key);
      if (!record) return null;
      // The record goes first: without it the object no longer exists, whatever is left.
      await Deno.remove(this.#metaPath(bucket, key));
      await removeQuietly(this.#dataPath(bucket, key, record.version));
      await this.#prune(bucket, key);
      return record;
    });
  }

  /** Renames an object (keeping its id and bytes); "exists" if the destination is taken. */
  async moveObject(
    from: { bucket: string; key: string },
    to: { bucket: string; key: string },
  ): Promise<ObjectRecord | "exists" | null> {
    const names = [`${from.bucket}/${from.key}`, `${to.bucket}/${to.key}`];
    return await this.#withLocks(names, async () => {
      const source = await this.getObject(from.bucket, from.key);
      if (!source) return null;
      if (names[0] === names[1]) return source;
      if (await this.getObject(to.bucket, to.key)) return "exists";
      const version = crypto.randomUUID();
      await this.#renameInto(
        this.#dataPath(from.bucket, from.key, source.version),
        this.#dataPath(to.bucket, to.key, version),
      );
      const now = new Date().toISOString();
      const moved: ObjectRecord = {
        ...source,
        bucket_id: to.bucket,
        name: to.key,
        version,
        updated_at: now,
        metadata: { ...source.metadata, lastModified: now },
      };
      await this.#writeJsonAtomic(this.#metaPath(to.bucket, to.key), moved);
      await Deno.remove(this.#metaPath(from.bucket, from.key));
      await this.#prune(from.bucket, from.key);
      return moved;
    });
  }

  /** Copies an object's bytes into a temp file, ready for `commitObject`. */
  async copyToTemp(
    bucket: string,
    key: string,
  ): Promise<{ record: ObjectRecord; temp: string } | null> {
    const opened = await this.openObject(bucket, key);
    if (!opened) return null;
    let temp: string | null = null;
    try {
      temp = await this.tempPath("copy-");
      const target = await Deno.open(temp, { write: true, truncate: true });
      await opened.file.readable.pipeTo(target.writable); // Closes both files.
      return { record: opened.record, temp };
    } catch (error) {
      try {
        opened.file.close();
      } catch {
        // pipeTo got far enough to close it.
      }
      if (temp) await removeQuietly(temp);
      throw error;
    }
  }

  /** Removes directories the object leaves empty, so that listings show no phantom folders. */
  async #prune(bucket: string, key: string): Promise<void> {
    const segments = key.split("/").slice(0, -1);
    for (let depth = segments.length; depth > 0; depth--) {
      const relative = segments.slice(0, depth).join("/");
      let removed = false;
      for (const tree of ["metadata", "objects"]) {
        try {
          await Deno.remove(`${this.#root}/${tree}/${bucket}/${relative}`);
          removed = true;
        } catch {
          // Not empty (or already gone): ancestors are not empty either.
        }
      }
      if (!removed) return;
    }
  }

  /**
   * One level of a bucket: the sub-folders and objects directly under `prefix`, which is "" or
   * a folder path ending in "/".
   */
  async listLevel(
    bucket: string,
    prefix: string,
  ): Promise<{ folders: string[]; objects: ObjectRecord[] }> {
    await this.init();
    const folders: string[] = [];
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(`${this.#root}/metadata/${bucket}/${prefix}`)) {
        if (entry.isDirectory) folders.push(entry.name);
        else if (entry.isFile && entry.name.endsWith("~.json")) names.push(entry.name.slice(0, -6));
      }
    } catch (error) {
      if (isNotFound(error) || error instanceof Deno.errors.NotADirectory) {
        return { folders: [], objects: [] };
      }
      throw error;
    }
    const records = await Promise.all(names.map((name) => this.getObject(bucket, prefix + name)));
    return { folders, objects: records.filter((record) => record !== null) };
  }

  /** Every key in a bucket, depth first. */
  async *walkKeys(bucket: string, prefix = ""): AsyncGenerator<string> {
    const level = await this.listLevel(bucket, prefix);
    for (const record of level.objects) yield record.name;
    for (const folder of level.folders) yield* this.walkKeys(bucket, `${prefix}${folder}/`);
  }

  async hasObjects(bucket: string): Promise<boolean> {
    for await (const _ of this.walkKeys(bucket)) return true;
    return false;
  }
}
