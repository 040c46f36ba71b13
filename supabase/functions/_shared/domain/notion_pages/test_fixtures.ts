/** Inputs shared by the page builder's tests (and the publisher's). */
import type { CallPageInput, CallPropertyMap, SummaryContent } from "./call_page.ts";
import type { Utterance } from "./transcript.ts";

export const DEFAULT_CALL_MAP: CallPropertyMap = {
  title: { name: "Name", type: "title" },
  call_id: { name: "Call ID", type: "rich_text" },
  direction: { name: "Direction", type: "select" },
  started: { name: "Started", type: "date" },
  duration: { name: "Duration (s)", type: "number" },
  from: { name: "From", type: "phone_number" },
  to: { name: "To", type: "phone_number" },
  contact: { name: "Contact", type: "relation" },
  source: { name: "Source", type: "select" },
  status: { name: "Status", type: "select" },
  recording: { name: "Recording", type: "url" },
  sentiment: { name: "Sentiment", type: "select" },
  category: { name: "Category", type: "select" },
  topics: { name: "Topics", type: "multi_select" },
  follow_up: { name: "Follow-up", type: "date" },
  follow_up_needed: { name: "Follow-up Needed", type: "checkbox" },
  cost: { name: "Cost (USD)", type: "number" },
  needs_review: { name: "Needs Review", type: "checkbox" },
  review_note: { name: "Review Note", type: "rich_text" },
};

export const SUMMARY: SummaryContent = {
  title: "Water heater installation moved",
  summary: "Sam asked to move the water heater installation to Tuesday; Dana agreed.",
  key_points: ["Installation moved to Tuesday morning", "Updated invoice requested"],
  action_items: [
    { text: "Send the confirmation email", owner: "Dana", due: "2026-12-01" },
    { text: "Include the updated invoice", owner: null, due: null },
  ],
  follow_up_needed: true,
  follow_up_by: "2026-12-01",
  follow_up_reason: "Confirm the new date",
  sentiment: "positive",
  topics: ["installation", "invoice, billing"],
  category: "scheduling",
};

export function utterancesOf(
  n: number,
  textOf: (i: number) => string = (i) => `Line ${i}.`,
): Utterance[] {
  return Array.from({ length: n }, (_, i) => ({
    speaker: i % 2 ? "B" : "A",
    speaker_name: i % 2 ? "Sam" : "Dana",
    start_ms: i * 4000,
    end_ms: i * 4000 + 3500,
    text: textOf(i),
  }));
}

export function callInput(over: Partial<CallPageInput> = {}): CallPageInput {
  return {
    call: {
      id: 7,
      source: "openphone",
      external_id: "AC123",
      direction: "incoming",
      from_number: "+15555550100",
      to_number: "+15555550199",
      participants: ["+15555550100"],
      started_at: "2026-11-29T14:05:00Z",
      duration_sec: 192,
      cost_usd: "0.012345",
      eligibility: { eligible: true, reason: "eligible" },
      dedupe: { status: "unique" },
    },
    contact: { status: "matched", page_id: "11111111-1111-4111-8111-111111111111", candidates: [] },
    transcript: {
      status: "completed",
      utterances: utterancesOf(8),
      metrics: {
        turns: 7,
        questions: 2,
        longest_monologue: { speaker: "A", duration_ms: 3500 },
        speakers: { A: { talk_share: 0.5 }, B: { talk_share: 0.5 } },
      },
    },
    summary: { status: "summarized", reason: null, summary: SUMMARY },
    recordingUrl: "https://example.supabase.co/functions/v1/recording?t=r1.abc",
    ...over,
  };
}
