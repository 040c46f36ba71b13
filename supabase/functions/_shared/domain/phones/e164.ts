/**
 * Phone numbers in E.164, the one form Switchboard stores and matches on. Numbers written
 * without a country code are read in the workspace's default country.
 */
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";

/** E.164 for `raw`, or null when it is not a plausible phone number. */
export function toE164(
  raw: string | null | undefined,
  defaultCountry: CountryCode = "US",
): string | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  return parsed && parsed.isPossible() ? parsed.number : null;
}
