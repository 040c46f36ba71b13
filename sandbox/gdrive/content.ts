/**
 * File contents. Recordings are generated audio (core/audio.ts: deterministic WAV streamed in
 * constant memory, its script embedded); sidecars and notes are small byte strings. Both are
 * served with HTTP Range, and both have real checksums (md5/sha1/sha256 of the bytes served),
 * computed once, on first request, by streaming the content through the hashes.
 */
import { createHash } from "node:crypto";
import { audioResponse, audioSize, type AudioSpec, audioStream } from "../core/audio.ts";

export type Content =
  | { kind: "audio"; spec: AudioSpec }
  | { kind: "bytes"; bytes: Uint8Array };

export interface Checksums {
  md5: string;
  sha1: string;
  sha256: string;
}

export function contentSize(c: Content): number {
  return c.kind === "audio" ? audioSize(c.spec) : c.bytes.length;
}

function contentStream(c: Content): ReadableStream<Uint8Array> {
  if (c.kind === "audio") return audioStream(c.spec);
  const bytes = c.bytes;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

const checksums = new WeakMap<Content, Promise<Checksums>>();

export function contentChecksums(c: Content): Promise<Checksums> {
  let pending = checksums.get(c);
  if (!pending) {
    pending = (async () => {
      const md5 = createHash("md5");
      const sha1 = createHash("sha1");
      const sha256 = createHash("sha256");
      for await (const chunk of contentStream(c)) {
        md5.update(chunk);
        sha1.update(chunk);
        sha256.update(chunk);
      }
      return { md5: md5.digest("hex"), sha1: sha1.digest("hex"), sha256: sha256.digest("hex") };
    })();
    checksums.set(c, pending);
  }
  return pending;
}

/** `alt=media`: the bytes, honouring `Range: bytes=a-b | a- | -n` like core/audio.ts does. */
export function mediaResponse(req: Request, c: Content, mimeType: string): Response {
  if (c.kind === "audio") return audioResponse(req, c.spec, mimeType);
  const total = c.bytes.length;
  const base = { "content-type": mimeType, "accept-ranges": "bytes" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.get("range")?.trim() ?? "");
  if (m && (m[1] || m[2])) {
    const start = m[1] ? Number(m[1]) : Math.max(0, total - Number(m[2]));
    const end = m[1] && m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
    if (start >= total || start > end) {
      return new Response(null, {
        status: 416,
        headers: { ...base, "content-range": `bytes */${total}` },
      });
    }
    return new Response(req.method === "HEAD" ? null : c.bytes.slice(start, end + 1), {
      status: 206,
      headers: {
        ...base,
        "content-length": String(end - start + 1),
        "content-range": `bytes ${start}-${end}/${total}`,
      },
    });
  }
  return new Response(req.method === "HEAD" ? null : c.bytes.slice(), {
    status: 200,
    headers: { ...base, "content-length": String(total) },
  });
}
