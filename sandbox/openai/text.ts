/**
 * Reads the conversation the fake "model" answers: sentences (with the speaker when the text is
 * a labelled transcript), ranked keywords, an extractive ranking of sentences, action items
 * (commitments, requests and imperatives rewritten as tasks), questions, a lexicon sentiment and
 * the entities a schema may ask for. Everything is a pure function of the text, so the same
 * input always yields the same answer.
 */
export interface Sentence {
  text: string;
  speaker: string | null;
  index: number;
  score: number;
}

export interface Analysis {
  text: string;
  sentences: Sentence[];
  /** Sentences by extractive score, best first (ties: earlier first). */
  ranked: Sentence[];
  keywords: string[];
  actions: { text: string; sentence: Sentence }[];
  questions: Sentence[];
  speakers: string[];
  sentiment: { positive: number; negative: number; score: number };
  urgent: boolean;
  emails: string[];
  phones: string[];
  urls: string[];
  isoDates: string[];
  numbers: number[];
}

const STOPWORDS = new Set(
  ("a about above after again against all am an and any are as at be because been before being " +
    "below between both but by can could did do does doing down during each few for from further " +
    "had has have having he her here hers herself him himself his how i if in into is it its " +
    "itself just me more most my myself no nor not now of off on once only or other our ours " +
    "ourselves out over own same she should so some such than that the their theirs them " +
    "themselves then there these they this those through to too under until up very was we were " +
    "what when where which while who whom why will with would you your yours yourself " +
    "yourselves i'm i'll i've i'd you're you'll we'll we're it's that's there's don't can't " +
    "won't didn't isn't let's hi hello hey thanks thank okay ok yes yeah yep sure please " +
    "well also really just like get got go going want wanted know think one two see make " +
    "anything everything something nothing else us let may might must shall much many call " +
    "calling help today").split(/\s+/),
);

const POSITIVE = new Set(
  ("thanks thank great good excellent perfect happy glad appreciate appreciated wonderful " +
    "awesome love works working resolved helpful pleased fantastic nice welcome fine " +
    "satisfied easy quick fixed").split(/\s+/),
);
const NEGATIVE = new Set(
  ("problem problems issue issues broken angry upset late delay delayed cancel cancelled " +
    "complaint complain frustrated frustrating bad wrong error errors fail failed failing " +
    "refund disappointed terrible awful unhappy poor worse worst damaged missing never " +
    "unacceptable annoyed overcharged").split(/\s+/),
);
const URGENT =
  /\b(urgent|urgently|asap|as soon as possible|immediately|emergency|right away|critical)\b/i;

/** Verbs that open an imperative sentence or a task. */
const VERBS = new Set(
  ("send call email schedule book follow review update include confirm check prepare share " +
    "move order ship pay fix contact remind set create submit arrange reply sign deliver " +
    "install text finalize draft organize cancel refund replace return renew upgrade provide " +
    "forward approve research investigate reach reschedule invoice quote bring pick mail " +
    "add remove ask tell notify file process complete finish").split(/\s+/),
);

const SPEAKER =
  /^\s*(?:\[[\d:.\s]+\]\s*)?([A-Z][\w.'-]*(?: [A-Z0-9][\w.'-]*){0,2})\s*(?:\([\d:.]+\))?:\s+(.+)$/;

