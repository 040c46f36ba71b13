/**
 * resolveContact(phone): the contact page for a number, for the publishers.
 *
 * 1. The mirror answers (switchboard.match_contact): one live contact → matched; several →
 *    ambiguous with every candidate named (nothing guessed: the caller flags the page for
 *    review); a miss → lookup_needed at most once per number per lookup interval, else unknown.
 * 2. On lookup_needed: ONE Notion query (the Phone property equals, or Other Phones contains, any
 *    written form of the number). Pages found go into the mirror, the outcome is recorded, and
 *    the mirror answers again. A failed query releases the claim (the caller's retry may look up
 *    again at once) and throws.
 * 3. Still unknown and `create_unknown_contacts` on: a new contact page with the number and the
 *    name OpenPhone knows (the caller's, or the one from OpenPhone's contact events), mirrored at
 *    once. A retry after an ambiguous create finds that page by step 2 before creating again.
 */
import type { CountryCode } from "libphonenumber-js";
import { toE164 } from "../phones/e164.ts";
import type { ContactCandidate, ContactsDirectory, ContactsStore } from "./ports.ts";

export interface ResolvedContact {
  status: "matched" | "ambiguous" | "unknown";
  page_id: string | null;
  candidates: ContactCandidate[];
  /** A Notion query was made for this call. */
  lookedUp: boolean;
  /** A new contact page was created for an unknown caller. */
  created: boolean;
}

export interface ResolveDeps {
  store: ContactsStore;
  directory: ContactsDirectory;
  now: () => number;
  defaultCountry?: CountryCode;
}

export async function resolveContact(
  deps: ResolveDeps,
  phone: string | null | undefined,
  opts: { name?: string | null } = {},
): Promise<ResolvedContact> {
  const e164 = toE164(phone, deps.defaultCountry ?? "US");
  if (!e164) {
    return { status: "unknown", page_id: null, candidates: [], lookedUp: false, created: false };
  }

  const nowMs = deps.now();
  const first = await deps.store.match(e164, nowMs);
  if (first.status !== "lookup_needed") {
    return { ...first, status: first.status, lookedUp: false, created: false };
  }

  let created = false;
  try {
    const found = await deps.directory.findByPhone(e164);
    if (found.length > 0) {
      await deps.store.upsertContacts(deps.directory.dataSourceId, found, nowMs);
      await deps.store.recordLookup(e164, found.map((c) => c.page_id), nowMs);
    } else {
      const settings = await deps.store.settings();
      if (settings.createUnknownContacts) {
        const name = opts.name?.trim() || await deps.store.openphoneName(e164) || e164;
        const page = await deps.directory.createContact({ name, phone: e164 });
        await deps.store.upsertContacts(deps.directory.dataSourceId, [page], nowMs);
        await deps.store.recordLookup(e164, [page.page_id], nowMs, "created");
        created = true;
      } else {
        await deps.store.recordLookup(e164, [], nowMs);
      }
    }
  } catch (e) {
    await deps.store.releaseLookup(e164, nowMs).catch(() => {});
    throw e;
  }

  const second = await deps.store.match(e164, nowMs);
  // The claim was taken by this call, so a miss now reads "unknown" (never lookup_needed).
  const status = second.status === "lookup_needed" ? "unknown" : second.status;
  return { ...second, status, lookedUp: true, created };
}
