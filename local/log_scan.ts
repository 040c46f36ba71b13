/**
 * T38 in CI: after the whole suite has run, the gateway log (gateway, pg_net dispatcher and every
 * function's output) and the PostgreSQL server log must hold no phone number, message text or
 * secret the tests used, and no line over 10,000 characters. local/test_runner.ts scans both logs
 * of the throwaway platform before it is removed and counts every hit as a failed test.
 *
 * What counts as a hit:
 *   - phone numbers: E.164 (`+15550100123`, also URL-encoded `%2B1…`), NANP numbers written with
 *     separators (`(555) 010-0123`, `555-010-0123`, `+1 555 010 0123`), and the national digits
 *     of every number the fixtures use (`5550100123`). Bare digit runs are not phone numbers
 *     (ids, epoch seconds, ports), nor are dates, times, versions or IP addresses;
 *   - message texts: the texts the fixtures and the sandbox's generator put in messages,
 *     summaries and transcripts (read from those files, so new fixtures are covered);
 *   - secrets: `whsec_…`, `sk_…`/`sk-…`, `secret_…`, `sb_secret_…`, `ntn_…`, JWTs (`eyJ….eyJ…`),
 *     credentials in URLs (`scheme://user:password@`), and the exact values of the throwaway
 *     platform's worker secret, webhook secrets and JWT secret.
 *
 * A finding names the file, the line and the kind, and shows only a masked sample: never the
 * number, text or secret itself.
 */
import { PROJECT_ROOT } from "./config.ts";

export interface Needle {
  kind: string;
  value: string;
}

export interface Finding {
  file: string;
  line: number;
  kind: string;
  /** A masked sample: the first characters and the length, never the whole value. */
  sample: string;
}

/** Longest log line T38 allows. */
export const MAX_LINE = 10_000;

const PATTERNS: { kind: string; re: RegExp }[] = [
  // E.164: a plus, no leading zero, 8 to 15 digits in all, not glued to a word or more digits.
  { kind: "phone number", re: /(?<![\w+])\+[1-9]\d{7,14}(?!\d)/g },
  { kind: "phone number", re: /(?<![\w%])%2B[1-9]\d{7,14}(?!\d)/gi },
  // NANP with separators: (555) 010-0123, 555-010-0123, 555.010.0123, +1 555 010 0123.
  {
    kind: "phone number",
    re: /(?<![\w.+-])(?:\+?1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w.-]*\d)/g,
  },
  { kind: "webhook secret (whsec_)", re: /whsec_[A-Za-z0-9+/=_-]{8,}/g },
  { kind: "API key (sk_)", re: /(?<![A-Za-z0-9])sk[_-](?:live_|test_|proj-)?[A-Za-z0-9_-]{12,}/g },
  { kind: "Supabase secret key (sb_secret_)", re: /sb_secret_[A-Za-z0-9_-]{8,}/g },
  { kind: "token (secret_)", re: /(?<![A-Za-z0-9_])secret_[A-Za-z0-9]{8,}/g },
  { kind: "Notion token (ntn_)", re: /(?<![A-Za-z0-9_])ntn_[A-Za-z0-9]{20,}/g },
  { kind: "JWT", re: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.?[A-Za-z0-9_-]*/g },
  { kind: "credentials in URL", re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:[^\s/@"']+@/gi },
];

/** The first few characters and the length: enough to find it, never the value itself. */
export function mask(value: string): string {
  const keep = Math.min(3, Math.floor(value.length / 4));
  return `${value.slice(0, keep)}…(${value.length} chars)`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Scans one log's text. One finding per line and kind. */
export function scanText(text: string, file: string, needles: Needle[] = []): Finding[] {
  const literal = needles
    .filter((n) => n.value.length >= 6)
    .map((n) => ({
      kind: n.kind,
      value: n.value,
      // Digits-only needles (national phone digits) must not be part of a longer number.
      re: /^\d+$/.test(n.value)
        ? new RegExp(`(?<!\\d)${escapeRe(n.value)}(?!\\d)`)
        : new RegExp(escapeRe(n.value), "i"),
    }));
  const findings: Finding[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const seen = new Set<string>();
    const add = (kind: string, value: string) => {
      if (seen.has(kind)) return;
      seen.add(kind);
      findings.push({ file, line: i + 1, kind, sample: mask(value) });
    };
    if (line.length > MAX_LINE) add(`line over ${MAX_LINE} characters`, line);
    for (const p of PATTERNS) {
      p.re.lastIndex = 0;
      const m = p.re.exec(line);
      if (m) add(p.kind, m[0]);
    }
    for (const n of literal) {
      const m = n.re.exec(line);
      if (m) add(n.kind, m[0]);
    }
  }
  return findings;
}

/**
 * Scans log files. A file that cannot be read, or is empty (both logs always have lines: the
 * gateway's start, PostgreSQL's "ready to accept connections"), is itself a finding: the check
 * did not run. `lines` reports how much each file had, for the summary.
 */
export async function scanFiles(
  files: { file: string; path: string }[],
  needles: Needle[],
  lines: Record<string, number> = {},
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(f.path);
    } catch (e) {
      out.push({
        file: f.file,
        line: 0,
        kind: `log not readable (${(e as Error).name})`,
        sample: "",
      });
      continue;
    }
    lines[f.file] = text ? text.split("\n").length : 0;
    if (!text.trim()) {
      out.push({ file: f.file, line: 0, kind: "log is empty (nothing was captured)", sample: "" });
      continue;
    }
    out.push(...scanText(text, f.file, needles));
  }
  return out;
}

