/**
 * Deterministic randomness and OpenPhone-shaped identifiers. Everything the fake invents (ids,
 * generated calls, signing keys) comes from a seeded PRNG, so the same seed scenario always
 * produces the same workspace and tests can assert exact values.
 *
 * Id shapes follow the ones seen in OpenPhone's spec examples and real webhook fixtures:
 * `AC` + 32 hex (calls, and messages, which share the prefix), `CN` + 32 hex (conversations),
 * `PN`/`US`/`CR`/`WH`/`OR` + 8 alphanumerics, `VM`/`EV` + 32 hex, contacts as 24 hex.
 */

/** FNV-1a, 32 bit: turns a seed string into a PRNG state. */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h >>> 0;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX = "0123456789abcdef";

/** mulberry32: small, fast and good enough for test data. */
export class Rng {
  #state: number;

  constructor(seed: string | number) {
    this.#state = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("Cannot pick from an empty list");
    return item;
  }

  chars(alphabet: string, n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(n: number): string {
    return this.chars(HEX, n);
  }

  alnum(n: number): string {
    return this.chars(ALNUM, n);
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

export type IdKind =
  | "call"
  | "message"
  | "conversation"
  | "phoneNumber"
  | "user"
  | "recording"
  | "voicemail"
  | "event"
  | "contact"
  | "webhook"
  | "org"
  | "group"
  | "contactField";

export function newId(rng: Rng, kind: IdKind): string {
  switch (kind) {
    case "call":
    case "message":
      return "AC" + rng.hex(32);
    case "conversation":
      return "CN" + rng.hex(32);
    case "phoneNumber":
      return "PN" + rng.alnum(8);
    case "user":
      return "US" + rng.alnum(8);
    case "recording":
      return "CR" + rng.alnum(8);
    case "voicemail":
      return "VM" + rng.hex(32);
    case "event":
      return "EV" + rng.hex(32);
    case "contact":
      return rng.hex(24);
    case "webhook":
      return "WH" + rng.alnum(8);
    case "org":
      return "OR" + rng.alnum(8);
    case "group":
      return "GR" + rng.alnum(8);
    case "contactField":
      return rng.hex(24);
  }
}
