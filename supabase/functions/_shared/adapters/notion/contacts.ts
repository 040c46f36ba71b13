/**
 * The Contacts ("Canvas") data source as the contacts port (domain/contacts/ports.ts): pages of
 * live contacts for the mirror's sync, the one fallback query of a mirror miss, and a new contact
 * page for an unknown caller. Works on any object with the official client's `dataSources.query`
 * and `pages.create` (the Notion adapter's budgeted `sdk`, or a test double); errors are the
 * adapter's NotionError classification, passed through.
 */
import type { CountryCode } from "libphonenumber-js";
import type { CreatePageParameters, QueryDataSourceParameters } from "@notionhq/client";
import { writtenForms } from "../../domain/contacts/normalize.ts";
import {
  type ContactProperties,
  contactProperties,
  isPage,
  type MirrorContact,
  pageToContact,
} from "../../domain/contacts/page.ts";
import type { ContactsDirectory } from "../../domain/contacts/ports.ts";

/** The two SDK methods this port uses (`notion.sdk` from client.ts satisfies it). */
export interface NotionContactsSdk {
  dataSources: {
    query(args: QueryDataSourceParameters): Promise<{
      results: unknown[];
      next_cursor: string | null;
      has_more: boolean;
    }>;
  };
  pages: { create(args: CreatePageParameters): Promise<unknown> };
}

export interface NotionContactsOptions {
  sdk: NotionContactsSdk;
  dataSourceId: string;
  properties: ContactProperties;
  defaultCountry: CountryCode;
  /** Page size of the sync's queries (Notion's maximum, 100, by default). */
  pageSize?: number;
}

/** Notion's compound filters take at most 100 conditions. */
const MAX_CONDITIONS = 100;

export function createNotionContacts(opts: NotionContactsOptions): ContactsDirectory {
  const { sdk, dataSourceId, properties: p, defaultCountry } = opts;
  const toContacts = (results: unknown[]): MirrorContact[] =>
    results.filter(isPage).map((page) => pageToContact(page, p, defaultCountry));

  return {
    dataSourceId,

    async listPage({ editedSince, startCursor }) {
      const res = await sdk.dataSources.query({
        data_source_id: dataSourceId,
        page_size: opts.pageSize ?? 100,
        ...(startCursor ? { start_cursor: startCursor } : {}),
        ...(editedSince
          ? {
            filter: {
              timestamp: "last_edited_time",
              last_edited_time: { on_or_after: editedSince },
            },
            sorts: [{ timestamp: "last_edited_time", direction: "ascending" }],
          }
          : { sorts: [{ timestamp: "created_time", direction: "ascending" }] }),
      });
      return {
        contacts: toContacts(res.results),
        nextCursor: res.has_more ? res.next_cursor : null,
      };
    },

    async findByPhone(e164) {
      const forms = writtenForms(e164);
      const conditions = [
        ...forms.map((f) => ({ property: p.phone, phone_number: { equals: f } })),
        ...forms.map((f) => ({ property: p.other_phones, rich_text: { contains: f } })),
      ].slice(0, MAX_CONDITIONS);
      const res = await sdk.dataSources.query({
        data_source_id: dataSourceId,
        page_size: 100,
        filter: { or: conditions } as NonNullable<QueryDataSourceParameters["filter"]>,
      });
      // "contains" may over-match (a longer number); keep the pages that really hold it.
      return toContacts(res.results).filter((c) => !c.in_trash && c.phones.includes(e164));
    },

    async createContact({ name, phone }) {
      const page = await sdk.pages.create({
        parent: { type: "data_source_id", data_source_id: dataSourceId },
        properties: {
          [p.name]: { title: [{ type: "text", text: { content: name.slice(0, 200) } }] },
          [p.phone]: { phone_number: phone },
        },
      });
      if (!isPage(page)) throw new Error("Notion answered a page create without a page");
      return pageToContact(page, p, defaultCountry);
    },
  };
}

/** Where the contacts live, from switchboard.notion_settings (null until set up). */
export interface ContactsSetup {
  dataSourceId: string;
  properties: ContactProperties;
}

/**
 * Reads the Contacts data source id and property names from switchboard.notion_settings
 * (`contacts_data_source_id`, `property_map -> 'contacts'`); null when Notion is not set up yet.
 */
export async function loadContactsSetup(
  query: (text: string) => Promise<Record<string, unknown>[]>,
): Promise<ContactsSetup | null> {
  let rows: Record<string, unknown>[];
  try {
    rows = await query(
      "select contacts_data_source_id as ds, property_map -> 'contacts' as map from switchboard.notion_settings limit 1",
    );
  } catch (e) {
    // 42P01: the settings table is not there yet (Notion set-up not migrated).
    if ((e as { code?: string }).code === "42P01") return null;
    throw e;
  }
  const ds = rows[0]?.ds;
  if (typeof ds !== "string" || !ds) return null;
  return { dataSourceId: ds, properties: contactProperties(rows[0]?.map) };
}
