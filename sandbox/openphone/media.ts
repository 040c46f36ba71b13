/**
 * Call audio: what recordings and voicemails sound like, where they are served, and the
 * transcripts that follow from them.
 *
 * Each call has one deterministic two-speaker script (`scriptFor(callId, duration)`); a
 * recording segment carries the part of that script it covers, so the fake AssemblyAI hears
 * the same words the fake OpenPhone transcript shows. Speaker A is the workspace side, speaker
 * B the external participant.
 *
 * Media URLs point at the sandbox and, like OpenPhone's storage links, need no API key. With a
 * workspace `mediaUrlTtlSec` they carry an expiry and a signature, as pre-signed URLs do.
 */
import { createHmac } from "node:crypto";
import { type AudioSpec, scriptFor, type ScriptLine } from "../core/audio.ts";
import type { OpenPhoneState } from "./state.ts";
import type { Call, DialogueLine, Recording, Voicemail } from "./types.ts";

export const MEDIA_TYPE = "audio/wav";

export function callScript(call: Call): ScriptLine[] {
  return scriptFor(call.id, Math.max(1, call.duration));
}

/** The part of the call script inside [offset, offset + duration], re-timed to the segment. */
export function segmentScript(call: Call, rec: Recording): ScriptLine[] {
  const from = rec.offsetSec;
  const to = rec.offsetSec + rec.duration;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return callScript(call)
    .filter((l) => l.end > from && l.start < to)
    .map((l) => ({
      ...l,
      start: round(Math.max(0, l.start - from)),
      end: round(Math.min(rec.duration, l.end - from)),
    }));
}

export function recordingAudio(call: Call, rec: Recording): AudioSpec {
  return { durationSec: rec.duration, script: segmentScript(call, rec) };
}

/** A voicemail is the caller alone. */
export function voicemailScript(vm: Voicemail): ScriptLine[] {
  return scriptFor(vm.id, Math.max(1, vm.duration)).map((l) => ({ ...l, speaker: "B" }));
}

export function voicemailAudio(vm: Voicemail): AudioSpec {
  return { durationSec: vm.duration, script: voicemailScript(vm) };
}

export function voicemailText(vm: Voicemail): string {
  return vm.transcript ?? voicemailScript(vm).map((l) => l.text).join(" ");
}

/** The number of the workspace side of a call. */
export function ownNumber(state: OpenPhoneState, call: Call): string {
  return state.phoneNumbers.get(call.phoneNumberId)?.number ?? "";
}

/** The v1 transcript dialogue for a call, from the same script its audio carries. */
export function transcriptDialogue(state: OpenPhoneState, call: Call): DialogueLine[] {
  const own = ownNumber(state, call);
  const speakerUser = call.answeredBy ?? call.initiatedBy ?? call.userId;
  return callScript(call).map((l) => ({
    content: l.text,
    start: l.start,
    end: l.end,
    identifier: l.speaker === "A" ? own : call.participant,
    userId: l.speaker === "A" ? speakerUser : null,
  }));
}

export type MediaKind = "recordings" | "voicemails";

function signature(secret: string, kind: MediaKind, id: string, expires: number): string {
  return createHmac("sha256", secret).update(`${kind}/${id}/${expires}`).digest("hex");
}

export function mediaUrl(
  state: OpenPhoneState,
  baseUrl: string,
  kind: MediaKind,
  id: string,
  now: number,
): string {
  const url = `${baseUrl}/openphone/media/${kind}/${id}.wav`;
  const ttl = state.workspace.mediaUrlTtlSec;
  if (ttl === null) return url;
  const expires = Math.floor(now / 1000) + ttl;
  return `${url}?Expires=${expires}&Signature=${signature(state.mediaSecret, kind, id, expires)}`;
}

/** Checks an expiring URL's query; null when it may be served, else the reason it may not. */
export function checkMediaQuery(
  state: OpenPhoneState,
  kind: MediaKind,
  id: string,
  query: URLSearchParams,
  now: number,
): string | null {
  if (state.workspace.mediaUrlTtlSec === null) return null;
  const expires = Number(query.get("Expires"));
  const sig = query.get("Signature");
  if (!Number.isInteger(expires) || !sig) return "Missing signature";
  if (sig !== signature(state.mediaSecret, kind, id, expires)) return "Invalid signature";
  if (Math.floor(now / 1000) > expires) return "Request has expired";
  return null;
}