export function words(s: string): string[] {
  return (s.toLowerCase().match(/[a-z0-9][a-z0-9'’-]*/g) ?? []).map((w) =>
    w.replace(/’/g, "'").replace(/'s$/, "")
  );
}

export const contentWords = (s: string): string[] =>
  words(s).filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w));

function splitSentences(text: string): { text: string; speaker: string | null }[] {
  const out: { text: string; speaker: string | null }[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const m = SPEAKER.exec(rawLine);
    const speaker = m ? m[1]! : null;
    const line = (m ? m[2]! : rawLine).trim();
    if (!line) continue;
    for (const piece of line.split(/(?<=[.!?])\s+(?=["'(\[]?[A-Z0-9])/)) {
      const t = piece.trim();
      if (t.length > 1) out.push({ text: t, speaker });
    }
  }
  return out;
}

export function analyze(text: string): Analysis {
  const raw = splitSentences(text);
  const freq = new Map<string, number>();
  const first = new Map<string, number>();
  raw.forEach((s, i) => {
    for (const w of contentWords(s.text)) {
      freq.set(w, (freq.get(w) ?? 0) + 1);
      if (!first.has(w)) first.set(w, i);
    }
  });
  const keywords = [...freq.keys()].sort((a, b) =>
    freq.get(b)! - freq.get(a)! || first.get(a)! - first.get(b)! || (a < b ? -1 : 1)
  );

  const sentences: Sentence[] = raw.map((s, index) => {
    const cw = contentWords(s.text);
    const sum = cw.reduce((n, w) => n + (freq.get(w) ?? 0), 0);
    const n = words(s.text).length;
    // Density of strong keywords, with very short sentences ("Tuesday works.") held back.
    return { ...s, index, score: (sum / Math.sqrt(n + 1)) * (n < 4 ? 0.5 : 1) };
  });
  const ranked = [...sentences].sort((a, b) => b.score - a.score || a.index - b.index);

  const actions: Analysis["actions"] = [];
  for (const s of sentences) {
    const a = actionOf(s.text);
    if (a && !actions.some((x) => x.text.toLowerCase() === a.toLowerCase())) {
      actions.push({ text: a, sentence: s });
    }
  }

  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    text,
    sentences,
    ranked,
    keywords,
    actions,
    questions: sentences.filter((s) => s.text.endsWith("?")),
    speakers: uniq(sentences.map((s) => s.speaker).filter((s): s is string => s !== null)),
    sentiment: sentimentOf(text),
    urgent: URGENT.test(text),
    emails: uniq(text.match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g) ?? []),
    phones: uniq((text.match(/\+?\d[\d ().-]{7,}\d/g) ?? []).map((p) => p.trim())),
    urls: uniq(text.match(/https?:\/\/[^\s)"'>]+/g) ?? []),
    isoDates: uniq(text.match(/\b\d{4}-\d{2}-\d{2}\b/g) ?? []),
    numbers: (text.match(/(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)/g) ?? []).map(Number),
  };
}

/** Lexicon sentiment: positive and negative word counts ("not working" counts as negative). */
export function sentimentOf(text: string): Analysis["sentiment"] {
  let positive = 0;
  let negative = 0;
  for (const w of words(text)) {
    if (POSITIVE.has(w)) positive++;
    if (NEGATIVE.has(w)) negative++;
  }
  // A negated positive word counts against, not for.
  const negated = (text.match(/\bnot (?:working|happy|good|fixed|resolved)\b/gi) ?? []).length;
  positive -= negated;
  negative += negated;
  return { positive, negative, score: positive - negative };
}

const LEAD_FILLER =
  /^(?:(?:ok(?:ay)?|so|and|also|then|alright|great|sure|yes|right|of course)[,.]?\s+)+/i;
const COMMITMENT =
  /^(?:i|we)\s*(?:will|'ll|’ll|am going to|are going to|need to|have to|should|must)\s+(.+)$/i;
const REQUEST = /^(?:can|could|would|will)\s+(?:you|we)\s+(?:please\s+)?(.+)$/i;
const CUE =
  /^(?:please|let's|let us|make sure to|make sure you|remember to|don't forget to)\s+(.+)$/i;

/** The task a sentence asks for or commits to, phrased as an imperative; null when none. */
export function actionOf(sentence: string): string | null {
  const s = sentence.replace(LEAD_FILLER, "").trim();
  let task: string | null = null;
  for (const re of [COMMITMENT, REQUEST, CUE]) {
    const m = re.exec(s);
    if (m) {
      task = m[1]!;
      break;
    }
  }
  if (task === null && VERBS.has(words(s)[0] ?? "")) task = s;
  if (task === null) return null;
  task = task.replace(/^(?:also|just|kindly|please)\s+/i, "").replace(/[\s.?!]+$/, "");
  const head = words(task)[0] ?? "";
  if (!VERBS.has(head)) return null;
  return task.charAt(0).toUpperCase() + task.slice(1);
}

/** Urgency and time words a due date or deadline may be read from. */
export const TIME_PHRASE = new RegExp(
  "\\b(?:(?:by|before|after|on|until|next|this|last)\\s+)?(?:(?:next|this)\\s+)?" +
    "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|tonight|" +
    "week|month|morning|afternoon|evening|noon|end of (?:the )?(?:day|week|month)|" +
    "\\d{1,2}(?::\\d{2})?\\s*(?:am|pm)|five|six|seven|eight|nine|ten|eleven|twelve)" +
    "(?:\\s+(?:morning|afternoon|evening|night))?\\b",
  "i",
);
