/**
 * Safe HTML for the workspace view: a tagged template that escapes every interpolated value
 * unless it is already `Html` (built by this template), and the link check every href goes
 * through. Page content (transcripts, summaries, message text) is untrusted: it only ever
 * reaches the page as escaped text.
 *
 *   markup`<p class="x">${untrusted}</p>`     // & < > " ' escaped
 *   markup`<ul>${items.map((i) => markup`<li>${i}</li>`)}</ul>`
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function part(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(part).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeHtml(String(v));
}

export function markup(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((v, i) => out += part(v) + (strings[i + 1] ?? ""));
  return new Html(out);
}

/** Several fragments as one. */
export const join = (parts: readonly Html[], sep = ""): Html =>
  new Html(parts.map((p) => p.value).join(sep));

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);

/**
 * A URL fit for an href: absolute http(s), mailto or tel, else null (shown as text instead).
 * `javascript:`, `data:` and relative URLs never become links.
 */
export function safeHref(raw: unknown): string | null {
  if (typeof raw !== "string" || raw.trim() === "") return null;
  try {
    const u = new URL(raw.trim());
    return SAFE_PROTOCOLS.has(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/** Notion's text and background colors (its light theme); anything else renders uncolored. */
export const COLORS = [
  "gray",
  "brown",
  "orange",
  "yellow",
  "green",
  "blue",
  "purple",
  "pink",
  "red",
] as const;

/** The CSS class for an annotation or block color (`red` → c-red, `red_background` → bg-red). */
export function colorClass(color: unknown): string | null {
  if (typeof color !== "string") return null;
  const bg = color.endsWith("_background");
  const name = bg ? color.slice(0, -"_background".length) : color;
  if (!(COLORS as readonly string[]).includes(name)) return null;
  return bg ? `bg-${name}` : `c-${name}`;
}
