/**
 * Contact fields as the mirror keeps them: every phone in E.164 (a contact may have several,
 * written any way people write them), emails lower-cased. And the written forms a Notion page may
 * hold for one number, for the single fallback query of a mirror miss.
 */
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { toE164 } from "../phones/e164.ts";

/** Separators between numbers in one text ("555-010-0123, +44 20 7946 0018 / …"). */
const PHONE_SEPARATORS = /[,;\n\r|/]+|\s{3,}|\s+(?:or|and|&)\s+/i;

/**
 * Every plausible number in `texts`, in E.164, de-duplicated, in order of appearance. Each text
 * may hold several numbers separated by commas, semicolons, slashes, bars or new lines; labels
 * ("mobile: …") and extensions are tolerated; what is not a number is skipped.
 */
export function normalizePhones(
  texts: readonly (string | null | undefined)[],
  defaultCountry: CountryCode = "US",
): string[] {
  const out: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    for (const piece of text.split(PHONE_SEPARATORS)) {
      const e164 = toE164(stripLabel(piece), defaultCountry);
      if (e164 && !out.includes(e164)) out.push(e164);
    }
  }
  return out;
}

/** "Mobile: 555-010-0123" → "555-010-0123" (a label before a colon, not part of the number). */
function stripLabel(piece: string): string {
  const colon = piece.lastIndexOf(":");
  return (colon >= 0 ? piece.slice(colon + 1) : piece).trim();
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Every email address in `texts`, trimmed, lower-cased, de-duplicated; "mailto:" dropped. */
export function normalizeEmails(texts: readonly (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    for (const raw of text.split(/[\s,;]+/)) {
      const email = raw.replace(/^mailto:/i, "").replace(/^<|>$/g, "").trim().toLowerCase();
      if (EMAIL.test(email) && !out.includes(email)) out.push(email);
    }
  }
  return out;
}

/**
 * The written forms of one E.164 number a page may hold, most specific first: the E.164 itself,
 * the international and national formats, the bare national digits and, for NANP numbers, the
 * earlier system's XXX-XXX-XXXX and its dotted variant.
 */
export function writtenForms(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [e164];
  const national = String(parsed.nationalNumber);
  const forms = [
    e164,
    parsed.formatInternational(),
    parsed.formatNational(),
    national,
  ];
  if (parsed.countryCallingCode === "1" && national.length === 10) {
    const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
    forms.push(`${a}-${b}-${c}`, `${a}.${b}.${c}`, `1${national}`, `+1 ${a}-${b}-${c}`);
  }
  return [...new Set(forms)];
}
