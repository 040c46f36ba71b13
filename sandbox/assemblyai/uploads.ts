/**
 * `POST /v2/upload` storage. Real upload URLs live on cdn.assemblyai.com and are readable only by
 * AssemblyAI's own workers, so the fake hands out URLs under its base path and resolves them
 * internally when a transcript names one; nothing is served to outside callers. Only the head of
 * each file is kept (see audio_probe.ts), so uploading hundreds of MB costs a few KiB.
 */
import { type AudioSample, HeadCollector } from "./audio_probe.ts";

export const UPLOAD_PATH = "/assemblyai/upload/";

export interface StoredUpload extends AudioSample {
  id: string;
  url: string;
  createdAt: number;
}

export type IngestResult =
  | { ok: true; upload: StoredUpload }
  | { ok: false; reason: "too-large" | "aborted" };

export class UploadStore {
  #uploads = new Map<string, StoredUpload>();

  async ingest(
    body: ReadableStream<Uint8Array> | null,
    opts: { baseUrl: string; now: number; maxBytes: number },
  ): Promise<IngestResult> {
    const collector = new HeadCollector();
    if (body) {
      const reader = body.getReader();
      try {
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          collector.push(value);
          if (collector.size > opts.maxBytes) {
            await reader.cancel();
            return { ok: false, reason: "too-large" };
          }
        }
      } catch {
        return { ok: false, reason: "aborted" };
      }
    }
    const id = crypto.randomUUID();
    const upload = {
      id,
      url: `${opts.baseUrl}${UPLOAD_PATH}${id}`,
      createdAt: opts.now,
      ...collector.sample(),
    };
    this.#uploads.set(id, upload);
    return { ok: true, upload };
  }

  /** The upload an `audio_url` names, undefined for a foreign URL, null for an unknown upload. */
  resolve(audioUrl: string, baseUrl: string): StoredUpload | null | undefined {
    const prefix = `${baseUrl}${UPLOAD_PATH}`;
    if (!audioUrl.startsWith(prefix)) return undefined;
    return this.#uploads.get(audioUrl.slice(prefix.length)) ?? null;
  }

  list(): { id: string; url: string; bytes: number; createdAt: number }[] {
    return [...this.#uploads.values()].map((u) => ({
      id: u.id,
      url: u.url,
      bytes: u.size,
      createdAt: u.createdAt,
    }));
  }

  clear(): void {
    this.#uploads.clear();
  }
}