/** Where the tests' and the sandbox's message texts and phone numbers come from. */
export const FIXTURE_SOURCES = [
  "sandbox/openphone/generate.ts",
  "sandbox/openphone/testing.ts",
  "sandbox/openphone/scenario.ts",
  "supabase/functions/_shared/adapters/openphone/testdata/samples.ts",
  "tests",
  "supabase/tests",
];

const TEXT_FIELD =
  /["']?\b(?:text|body|content|summary|transcript|snippet)["']?\s*:\s*(["'`])((?:(?!\1)[^\\\n]|\\.){10,300})\1/g;
const TEXT_ARRAY = /\b(?:TEXTS|summary|nextSteps|highlights)\s*[:=]\s*\[([^\]]{0,8000})\]/g;
const STRING = /(["'`])((?:(?!\1)[^\\\n]|\\.){10,300})\1/g;
const E164 = /(?<![\w+])\+[1-9]\d{7,14}(?!\d)/g;

/** A fixture string that reads like a message: three words or more, no code or markup. */
function looksLikeMessage(s: string): boolean {
  if (/\$\{|[<>{}\\]|:\/\/|^\s|\s$/.test(s)) return false;
  return s.split(/\s+/).filter((w) => /[A-Za-z]{2}/.test(w)).length >= 3;
}

/** Message texts and phone numbers used by fixtures, from source text (exported for tests). */
export function extractFixtures(source: string): { texts: string[]; phones: string[] } {
  const texts = new Set<string>();
  for (const m of source.matchAll(TEXT_FIELD)) if (looksLikeMessage(m[2]!)) texts.add(m[2]!);
  for (const arr of source.matchAll(TEXT_ARRAY)) {
    for (const m of arr[1]!.matchAll(STRING)) if (looksLikeMessage(m[2]!)) texts.add(m[2]!);
  }
  const phones = new Set<string>();
  for (const m of source.matchAll(E164)) phones.add(m[0]);
  return { texts: [...texts], phones: [...phones] };
}

async function* sourceFiles(path: string): AsyncGenerator<string> {
  const info = await Deno.stat(path).catch(() => null);
  if (!info) return;
  if (info.isFile) {
    yield path;
    return;
  }
  for await (const e of Deno.readDir(path)) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const child = `${path}/${e.name}`;
    if (e.isDirectory) yield* sourceFiles(child);
    else if (/\.(ts|sql|json)$/.test(e.name)) yield child;
  }
}

/** The needles for a test run: fixture texts and phone digits, plus the run's own secrets. */
export async function testNeedles(
  secrets: Record<string, string>,
  root = PROJECT_ROOT,
): Promise<Needle[]> {
  const texts = new Set<string>();
  const phones = new Set<string>();
  for (const src of FIXTURE_SOURCES) {
    for await (const file of sourceFiles(`${root}/${src}`)) {
      const found = extractFixtures(await Deno.readTextFile(file));
      found.texts.forEach((t) => texts.add(t));
      found.phones.forEach((p) => phones.add(p));
    }
  }
  const needles: Needle[] = [];
  for (const t of texts) needles.push({ kind: "message text", value: t });
  for (const p of phones) {
    // The national digits, as a number might be logged without its country code.
    const national = p.startsWith("+1") ? p.slice(2) : p.slice(1);
    if (national.length >= 7) needles.push({ kind: "phone number", value: national });
  }
  for (const [name, value] of Object.entries(secrets)) {
    if (value.length >= 8) needles.push({ kind: `secret value (${name})`, value });
  }
  return needles;
}
