/**
 * The one utterance shape we store (switchboard.call_transcripts.utterances), from either
 * transcript source: `{speaker, speaker_name, start_ms, end_ms, text}` in order, times in
 * milliseconds.
 *
 * - AssemblyAI utterances: `start`/`end` are already milliseconds; speakers "A", "B", ….
 * - OpenPhone's dialogue: `{content, start, end (seconds, floats), identifier (E.164), userId}`;
 *   speakers become "A", "B", … by first appearance of each identifier, and a line with a
 *   userId is our user.
 */
import { type SpeakerInfo, speakerLabel, type SpeakerRole } from "./speakers.ts";

export interface StoredUtterance {
  speaker: string;
  speaker_name: string;
  start_ms: number;
  end_ms: number;
  text: string;
}

export interface RawUtterance {
  speaker: string;
  start_ms: number;
  end_ms: number;
  text: string;
}

/** Labels in order of first speech. */
export function speakersInOrder(utterances: readonly RawUtterance[]): string[] {
  return [...new Set(utterances.map((u) => u.speaker))];
}

export function withNames(
  utterances: readonly RawUtterance[],
  speakers: Record<string, SpeakerInfo>,
): StoredUtterance[] {
  return utterances.map((u) => ({
    speaker: u.speaker,
    speaker_name: speakers[u.speaker]?.name ?? `Speaker ${u.speaker}`,
    start_ms: u.start_ms,
    end_ms: u.end_ms,
    text: u.text,
  }));
}

/** AssemblyAI's utterances (ms) → ours; empty texts are dropped. */
export function fromAssemblyAI(
  utterances: readonly { speaker: string; text: string; start: number; end: number }[],
): RawUtterance[] {
  return utterances
    .filter((u) => u.text.trim() !== "")
    .map((u) => ({
      speaker: u.speaker,
      start_ms: Math.round(u.start),
      end_ms: Math.round(Math.max(u.end, u.start)),
      text: u.text.trim(),
    }));
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * OpenPhone's dialogue → utterances plus each speaker's role (user when the line carries a
 * userId, otherwise contact). Lines without text are skipped; malformed lines too (the
 * dialogue is stored as the provider sent it, unvalidated).
 */
export function fromProviderDialogue(
  dialogue: readonly unknown[],
): { utterances: RawUtterance[]; roles: Map<string, SpeakerRole | null> } {
  const labels = new Map<string, string>();
  const roles = new Map<string, SpeakerRole | null>();
  const utterances: RawUtterance[] = [];
  for (const line of dialogue) {
    if (!line || typeof line !== "object") continue;
    const l = line as Record<string, unknown>;
    const text = str(l.content);
    const start = num(l.start);
    if (text === null || start === null) continue;
    const end = Math.max(num(l.end) ?? start, start);
    const userId = str(l.userId);
    const who = str(l.identifier) ?? (userId ? `user:${userId}` : "unknown");
    let label = labels.get(who);
    if (!label) {
      label = speakerLabel(labels.size);
      labels.set(who, label);
      roles.set(label, userId ? "user" : who === "unknown" ? null : "contact");
    }
    utterances.push({
      speaker: label,
      start_ms: Math.round(start * 1000),
      end_ms: Math.round(end * 1000),
      text,
    });
  }
  return { utterances, roles };
}
