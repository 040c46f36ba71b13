/**
 * Deterministic call audio for the sandbox: a WAV file (PCM, 16-bit, mono, 8 kHz) of a stated
 * duration that carries its own script in a `swbd` RIFF chunk before the samples. The fake
 * recording URLs, voicemails and Drive files serve it; the fake AssemblyAI reads the script
 * back out of whatever audio it fetches, so transcripts are derived from the audio and tests can
 * assert their content.
 *
 * Bytes are generated on the fly for any range, so a multi-hour, hundreds-of-megabytes file is
 * streamed with constant memory and supports HTTP Range.
 */

export interface ScriptLine {
  speaker: string;
  text: string;
  /** Seconds from the start. */
  start: number;
  end: number;
}

export interface AudioSpec {
  durationSec: number;
  script: ScriptLine[];
}

export const AUDIO_MIME = "audio/wav";
const SAMPLE_RATE = 8000;
const BYTES_PER_SECOND = SAMPLE_RATE * 2;
const SCRIPT_CHUNK = "swbd";

const enc = new TextEncoder();

/** One second of a quiet 440 Hz tone, repeated for the whole file. */
const SECOND = (() => {
  const buf = new Uint8Array(BYTES_PER_SECOND);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < SAMPLE_RATE; i++) {
    view.setInt16(i * 2, Math.round(Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE) * 2000), true);
  }
  return buf;
})();

function header(spec: AudioSpec): Uint8Array {
  let script = enc.encode(JSON.stringify({ script: spec.script }));
  if (script.length % 2 === 1) script = Uint8Array.from([...script, 0x20]); // RIFF chunks are even
  const dataLen = Math.round(spec.durationSec * SAMPLE_RATE) * 2;
  const size = 12 + 24 + 8 + script.length + 8;
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  const ascii = (off: number, s: string) => buf.set(enc.encode(s), off);
  ascii(0, "RIFF");
  v.setUint32(4, size - 8 + dataLen, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, SAMPLE_RATE, true);
  v.setUint32(28, BYTES_PER_SECOND, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, SCRIPT_CHUNK);
  v.setUint32(40, script.length, true);
  buf.set(script, 44);
  ascii(44 + script.length, "data");
  v.setUint32(48 + script.length, dataLen, true);
  return buf;
}

/** Total size in bytes of the file for `spec`. */
export function audioSize(spec: AudioSpec): number {
  return header(spec).length + Math.round(spec.durationSec * SAMPLE_RATE) * 2;
}

/** Streams bytes [start, end] (inclusive) of the file, 64 KiB at a time. */
export function audioStream(spec: AudioSpec, start = 0, end?: number): ReadableStream<Uint8Array> {
  const head = header(spec);
  const total = audioSize(spec);
  const last = Math.min(end ?? total - 1, total - 1);
  let pos = start;
  return new ReadableStream({
    pull(controller) {
      if (pos > last) {
        controller.close();
        return;
      }
      const n = Math.min(64 * 1024, last - pos + 1);
      const out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const p = pos + filled;
        if (p < head.length) {
          const take = Math.min(head.length - p, n - filled);
          out.set(head.subarray(p, p + take), filled);
          filled += take;
        } else {
          const o = (p - head.length) % BYTES_PER_SECOND;
          const take = Math.min(BYTES_PER_SECOND - o, n - filled);
          out.set(SECOND.subarray(o, o + take), filled);
          filled += take;
        }
      }
      pos += n;
      controller.enqueue(out);
    },
  }, { highWaterMark: 0 });
}

/**
 * An HTTP response for the file, honouring `Range: bytes=a-b | a- | -n` (206, or 416 when
 * unsatisfiable), with Content-Length and Accept-Ranges.
 */
export function audioResponse(req: Request, spec: AudioSpec, mime = AUDIO_MIME): Response {
  const total = audioSize(spec);
  const range = req.headers.get("range");
  const base = { "content-type": mime, "accept-ranges": "bytes" };
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] || m[2])) {
      let start: number;
      let end: number;
      if (!m[1]) {
        start = Math.max(0, total - Number(m[2]));
        end = total - 1;
      } else {
        start = Number(m[1]);
        end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
      }
      if (start >= total || start > end) {
        return new Response(null, {
          status: 416,
          headers: { ...base, "content-range": `bytes */${total}` },
        });
      }
      const body = req.method === "HEAD" ? null : audioStream(spec, start, end);
      return new Response(body, {
        status: 206,
        headers: {
          ...base,
          "content-length": String(end - start + 1),
          "content-range": `bytes ${start}-${end}/${total}`,
        },
      });
    }
  }
  const body = req.method === "HEAD" ? null : audioStream(spec);
  return new Response(body, { status: 200, headers: { ...base, "content-length": String(total) } });
}

export interface ParsedAudio {
  durationSec: number;
  script: ScriptLine[] | null;
}

/**
 * Reads duration and script from the start of a WAV file (the first few KiB are enough).
 * Returns null for anything that is not a PCM WAV file.
 */
export function parseAudioHead(head: Uint8Array): ParsedAudio | null {
  if (head.length < 12) return null;
  const dec = new TextDecoder();
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (dec.decode(head.subarray(0, 4)) !== "RIFF" || dec.decode(head.subarray(8, 12)) !== "WAVE") {
    return null;
  }
  let off = 12;
  let byteRate = 0;
  let script: ScriptLine[] | null = null;
  while (off + 8 <= head.length) {
    const id = dec.decode(head.subarray(off, off + 4));
    const len = v.getUint32(off + 4, true);
    if (id === "fmt " && off + 20 <= head.length) byteRate = v.getUint32(off + 16, true);
    if (id === SCRIPT_CHUNK && off + 8 + len <= head.length) {
      try {
        script = (JSON.parse(dec.decode(head.subarray(off + 8, off + 8 + len))) as {
          script: ScriptLine[];
        }).script;
      } catch {
        script = null;
      }
    }
    if (id === "data") {
      return byteRate > 0 ? { durationSec: len / byteRate, script } : null;
    }
    off += 8 + len + (len % 2);
  }
  return null;
}

const PHRASES = [
  "Hi, thanks for calling, how can I help you today?",
  "I wanted to follow up on the quote you sent last week.",
  "Sure, let me pull that up for you.",
  "Can we move the installation to next Tuesday morning?",
  "Tuesday works. I will send a confirmation email this afternoon.",
  "Please also include the updated invoice.",
  "Of course. Is there anything else I can help with?",
  "No, that covers it. Thanks for your help.",
  "You are welcome, have a great day.",
  "I left a message about the delivery window.",
  "Could you call me back before five today?",
  "The replacement part arrived and everything works now.",
];

/** A deterministic two-speaker script for a call, spread over its duration. */
export function scriptFor(seed: string, durationSec: number): ScriptLine[] {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const lines = Math.max(1, Math.min(PHRASES.length, Math.floor(durationSec / 5)));
  const step = durationSec / lines;
  return Array.from({ length: lines }, (_, i) => ({
    speaker: i % 2 === 0 ? "A" : "B",
    text: PHRASES[(h + i) % PHRASES.length]!,
    start: Math.round(i * step * 1000) / 1000,
    end: Math.round((i + 1) * step * 1000) / 1000,
  }));
}
