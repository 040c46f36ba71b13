/**
 * The demo's day at a small design-and-build studio, as data: who the contacts are, which calls,
 * voicemails and texts happen, how each one reaches Switchboard (a signed webhook, the backfill,
 * Google Drive) and what should come of it. Pure: everything is derived from `now`, so the demo
 * and its test build the same day.
 */

export const OUR_NUMBER = "+14155550100";
export const PHONE_NUMBER_ID = "PNdemoMainLine";
export const USER_ID = "USdemoDana";

/** A contact page seeded in the sandbox's Notion (the Contacts database the set-up creates). */
export interface DemoContact {
  name: string;
  phone: string;
  company?: string;
  email?: string;
  otherPhones?: string;
}

export const CONTACTS: DemoContact[] = [
  { name: "Ana Lopez", phone: "+14155550111", company: "Lopez Design", email: "ana@lopez.example" },
  { name: "Ben Carter", phone: "+14155550122", company: "Carter Plumbing" },
  { name: "Chloe Park", phone: "+14155550133", company: "Park household" },
  { name: "David Park", phone: "+14155550133", company: "Park household" },
  { name: "Evan Wright", phone: "+14155550144" },
  { name: "Fatima Noor", phone: "+14155550155", company: "Noor Legal" },
  { name: "Grace Kim", phone: "+14155550166", otherPhones: "+1 415 555 0167" },
  { name: "Hector Ruiz", phone: "+14155550177", company: "Ruiz Tiles" },
];

const UNKNOWN_CALLER = "+14155550199";
const UNKNOWN_VOICEMAIL = "+14155550188";

/** How a call or message reaches Switchboard. */
export type Door = "webhook" | "backfill" | "drive" | "webhook+drive";

export interface DemoCall {
  key: string;
  /** The OpenPhone call id (none for a Drive-only recording). */
  id: string | null;
  label: string;
  door: Door;
  number: string;
  direction: "incoming" | "outgoing";
  kind: "answered" | "voicemail";
  startedAt: string;
  durationSec: number;
  /** Recording in OpenPhone (answered calls). */
  recorded: boolean;
  /** Webhook delivery quirks. */
  delivery?: "duplicate_storm" | "recording_first";
  /** OpenPhone's own transcript, in turns (the long call). */
  providerTranscriptTurns?: number;
  /** What the page should say about the contact. */
  expectContact: string;
}

export interface DemoMessage {
  id: string;
  number: string;
  direction: "incoming" | "outgoing";
  text: string;
  sentAt: string;
  door: "webhook" | "backfill";
  /** MMS attachments (sent as a webhook signed by the demo: the sandbox's messages carry none). */
  media?: { url: string; type: string }[];
}

export interface DemoDriveFile {
  key: string;
  number: string;
  direction: "incoming" | "outgoing";
  startTime: string;
  durationSec: number;
  contactName: string | null;
  style: "labelled" | "compact" | "bcr";
}

export interface DemoDay {
  now: number;
  calls: DemoCall[];
  messages: DemoMessage[];
  driveFiles: DemoDriveFile[];
  /** Call pages expected in Notion: every call, a Drive recording of an OpenPhone call merged. */
  expectedCallPages: number;
  /** Conversation pages expected: one per other party. */
  expectedConversationPages: number;
}

/** The long call's transcript: enough turns for several thousand Notion blocks. */
export const LONG_CALL_TURNS = 900;

