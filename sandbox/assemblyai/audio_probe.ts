/**
 * Reads audio with bounded memory. Uploads and downloaded `audio_url`s can be hundreds of MB;
 * the fake keeps only the head of the file (enough for the WAV header and its `swbd` script
 * chunk) and counts the rest, which is all it needs for duration and text.
 */
import { parseAudioHead, type ScriptLine } from "../core/audio.ts";

/** More than any script chunk the sandbox writes; a WAV whose header runs past it is refused. */
export const HEAD_CAP = 4 * 1024 * 1024;

/** The first bytes of a file (≤ HEAD_CAP) and its total size. */
export interface AudioSample {
  head: Uint8Array;
  size: number;
}

/** Accumulates a stream's head and size; stops buffering once the WAV header is complete. */
export class HeadCollector {
  #parts: Uint8Array[] = [];
  #held = 0;
  #done = false;
  size = 0;

  push(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.#done) return;
    const take = Math.min(chunk.length, HEAD_CAP - this.#held);
    if (take > 0) {
      this.#parts.push(chunk.slice(0, take));
      this.#held += take;
    }
    // Stop keeping bytes as soon as the header is known to be complete (or is not a WAV at all).
    const head = this.#joined();
    if (this.#held >= HEAD_CAP || (head.length >= 12 && !isWav(head)) || wavLayout(head)) {
      this.#done = true;
    }
  }

  sample(): AudioSample {
    return { head: this.#joined(), size: this.size };
  }

  #joined(): Uint8Array {
    if (this.#parts.length === 1) return this.#parts[0]!;
    const out = new Uint8Array(this.#held);
    let off = 0;
    for (const p of this.#parts) {
      out.set(p, off);
      off += p.length;
    }
    this.#parts = [out];
    return out;
  }
}

export type AudioAnalysis =
  | { kind: "audio"; durationSec: number; script: ScriptLine[] }
  /** Not audio at all: AssemblyAI's "Transcoding failed" error. */
  | { kind: "not-audio"; fileType: string }
  /** Real audio in a format only the real service can decode. */
  | { kind: "undecodable"; fileType: string };

/** Duration (from the bytes actually present) and script of a sample. */
export function analyzeAudio(sample: AudioSample): AudioAnalysis {
  const { head, size } = sample;
  if (isWav(head)) {
    const layout = wavLayout(head);
    const parsed = parseAudioHead(head);
    if (!layout || !parsed) {
      return {
        kind: "undecodable",
        fileType: "audio/x-wav (RIFF (little-endian) data, WAVE audio)",
      };
    }
    // A truncated file holds less audio than its header declares; transcribe what is there.
    const present = Math.max(0, Math.min(layout.dataLen, size - layout.dataOffset));
    return { kind: "audio", durationSec: present / layout.byteRate, script: parsed.script ?? [] };
  }
  const other = sniff(head);
  return other.audio
    ? { kind: "undecodable", fileType: other.fileType }
    : { kind: "not-audio", fileType: other.fileType };
}

function isWav(head: Uint8Array): boolean {
  return head.length >= 12 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WAVE";
}

interface WavLayout {
  byteRate: number;
  dataOffset: number;
  dataLen: number;
}

/** Where the samples start and how many bytes they declare; null until the header is complete. */
function wavLayout(head: Uint8Array): WavLayout | null {
  if (!isWav(head)) return null;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= head.length) {
    const id = ascii(head, off, off + 4);
    const len = v.getUint32(off + 4, true);
    if (id === "fmt " && off + 20 <= head.length) byteRate = v.getUint32(off + 16, true);
    if (id === "data") {
      return byteRate > 0 ? { byteRate, dataOffset: off + 8, dataLen: len } : null;
    }
    off += 8 + len + (len % 2);
  }
  return null;
}

/**
 * A libmagic-style "mime (description)", which is how AssemblyAI names what it got instead of
 * audio ("text/html (HTML document, ASCII text)", "application/octet-stream (data)").
 */
function sniff(head: Uint8Array): { fileType: string; audio: boolean } {
  if (head.length === 0) return { fileType: "application/x-empty (empty)", audio: false };
  const start = ascii(head, 0, Math.min(head.length, 512)).trimStart();
  const lower = start.toLowerCase();
  if (start.startsWith("ID3") || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) {
    return { fileType: "audio/mpeg (Audio file with ID3)", audio: true };
  }
  if (start.startsWith("OggS")) return { fileType: "audio/ogg (Ogg data)", audio: true };
  if (start.startsWith("fLaC")) return { fileType: "audio/flac (FLAC audio)", audio: true };
  if (ascii(head, 4, 8) === "ftyp") return { fileType: "video/mp4 (ISO Media)", audio: true };
  if (lower.startsWith("<!doctype html") || lower.startsWith("<html")) {
    return { fileType: "text/html (HTML document, ASCII text)", audio: false };
  }
  if (lower.startsWith("<?xml")) {
    return { fileType: "text/xml (XML 1.0 document, ASCII text)", audio: false };
  }
  if (start.startsWith("%PDF")) return { fileType: "application/pdf (PDF document)", audio: false };
  if ((start.startsWith("{") || start.startsWith("[")) && isPrintable(head)) {
    return { fileType: "application/json (JSON text data)", audio: false };
  }
  if (isPrintable(head)) return { fileType: "text/plain (ASCII text)", audio: false };
  return { fileType: "application/octet-stream (data)", audio: false };
}

function isPrintable(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = head[i]!;
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c > 0x7e) return false;
  }
  return true;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < Math.min(to, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}
