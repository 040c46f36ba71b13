/**
 * A verified body's bytes → a JSON value Postgres can store, or the reason it cannot be one.
 *
 * Postgres refuses what JavaScript happily parses: text holding NUL (a raw 0x00 byte or the
 * escape \u0000), lone UTF-16 surrogates (a long SMS split inside an emoji), and JSON nested so
 * deep that its parser runs out of stack. Each would fail the one intake statement every time
 * the provider retried, so they are caught here, before any SQL, and the delivery is quarantined
 * instead (kept as text when it is valid text, as bytes otherwise).
 */

/** Deeper than any OpenPhone payload (about 6 levels) by a wide margin. */
export const MAX_JSON_DEPTH = 64;

export type ParsedBody =
  | { ok: true; text: string; value: unknown }
  | {
    ok: false;
    reason: string;
    /** The body as text when Postgres can store it as text; null when only bytes will do. */
    text: string | null;
    /** The parsed value when parsing got that far (to salvage ids for the inbox row). */
    value?: unknown;
  };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * True when brackets nest deeper than `max` outside strings. A linear scan that runs before
 * JSON.parse, so a hostile body never reaches a recursive parser (ours or the database's).
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Why Postgres would refuse this string as text or inside jsonb, or null when it would not. */
export function unstorable(s: string): "a NUL character" | "a lone surrogate" | null {
  if (s.includes("\u0000")) return "a NUL character";
  if (!s.isWellFormed()) return "a lone surrogate";
  return null;
}

// Only identifier-like keys are echoed into a reason; anything else (a phone number used as a
// key, a key holding the bad character itself) is replaced.
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The first string (value or key) Postgres would refuse, with its path: "data.object.text". */
export function findUnstorableString(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      const why = unstorable(v);
      if (why) return `String at ${path || "(root)"} holds ${why}`;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        const name = SAFE_KEY.test(k) ? k : "?";
        const why = unstorable(k);
        if (why) return `Key at ${path ? `${path}.` : ""}${name} holds ${why}`;
        stack.push([child, path ? `${path}.${name}` : name]);
      }
    }
  }
  return null;
}

/** Decodes, bounds and parses a verified body. Never throws. */
export function parseBody(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): ParsedBody {
  let text: string;
  try {
    // The BOM goes (ignoreBOM: false), the rest must be UTF-8 (RFC 8259 §8.1): a UTF-16 body
    // or stray bytes are kept as bytes, never silently replaced with U+FFFD.
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: "Body is not valid UTF-8", text: null };
  }
  if (text.includes("\u0000")) {
    return { ok: false, reason: "Body holds a NUL character", text: null };
  }
  if (jsonDepthExceeds(text, maxDepth)) {
    return { ok: false, reason: `JSON nests deeper than ${maxDepth} levels`, text };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "Body is not JSON", text };
  }
  const bad = findUnstorableString(value);
  if (bad) return { ok: false, reason: bad, text, value };
  return { ok: true, text, value };
}