export function demoDay(now: number = Date.now()): DemoDay {
  // Whole seconds, `min` minutes before now.
  const at = (min: number) => new Date(Math.floor(now / 1000 - min * 60) * 1000).toISOString();
  const calls: DemoCall[] = [
    {
      key: "ana-quote",
      id: "ACdemo01AnaQuote",
      label: "Ana asks about the revised quote",
      door: "webhook",
      number: "+14155550111",
      direction: "incoming",
      kind: "answered",
      startedAt: at(410),
      durationSec: 248,
      recorded: true,
      delivery: "duplicate_storm",
      expectContact: "Ana Lopez",
    },
    {
      key: "ben-leak",
      id: "ACdemo02BenLeak",
      label: "Ben reports a leak on site",
      door: "webhook",
      number: "+14155550122",
      direction: "incoming",
      kind: "answered",
      startedAt: at(372),
      durationSec: 96,
      recorded: true,
      delivery: "recording_first",
      expectContact: "Ben Carter",
    },
    {
      key: "park-visit",
      id: "ACdemo03ParkVisit",
      label: "The Parks book a site visit (shared number)",
      door: "webhook",
      number: "+14155550133",
      direction: "incoming",
      kind: "answered",
      startedAt: at(331),
      durationSec: 131,
      recorded: true,
      expectContact: "ambiguous",
    },
    {
      key: "evan-voicemail",
      id: "ACdemo04EvanVoicemail",
      label: "Evan leaves a voicemail",
      door: "webhook",
      number: "+14155550144",
      direction: "incoming",
      kind: "voicemail",
      startedAt: at(298),
      durationSec: 37,
      recorded: false,
      expectContact: "Evan Wright",
    },
    {
      key: "unknown-caller",
      id: "ACdemo05Unknown",
      label: "A caller we do not know yet",
      door: "webhook",
      number: UNKNOWN_CALLER,
      direction: "incoming",
      kind: "answered",
      startedAt: at(262),
      durationSec: 77,
      recorded: true,
      expectContact: "unknown",
    },
    {
      key: "pocket-dial",
      id: "ACdemo06PocketDial",
      label: "A pocket dial (6 s)",
      door: "webhook",
      number: "+14155550177",
      direction: "incoming",
      kind: "answered",
      startedAt: at(240),
      durationSec: 6,
      recorded: true,
      expectContact: "Hector Ruiz",
    },
    {
      key: "call-fatima",
      id: "ACdemo07CallFatima",
      label: "Dana calls Fatima back (outgoing)",
      door: "webhook",
      number: "+14155550155",
      direction: "outgoing",
      kind: "answered",
      startedAt: at(215),
      durationSec: 182,
      recorded: true,
      expectContact: "Fatima Noor",
    },
    {
      key: "contract-review",
      id: "ACdemo08ContractReview",
      label: "Fatima's 45-minute contract review (found by the backfill)",
      door: "backfill",
      number: "+14155550155",
      direction: "incoming",
      kind: "answered",
      startedAt: at(190),
      durationSec: 2710,
      recorded: true,
      providerTranscriptTurns: LONG_CALL_TURNS,
      expectContact: "Fatima Noor",
    },
    {
      key: "grace-tiles",
      id: "ACdemo09GraceTiles",
      label: "Grace picks tiles (recorded on the phone, in Drive)",
      door: "webhook+drive",
      number: "+14155550166",
      direction: "incoming",
      kind: "answered",
      startedAt: at(95),
      durationSec: 184,
      recorded: false,
      expectContact: "Grace Kim",
    },
    {
      key: "unknown-voicemail",
      id: "ACdemo10UnknownVoicemail",
      label: "A voicemail from an unknown number",
      door: "webhook",
      number: UNKNOWN_VOICEMAIL,
      direction: "incoming",
      kind: "voicemail",
      startedAt: at(64),
      durationSec: 29,
      recorded: false,
      expectContact: "unknown",
    },
    {
      key: "hector-mobile",
      id: null,
      label: "Hector calls Dana's mobile (Drive only)",
      door: "drive",
      number: "+14155550177",
      direction: "incoming",
      kind: "answered",
      startedAt: at(150),
      durationSec: 121,
      recorded: true,
      expectContact: "Hector Ruiz",
    },
  ];
  const grace = calls.find((c) => c.key === "grace-tiles")!;
  const hector = calls.find((c) => c.key === "hector-mobile")!;
  const driveFiles: DemoDriveFile[] = [
    {
      // The phone's recorder started 3 s late and stopped 4 s early: the same call.
      key: "grace-tiles",
      number: grace.number,
      direction: "incoming",
      startTime: new Date(Date.parse(grace.startedAt) + 3000).toISOString(),
      durationSec: grace.durationSec - 7,
      contactName: "Grace Kim",
      style: "labelled",
    },
    {
      key: "hector-mobile",
      number: hector.number,
      direction: "incoming",
      startTime: hector.startedAt,
      durationSec: hector.durationSec,
      contactName: "Hector",
      style: "bcr",
    },
  ];
  const messages: DemoMessage[] = [
    m(
      "ACdemoText01",
      "+14155550111",
      "incoming",
      "Hi Dana, did you get the revised floor plan?",
      420,
    ),
    m("ACdemoText02", "+14155550111", "outgoing", "Got it, thanks. Quote follows today.", 418),
    m("ACdemoText03", "+14155550111", "incoming", "Perfect, talk soon!", 405),
    m("ACdemoText04", "+14155550177", "incoming", "Sample tiles for the kitchen, which one?", 236),
    {
      ...m("ACdemoText05", "+14155550177", "incoming", "", 235),
      media: [
        { url: "https://media.example.com/demo/tile-sample-1.jpg", type: "image/jpeg" },
        { url: "https://media.example.com/demo/tile-sample-2.jpg", type: "image/jpeg" },
      ],
    },
    m("ACdemoText06", "+14155550177", "outgoing", "The second one. Order 40 sq ft please.", 230),
    m("ACdemoText07", "+14155550133", "incoming", "Can we move Thursday's visit to 3pm?", 322),
    m(
      "ACdemoText08",
      UNKNOWN_CALLER,
      "incoming",
      "Is this the studio? Need a bathroom quote.",
      255,
    ),
    { ...m("ACdemoText09", "+14155550122", "incoming", "Photos of the leak sent by email.", 360) },
    { ...m("ACdemoText10", "+14155550122", "outgoing", "Thanks Ben, on our way at 2.", 355) },
  ].map((x) => x.id === "ACdemoText09" || x.id === "ACdemoText10" ? { ...x, door: "backfill" } : x);
  function m(
    id: string,
    number: string,
    direction: "incoming" | "outgoing",
    text: string,
    min: number,
  ): DemoMessage {
    return { id, number, direction, text, sentAt: at(min), door: "webhook" };
  }
  return {
    now,
    calls,
    messages,
    driveFiles,
    expectedCallPages: calls.length,
    expectedConversationPages: new Set(messages.map((x) => x.number)).size,
  };
}

const TURNS = [
  "Let's go through clause {n} of the agreement together.",
  "Sure. The wording there still says the deposit is non-refundable.",
  "We agreed it becomes refundable if the permit is refused; I'll note that for clause {n}.",
  "Good. And the schedule in section {n} needs the new start date.",
  "Understood, I will send a marked-up draft by Friday.",
  "Could you also confirm who signs for the studio on item {n}?",
];

/** OpenPhone's own transcript of the long call, alternating between Dana and the caller. */
export function longCallDialogue(call: DemoCall): {
  content: string;
  start: number;
  end: number;
  identifier: string;
  userId: string | null;
}[] {
  const turns = call.providerTranscriptTurns ?? 0;
  const step = call.durationSec / Math.max(1, turns);
  return Array.from({ length: turns }, (_, i) => ({
    content: TURNS[i % TURNS.length]!.replaceAll("{n}", String(1 + Math.floor(i / 6))),
    start: Math.round(i * step * 10) / 10,
    end: Math.round((i + 1) * step * 10) / 10,
    identifier: i % 2 === 0 ? OUR_NUMBER : call.number,
    userId: i % 2 === 0 ? USER_ID : null,
  }));
}
