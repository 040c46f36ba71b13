/**
 *   GET /v1/phone-numbers   optional userId; `{data}` without pagination
 *   GET /v1/conversations   phoneNumbers (PN ids or E.164, 1–100), userId, created/updated
 *                           ranges, excludeInactive, maxResults (1–100), pageToken;
 *                           most recent activity first
 *   GET /v1/contacts        externalIds REQUIRED (so contacts cannot be listed or searched by
 *                           phone), optional sources, maxResults (1–50), pageToken
 */
import { json } from "../../core/json.ts";
import { invalidInput } from "../errors.ts";
import { restContact, restConversation, restPhoneNumber } from "../serialize.ts";
import {
  DATE,
  maxResults,
  PAGE_TOKEN,
  type ParamValue,
  parseQuery,
  PN_OR_E164,
  USER_ID,
} from "../validation.ts";
import { pagedResponse, type Registrar, type RouteDeps } from "./common.ts";

const LIST_CONVERSATIONS = {
  phoneNumber: PN_OR_E164,
  phoneNumbers: { kind: "array", minItems: 1, maxItems: 100, items: PN_OR_E164 },
  userId: USER_ID,
  createdAfter: DATE,
  createdBefore: DATE,
  updatedAfter: DATE,
  updatedBefore: DATE,
  excludeInactive: { kind: "boolean" },
  maxResults: maxResults(100),
  pageToken: PAGE_TOKEN,
} as const;

const EXTERNAL_ID = { kind: "string", minLength: 1, maxLength: 75 } as const;
const LIST_CONTACTS = {
  externalIds: { kind: "array", required: true, items: EXTERNAL_ID },
  sources: { kind: "array", items: EXTERNAL_ID },
  maxResults: maxResults(50),
  pageToken: PAGE_TOKEN,
} as const;

const time = (v: ParamValue): number | null => typeof v === "string" ? Date.parse(v) : null;

export function workspaceRoutes(router: Registrar, deps: RouteDeps): void {
  router.get("/v1/phone-numbers", (req) => {
    const parsed = parseQuery(new URL(req.url).searchParams, { userId: USER_ID });
    if (!parsed.ok) return invalidInput("phoneNumbers", parsed.issues);
    const userId = parsed.values.userId;
    const data = [...deps.state.phoneNumbers.values()]
      .filter((pn) => typeof userId !== "string" || pn.userIds.includes(userId))
      .map((pn) => restPhoneNumber(deps.state, pn));
    return json({ data });
  });

  router.get("/v1/conversations", (req) => {
    const parsed = parseQuery(new URL(req.url).searchParams, LIST_CONVERSATIONS);
    if (!parsed.ok) return invalidInput("conversations", parsed.issues);
    const q = parsed.values;
    // `phoneNumbers` wins over the deprecated `phoneNumber` when both are sent.
    const refs = (q.phoneNumbers as string[] | undefined) ??
      (typeof q.phoneNumber === "string" ? [q.phoneNumber] : undefined);
    const numberIds = refs?.map((ref) => deps.state.findPhoneNumber(ref)?.id ?? ref);
    const ca = time(q.createdAfter);
    const cb = time(q.createdBefore);
    const ua = time(q.updatedAfter);
    const ub = time(q.updatedBefore);
    const userId = q.userId;
    const items = [...deps.state.conversations.values()]
      .filter((c) =>
        c.deletedAt === null &&
        (!numberIds || numberIds.includes(c.phoneNumberId)) &&
        (typeof userId !== "string" || deps.state.isNumberUser(c.phoneNumberId, userId)) &&
        (ca === null || c.createdAt > ca) && (cb === null || c.createdAt < cb) &&
        (ua === null || c.updatedAt > ua) && (ub === null || c.updatedAt < ub) &&
        !(q.excludeInactive === true && c.inactive)
      )
      .map((c) => ({ item: c, t: c.lastActivityAt ?? c.createdAt, id: c.id }));
    return pagedResponse(
      "conversations",
      req,
      items,
      q.maxResults as number,
      q.pageToken,
      restConversation,
    );
  });

  router.get("/v1/contacts", (req) => {
    const parsed = parseQuery(new URL(req.url).searchParams, LIST_CONTACTS);
    if (!parsed.ok) return invalidInput("contacts", parsed.issues);
    const q = parsed.values;
    const externalIds = q.externalIds as string[];
    const sources = q.sources as string[] | undefined;
    const items = [...deps.state.contacts.values()]
      .filter((c) =>
        c.deletedAt === null && c.externalId !== null && externalIds.includes(c.externalId) &&
        (!sources || (c.source !== null && sources.includes(c.source)))
      )
      .map((c) => ({ item: c, t: c.createdAt, id: c.id }));
    return pagedResponse("contacts", req, items, q.maxResults as number, q.pageToken, restContact);
  });
}
