/**
 * The structured summary of a call: a zod schema (→ OpenAI's strict JSON schema through the
 * SDK's `zodTextFormat`), with every field length-bounded so that the model's output, which is
 * untrusted, has a known maximum size before it reaches Notion. The category comes from the
 * operators' list (switchboard.call_policy.summary_categories), so the schema is built per run.
 */
import { z } from "zod";

/** Upper bounds of each field (characters, items). The sanitiser cuts to the same bounds. */
export const LIMITS = {
  title: 100,
  summary: 1000,
  keyPoint: 200,
  keyPoints: 6,
  actionText: 200,
  owner: 60,
  due: 60,
  actionItems: 8,
  followUpBy: 60,
  followUpReason: 200,
  topic: 40,
  topics: 6,
} as const;

export const SENTIMENTS = ["positive", "neutral", "negative", "mixed"] as const;

/** Category names operators may configure: short lowercase words (also checked in SQL). */
export const CATEGORY_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

export type Categories = readonly [string, ...string[]];

function buildSchema(categories: Categories) {
  return z.object({
    title: z.string().max(LIMITS.title).describe(
      "A short title for the call, at most eight words.",
    ),
    summary: z.string().max(LIMITS.summary).describe(
      "What the call was about and how it ended, in two to four plain sentences.",
    ),
    key_points: z.array(z.string().max(LIMITS.keyPoint)).max(LIMITS.keyPoints).describe(
      "The most important facts, decisions or requests, one per item.",
    ),
    action_items: z.array(z.object({
      text: z.string().max(LIMITS.actionText).describe("The task, as an imperative sentence."),
      owner: z.string().max(LIMITS.owner).nullable().describe(
        "Who will do it, only when the call names them; otherwise null.",
      ),
      due: z.string().max(LIMITS.due).nullable().describe(
        "When it is due, only when stated (a date as YYYY-MM-DD, or the phrase used); otherwise null.",
      ),
    })).max(LIMITS.actionItems),
    follow_up_needed: z.boolean().describe("Whether someone has to get back to the caller."),
    follow_up_by: z.string().max(LIMITS.followUpBy).nullable().describe(
      "By when the follow-up is due, only when stated; otherwise null.",
    ),
    follow_up_reason: z.string().max(LIMITS.followUpReason).nullable().describe(
      "What the follow-up is about; null when none is needed.",
    ),
    sentiment: z.enum(SENTIMENTS).describe("The caller's overall sentiment."),
    topics: z.array(z.string().max(LIMITS.topic)).max(LIMITS.topics).describe(
      "Short topic keywords.",
    ),
    category: z.enum(categories as unknown as [string, ...string[]]).describe(
      "The one category from the list that fits the call best.",
    ),
  });
}

export type CallSummarySchema = ReturnType<typeof buildSchema>;
export type CallSummary = z.infer<CallSummarySchema>;

export function callSummarySchema(categories: Categories): CallSummarySchema {
  return buildSchema(categories);
}

/** The keys of a summary, in order (what a summary row always has, and nothing else). */
export const SUMMARY_KEYS = [
  "title",
  "summary",
  "key_points",
  "action_items",
  "follow_up_needed",
  "follow_up_by",
  "follow_up_reason",
  "sentiment",
  "topics",
  "category",
] as const;

/** Validates an operator's category list (non-empty, unique, pattern) into the schema's tuple. */
export function categoriesOf(list: readonly string[]): Categories {
  const unique = [...new Set(list)];
  if (unique.length === 0 || !unique.every((c) => CATEGORY_PATTERN.test(c))) {
    throw new Error("summary categories must be 1+ short lowercase names");
  }
  return unique as unknown as Categories;
}

/**
 * The longest a rendered summary can be (JSON, characters): every field at its bound. The
 * map-reduce plan uses it to bound what partial summaries add to a combining request.
 */
export function maxSummaryJsonChars(categories: Categories): number {
  const s = (n: number) => "x".repeat(n);
  const longest = categories.reduce((a, b) => (b.length > a.length ? b : a));
  const max: CallSummary = {
    title: s(LIMITS.title),
    summary: s(LIMITS.summary),
    key_points: Array.from({ length: LIMITS.keyPoints }, () => s(LIMITS.keyPoint)),
    action_items: Array.from({ length: LIMITS.actionItems }, () => ({
      text: s(LIMITS.actionText),
      owner: s(LIMITS.owner),
      due: s(LIMITS.due),
    })),
    follow_up_needed: false,
    follow_up_by: s(LIMITS.followUpBy),
    follow_up_reason: s(LIMITS.followUpReason),
    sentiment: "negative",
    topics: Array.from({ length: LIMITS.topics }, () => s(LIMITS.topic)),
    category: longest,
  };
  return JSON.stringify(max).length;
}
