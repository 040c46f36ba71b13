/**
 * Volume scenarios: `{generate: {seed, phoneNumbers, callsPerNumber, messagesPerNumber,
 * participantsPerNumber, since, until?, contactShare?}}` builds a workspace deterministically
 * from `seed` (same seed, same ids, times and outcomes), spreading activity over
 * [since, until) and over each number's participants.
 *
 * The mix resembles a small business line: most calls answered and recorded (a few recordings
 * still processing), missed calls with and without voicemail, AI summaries and transcripts on
 * most answered calls, and SMS threads in both directions.
 */
import { newId, Rng } from "./ids.ts";
import { addCall, addContact, addMessage, addPhoneNumber, addUser } from "./seed.ts";
import type { CallSeed, GenerateSeed } from "./seed_schema.ts";
import type { OpenPhoneState } from "./state.ts";

export interface GeneratedNumber {
  id: string;
  number: string;
  participants: string[];
  calls: number;
  messages: number;
}

export interface GenerateSummary {
  seed: string;
  phoneNumbers: GeneratedNumber[];
  calls: number;
  messages: number;
  contacts: number;
}

const TEXTS = [
  "Hi, is this still available?",
  "Can you send me the quote?",
  "Running 10 minutes late, sorry!",
  "Thanks, see you Tuesday.",
  "Please call me back when you can.",
  "Got it, thank you.",
  "What time do you open tomorrow?",
  "The invoice is attached.",
];

const iso = (t: number) => new Date(t).toISOString();

function callOutcome(rng: Rng, base: Omit<CallSeed, "status">): CallSeed {
  const roll = rng.next();
  if (base.direction === "incoming" && roll < 0.12) {
    return { ...base, status: "no-answer", duration: rng.int(8, 30) };
  }
  if (base.direction === "incoming" && roll < 0.25) {
    const vm = rng.int(8, 90);
    return {
      ...base,
      status: "completed",
      answeredAt: null,
      duration: vm + rng.int(10, 25),
      voicemail: { status: rng.chance(0.95) ? "completed" : "in-progress", duration: vm },
    };
  }
  if (base.direction === "outgoing" && roll < 0.15) {
    return {
      ...base,
      status: rng.pick(["no-answer", "busy", "canceled"] as const),
      duration: rng.int(0, 30),
    };
  }
  const duration = rng.int(15, 900);
  const recStatus = rng.chance(0.9)
    ? "completed"
    : rng.pick(["processing", "in-progress"] as const);
  const ai = (p: number) => ({ status: rng.chance(p) ? "completed" : "in-progress" } as const);
  return {
    ...base,
    status: "completed",
    duration,
    recordings: rng.chance(0.97) ? [{ status: recStatus }] : [],
    transcript: rng.chance(0.9) ? ai(0.95) : null,
    summary: rng.chance(0.9) ? ai(0.95) : null,
  };
}

export function generate(state: OpenPhoneState, g: GenerateSeed, now: number): GenerateSummary {
  const rng = new Rng(`openphone:${g.seed}`);
  const since = Date.parse(g.since);
  const until = g.until ? Date.parse(g.until) : since + 30 * 86_400_000;
  if (!(until > since)) throw new Error("generate.until must be after generate.since");
  const span = until - since;
  const at = () => since + Math.floor(rng.next() * span);

  const ownerId = state.owner()?.id ??
    addUser(state, {
      id: newId(rng, "user"),
      role: "owner",
      firstName: "Olivia",
      lastName: "Owner",
    }, since).id;
  const summary: GenerateSummary = {
    seed: g.seed,
    phoneNumbers: [],
    calls: 0,
    messages: 0,
    contacts: 0,
  };

  for (let n = 0; n < g.phoneNumbers; n++) {
    const member = addUser(state, { id: newId(rng, "user"), role: "member" }, since);
    const pn = addPhoneNumber(state, {
      id: newId(rng, "phoneNumber"),
      number: `+1415555${String(1000 + n).padStart(4, "0")}`,
      name: `Line ${n + 1}`,
      users: [ownerId, member.id],
    }, since);
    const participants = Array.from(
      { length: g.participantsPerNumber },
      (_, i) => `+1${rng.int(201, 989)}${String(5550000 + n * 10_000 + i).slice(-7)}`,
    );
    for (const [i, p] of participants.entries()) {
      if (!rng.chance(g.contactShare ?? 0.5)) continue;
      addContact(state, {
        id: newId(rng, "contact"),
        externalId: `gen-${g.seed}-${n}-${i}`,
        firstName: rng.pick(["Ana", "Ben", "Chloe", "Dev", "Eli", "Fay", "Gus", "Hana"]),
        lastName: rng.pick(["Lopez", "Smith", "Ng", "Okafor", "Rossi", "Kim"]),
        phoneNumbers: [p],
        createdAt: iso(since),
      }, now);
      summary.contacts++;
    }

    const entry: GeneratedNumber = {
      id: pn.id,
      number: pn.number,
      participants,
      calls: 0,
      messages: 0,
    };
    for (let c = 0; c < g.callsPerNumber; c++) {
      const direction = rng.chance(0.55) ? "incoming" : "outgoing";
      addCall(
        state,
        callOutcome(rng, {
          id: newId(rng, "call"),
          phoneNumberId: pn.id,
          participant: rng.pick(participants),
          direction,
          createdAt: iso(at()),
          userId: rng.chance(0.7) ? ownerId : member.id,
        }),
      );
      entry.calls++;
    }
    for (let m = 0; m < g.messagesPerNumber; m++) {
      const direction = rng.chance(0.5) ? "incoming" : "outgoing";
      addMessage(state, {
        id: newId(rng, "message"),
        phoneNumberId: pn.id,
        participants: [rng.pick(participants)],
        direction,
        text: rng.pick(TEXTS),
        status: direction === "outgoing" && rng.chance(0.03) ? "undelivered" : "delivered",
        createdAt: iso(at()),
      });
      entry.messages++;
    }
    summary.calls += entry.calls;
    summary.messages += entry.messages;
    summary.phoneNumbers.push(entry);
  }
  return summary;
}
