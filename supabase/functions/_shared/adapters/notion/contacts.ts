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
import { createContactsStore } from "../../domain/contacts/pg_store.ts";
import type { ContactsDirectory } from "../../domain/contacts/ports.ts";
import { resolveContact, type ResolvedContact } from "../../domain/contacts/resolve.ts";
import type { Sql } from "../../platform/db.ts";

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
  /** Filter types of Phone / Other Phones (default phone_number / rich_text). */
  filterTypes?: ContactsSetup["filterTypes"];
  defaultCountry: CountryCode;
  /** Page size of the sync's queries (Notion's maximum, 100, by default). */
  pageSize?: number;
}

/** Notion's compound filters take at most 100 conditions. */
const MAX_CONDITIONS = 100;

export function createNotionContacts(opts: NotionContactsOptions): ContactsDirectory {
  const { sdk, dataSourceId, properties: p, defaultCountry } = opts;
  const types = opts.filterTypes ?? { phone: "phone_number", other_phones: "rich_text" };
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
        ...forms.map((f) => ({ property: p.phone, [types.phone]: { equals: f } })),
        ...forms.map((f) => ({ property: p.other_phones, [types.other_phones]: { contains: f } })),
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

/** Where the contacts live and what their properties are called, from the Notion settings. */
export interface ContactsSetup {
  dataSourceId: string;
  properties: ContactProperties;
  /** The filter type of the Phone and Other Phones properties (text-like types only). */
  filterTypes: { phone: TextFilterType; other_phones: TextFilterType };
}

type TextFilterType = "phone_number" | "rich_text" | "title" | "email" | "url";
const TEXT_TYPES = new Set(["phone_number", "rich_text", "title", "email", "url"]);

/**
 * The contacts part of switchboard.notion_settings (adapters/notion/settings.ts): null until
 * `deno task notion:setup` stored the Contacts data source.
 */
export function contactsSetup(settings: {
  databases: { contacts: { dataSourceId: string | null } };
  propertyMap: { contacts: Record<string, { name: string; type: string }> };
}): ContactsSetup | null {
  const ds = settings.databases.contacts.dataSourceId;
  if (!ds) return null;
  const map = settings.propertyMap.contacts;
  const type = (key: string, fallback: TextFilterType): TextFilterType => {
    const t = map[key]?.type;
    return t && TEXT_TYPES.has(t) ? t as TextFilterType : fallback;
  };
  return {
    dataSourceId: ds,
    properties: contactProperties(map),
    filterTypes: {
      phone: type("phone", "phone_number"),
      other_phones: type("other_phones", "rich_text"),
    },
  };
}

/**
 * resolveContact wired for a publisher: the mirror in Postgres and the Contacts data source
 * through the (budgeted) Notion adapter; null until Notion is set up.
 *
 *   const resolve = contactsResolver({ sql, sdk: notion.sdk, settings, defaultCountry, now });
 *   const r = await resolve!("+15550100123", { name: "Name OpenPhone knows" });
 *   // r.status: "matched" (r.page_id) | "ambiguous" (r.candidates: flag for review) | "unknown"
 */
export function contactsResolver(opts: {
  sql: Sql;
  sdk: NotionContactsSdk;
  settings: Parameters<typeof contactsSetup>[0];
  defaultCountry: CountryCode;
  now: () => number;
}):
  | ((phone: string | null | undefined, o?: { name?: string | null }) => Promise<ResolvedContact>)
  | null {
  const setup = contactsSetup(opts.settings);
  if (!setup) return null;
  const deps = {
    store: createContactsStore(opts.sql),
    directory: createNotionContacts({
      sdk: opts.sdk,
      dataSourceId: setup.dataSourceId,
      properties: setup.properties,
      filterTypes: setup.filterTypes,
      defaultCountry: opts.defaultCountry,
    }),
    now: opts.now,
    defaultCountry: opts.defaultCountry,
  };
  return (phone, o = {}) => resolveContact(deps, phone, o);
}
