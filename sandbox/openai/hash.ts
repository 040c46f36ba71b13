/**
 * Small deterministic hashing: the fake's outputs and ids must be reproducible, so every
 * "random" choice is a hash of its inputs.
 */

/** FNV-1a, 32 bits. */
export function fnv1a(s: string, seed = 2166136261): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** `length` hex characters derived from `s`. */
export function hexOf(s: string, length: number): string {
  let out = "";
  let h = fnv1a(s);
  while (out.length < length) {
    h = fnv1a(`${out.length}:${s}`, h);
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` alphanumeric characters derived from `s` (chat completion ids use these). */
export function alnumOf(s: string, length: number): string {
  let out = "";
  let h = fnv1a(s);
  while (out.length < length) {
    h = fnv1a(`${out.length}:${s}`, h);
    out += ALNUM[h % ALNUM.length];
  }
  return out;
}
