/**
 * The "speech recognition": turns the script embedded in the audio into AssemblyAI's words and
 * utterances. Everything is derived deterministically from the script and the audio duration,
 * so tests can predict the text exactly:
 *
 * - `text` is the script lines joined by single spaces (after the punctuate/format_text rules);
 * - each line's words are spread over the line's time span in proportion to their length, in
 *   milliseconds, and cut off where the audio ends (a truncated file loses its tail);
 * - speakers become "A", "B", … in order of first appearance; consecutive lines of one speaker
 *   form one utterance (utterances exist only with speaker_labels);
 * - confidences are a stable hash of the word and its position, between 0.85 and 0.99999.
 */
import type { ScriptLine } from "../core/audio.ts";
import type { CreateParams } from "./validation.ts";

export interface Word {
  text: string;
  start: number;
  end: number;
  confidence: number;
  speaker: string | null;
  channel: null;
}

export interface Utterance {
  speaker: string;
  text: string;
  start: number;
  end: number;
  confidence: number;
  words: Word[];
  channel: null;
}

export interface Recognition {
  text: string;
  words: Word[];
  utterances: Utterance[] | null;
  confidence: number | null;
}

export function recognize(
  script: ScriptLine[],
  durationSec: number,
  params: Pick<
    CreateParams,
    "speaker_labels" | "punctuate" | "format_text" | "audio_start_from" | "audio_end_at"
  >,
): Recognition {
  const labels = speakerLabels(script);
  const endMs = Math.round(durationSec * 1000);
  const from = params.audio_start_from ?? 0;
  const to = Math.min(params.audio_end_at ?? endMs, endMs);

  const lines: { speaker: string; words: Word[] }[] = [];
  let index = 0;
  for (const line of script) {
    const words = timeWords(line)
      .filter((w) => w.start >= from && w.start < to)
      .map((w) => ({
        text: shape(w.text, params),
        start: w.start,
        end: Math.min(w.end, to),
        confidence: confidenceOf(w.text, index++),
        speaker: params.speaker_labels ? labels.get(line.speaker)! : null,
        channel: null,
      }))
      .filter((w) => w.text.length > 0);
    if (words.length) lines.push({ speaker: labels.get(line.speaker)!, words });
  }

  const words = lines.flatMap((l) => l.words);
  return {
    text: words.map((w) => w.text).join(" "),
    words,
    utterances: params.speaker_labels ? toUtterances(lines) : null,
    confidence: words.length ? mean(words.map((w) => w.confidence)) : null,
  };
}

/** "A", "B", … "Z", "AA", … by first appearance, as the diarization model labels speakers. */
function speakerLabels(script: ScriptLine[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of script) {
    if (map.has(line.speaker)) continue;
    let n = map.size;
    let label = "";
    do {
      label = String.fromCharCode(65 + (n % 26)) + label;
      n = Math.floor(n / 26) - 1;
    } while (n >= 0);
    map.set(line.speaker, label);
  }
  return map;
}

function timeWords(line: ScriptLine): { text: string; start: number; end: number }[] {
  const tokens = line.text.split(/\s+/).filter(Boolean);
  const start = Math.round(line.start * 1000);
  const span = Math.max(tokens.length, Math.round(line.end * 1000) - start);
  const total = tokens.reduce((n, t) => n + t.length + 1, 0);
  let cursor = 0;
  return tokens.map((text) => {
    const s = start + Math.floor((cursor / total) * span);
    cursor += text.length + 1;
    const e = start + Math.floor(((cursor - 1) / total) * span);
    return { text, start: s, end: Math.max(e, s + 1) };
  });
}

/** punctuate=false drops punctuation, format_text=false drops casing (the two model options). */
function shape(text: string, p: { punctuate: boolean; format_text: boolean }): string {
  let t = text;
  if (!p.punctuate) t = t.replace(/[.,?!;:]/g, "");
  if (!p.format_text) t = t.toLowerCase();
  return t;
}

function toUtterances(lines: { speaker: string; words: Word[] }[]): Utterance[] {
  const out: Utterance[] = [];
  for (const line of lines) {
    const last = out.at(-1);
    if (last && last.speaker === line.speaker) {
      last.words.push(...line.words);
    } else {
      out.push({
        speaker: line.speaker,
        text: "",
        start: 0,
        end: 0,
        confidence: 0,
        words: [...line.words],
        channel: null,
      });
    }
  }
  for (const u of out) {
    u.text = u.words.map((w) => w.text).join(" ");
    u.start = u.words[0]!.start;
    u.end = u.words.at(-1)!.end;
    u.confidence = mean(u.words.map((w) => w.confidence));
  }
  return out;
}

function confidenceOf(word: string, index: number): number {
  let h = 2166136261;
  for (const ch of `${index}:${word}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Math.round((0.85 + (h % 14999) / 100000) * 100000) / 100000;
}

function mean(xs: number[]): number {
  return Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100000) / 100000;
}
