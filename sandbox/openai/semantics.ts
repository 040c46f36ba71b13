/**
 * What a schema field asks for, read from its property name and description: a summary, a
 * title, action items, keywords, a sentiment … The generator fills each kind from the
 * corresponding part of the text analysis.
 */
export type Kind =
  | "actions"
  | "questions"
  | "keywords"
  | "sentiment"
  | "summary"
  | "title"
  | "email"
  | "phone"
  | "url"
  | "date"
  | "person"
  | "reason"
  | "language"
  | "count"
  | "score"
  | "duration"
  | "points"
  | "generic";

/** Checked in order: the first kind whose words appear in the field's name wins. */
const RULES: [Kind, RegExp][] = [
  [
    "actions",
    /\b(action|actions|task|tasks|todo|todos|to do|next steps?|follow ups?|followups?|commitments?)\b/,
  ],
  ["questions", /\b(questions?|asks?|queries)\b/],
  ["sentiment", /\b(sentiment|tone|mood|emotion|feeling)\b/],
  ["duration", /\b(duration|seconds|minutes|length secs?)\b/],
  ["count", /\b(count|number of|num|total|how many)\b/],
  ["score", /\b(score|confidence|probability|rating|likelihood)\b/],
  ["keywords", /\b(keywords?|tags?|topics|themes|labels|entities)\b/],
  ["summary", /\b(summary|summaries|overview|abstract|synopsis|recap|gist|description|details?)\b/],
  ["title", /\b(title|headline|subject|topic|name of call|heading)\b/],
  ["email", /\b(email|e mail)\b/],
  ["phone", /\b(phone|telephone|mobile|number)\b/],
  ["url", /\b(url|link|website|href)\b/],
  ["date", /\b(date|time|when|deadline|due|by when|timestamp|scheduled)\b/],
  [
    "person",
    /\b(owner|assignee|assigned|speaker|person|who|caller|customer|contact|participant|participants|agent|name)\b/,
  ],
  ["reason", /\b(reason|purpose|intent|why|motivation|goal|request)\b/],
  ["language", /\b(language|locale|lang)\b/],
  ["points", /\b(points?|highlights?|decisions?|notes?|insights?|takeaways?|issues?|bullets?)\b/],
];

/** "actionItems", "action_items", "Action-Items" → "action items". */
export function nameWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_\-.]+/g, " ")
    .toLowerCase()
    .trim();
}

export function kindOf(name: string, description?: unknown): Kind {
  const fromName = match(nameWords(name));
  if (fromName !== "generic") return fromName;
  return typeof description === "string" ? match(description.toLowerCase()) : "generic";
}

function match(text: string): Kind {
  for (const [kind, re] of RULES) if (re.test(text)) return kind;
  return "generic";
}
