/**
 * Conversation metrics from a diarized transcript, computed from its utterances alone (no vendor
 * call, no cost): who talked how much, the longest stretch one speaker held the floor, and how
 * many questions each speaker asked.
 *
 * - Talk time is the sum of each speaker's utterance spans (end − start); overlapping speech
 *   counts for both speakers. Shares are of the total talk time, rounded to 3 decimals.
 * - A monologue is a run of consecutive utterances by one speaker (a provider transcript may
 *   split one turn into several lines); its length is from the run's first start to its last
 *   end.
 * - A question is a sentence ending in "?" (the transcripts are punctuated: AssemblyAI's
 *   `punctuate` is on by default and OpenPhone's dialogue is punctuated).
 */
export interface TimedUtterance {
  speaker: string;
  start_ms: number;
  end_ms: number;
  text: string;
}

export interface SpeakerMetrics {
  talk_ms: number;
  /** Of the total talk time, 0–1. */
  talk_share: number;
  utterances: number;
  questions: number;
}

export interface ConversationMetrics {
  speaker_count: number;
  total_talk_ms: number;
  /** Speaker changes. */
  turns: number;
  questions: number;
  longest_monologue:
    | { speaker: string; start_ms: number; end_ms: number; duration_ms: number }
    | null;
  speakers: Record<string, SpeakerMetrics>;
}

/** Sentences ending in a question mark (runs like "?!" or "??" count once). */
export function countQuestions(text: string): number {
  return (text.match(/\?+[!?]*(?=\s|$|["'”’)\]])/g) ?? []).length;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function conversationMetrics(utterances: readonly TimedUtterance[]): ConversationMetrics {
  const speakers: Record<string, SpeakerMetrics> = {};
  let total = 0;
  let turns = 0;
  let longest: ConversationMetrics["longest_monologue"] = null;
  let run: { speaker: string; start_ms: number; end_ms: number } | null = null;
  const closeRun = () => {
    if (!run) return;
    const duration = Math.max(0, run.end_ms - run.start_ms);
    if (!longest || duration > longest.duration_ms) longest = { ...run, duration_ms: duration };
  };

  for (const u of utterances) {
    const span = Math.max(0, u.end_ms - u.start_ms);
    const s = speakers[u.speaker] ??= { talk_ms: 0, talk_share: 0, utterances: 0, questions: 0 };
    s.talk_ms += span;
    s.utterances += 1;
    s.questions += countQuestions(u.text);
    total += span;
    if (run && run.speaker === u.speaker) {
      run.end_ms = Math.max(run.end_ms, u.end_ms);
    } else {
      if (run) turns += 1;
      closeRun();
      run = { speaker: u.speaker, start_ms: u.start_ms, end_ms: u.end_ms };
    }
  }
  closeRun();

  let questions = 0;
  for (const s of Object.values(speakers)) {
    s.talk_share = total > 0 ? round3(s.talk_ms / total) : 0;
    questions += s.questions;
  }
  return {
    speaker_count: Object.keys(speakers).length,
    total_talk_ms: total,
    turns,
    questions,
    longest_monologue: longest,
    speakers,
  };
}
