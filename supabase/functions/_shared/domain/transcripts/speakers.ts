/**
 * Who is who in a transcript. AssemblyAI labels voices "A", "B", … in order of first speech;
 * OpenPhone's own dialogue says who spoke (the number, and the user id for our side). We name
 * the two people we know — our OpenPhone user and the contact — and leave anyone else (or any
 * side whose name we do not know) as "Speaker A/B".
 *
 * The heuristic for diarized recordings (AssemblyAI's speaker identification by name is a paid
 * Speech Understanding add-on the sandbox does not simulate, so we do not rely on it):
 *
 * - Voicemail: the first voice is the caller leaving the message, i.e. the contact.
 * - Recording of a two-party call (one or two voices): whoever answers speaks first. On an
 *   incoming call that is our user ("Thanks for calling …"); on an outgoing call it is the
 *   contact ("Hello?"). The other voice is the other party.
 * - Three or more voices (a conference, a transfer, an IVR): no names, labels only, because
 *   the order of first speech no longer says who is who.
 * - Direction unknown: labels only.
 */
export type SpeakerRole = "user" | "contact";

export interface SpeakerInfo {
  name: string;
  /** Where the name came from: the contact, our user, or just the diarization label. */
  source: "contact" | "user" | "label";
  /** Who we believe the speaker is, even when their name is unknown. */
  role: SpeakerRole | null;
  /** How the role was decided. */
  basis: "provider" | "first_speaker_heuristic" | "voicemail" | null;
}

export interface KnownNames {
  contactName: string | null;
  userName: string | null;
}

export interface NamingContext extends KnownNames {
  direction: "incoming" | "outgoing" | null;
  mediaKind: "recording" | "voicemail";
}

export const labelName = (label: string): string => `Speaker ${label}`;

/** "A", "B", … "Z", "AA", … (the diarization labels), for the nth speaker from 0. */
export function speakerLabel(n: number): string {
  let label = "";
  let i = n;
  do {
    label = String.fromCharCode(65 + (i % 26)) + label;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return label;
}

const clean = (v: unknown): string | null => {
  if (typeof v !== "string") return null;
  const s = v.replace(/\s+/g, " ").trim().slice(0, 200);
  // A "name" that is only a phone number is no name (and must not spread into transcripts).
  return s && !/^[+()\d\s.-]+$/.test(s) ? s : null;
};

const field = (o: unknown, k: string): unknown =>
  o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined;

/**
 * The names a call row knows: the contact's from `contact_name` (the matched contact, or a Drive
 * file name) or source_metadata (`contact_name`, `contact.name`), and our user's from
 * source_metadata (`user_name`, `user.name`).
 */
export function knownNames(call: Record<string, unknown>): KnownNames {
  const meta = field(call, "source_metadata");
  return {
    contactName: clean(call.contact_name) ?? clean(field(meta, "contact_name")) ??
      clean(field(field(meta, "contact"), "name")),
    userName: clean(field(meta, "user_name")) ?? clean(field(field(meta, "user"), "name")),
  };
}

function named(
  label: string,
  role: SpeakerRole | null,
  names: KnownNames,
  basis: SpeakerInfo["basis"],
): SpeakerInfo {
  const name = role === "user" ? names.userName : role === "contact" ? names.contactName : null;
  return name
    ? { name, source: role!, role, basis }
    : { name: labelName(label), source: "label", role, basis: role ? basis : null };
}

/** Names diarized speakers given in order of first speech (see the heuristic above). */
export function nameDiarizedSpeakers(
  labels: readonly string[],
  ctx: NamingContext,
): Record<string, SpeakerInfo> {
  const roles = new Map<string, SpeakerRole>();
  let basis: SpeakerInfo["basis"] = null;
  if (ctx.mediaKind === "voicemail") {
    if (labels[0]) roles.set(labels[0], "contact");
    basis = "voicemail";
  } else if (labels.length <= 2 && ctx.direction) {
    const first: SpeakerRole = ctx.direction === "incoming" ? "user" : "contact";
    const second: SpeakerRole = first === "user" ? "contact" : "user";
    if (labels[0]) roles.set(labels[0], first);
    if (labels[1]) roles.set(labels[1], second);
    basis = "first_speaker_heuristic";
  }
  return Object.fromEntries(
    labels.map((l) => [l, named(l, roles.get(l) ?? null, ctx, basis)]),
  );
}

/** Names speakers whose role the provider told us (OpenPhone's dialogue). */
export function nameKnownSpeakers(
  roles: ReadonlyMap<string, SpeakerRole | null>,
  names: KnownNames,
): Record<string, SpeakerInfo> {
  return Object.fromEntries(
    [...roles].map(([label, role]) => [label, named(label, role, names, "provider")]),
  );
}
