/**
 *   GET /v1/messages       phoneNumberId + participants (E.164) + maxResults
 *   GET /v1/messages/:id   message ids share the `AC` prefix with calls
 *
 * Unlike calls, the message list's `participants` has no maxItems in the v1 schema and its
 * items must be E.164: several participants select the group conversation with exactly those
 * members.
 */
import { json } from "../../core/json.ts";
import { invalidInput, notFound } from "../errors.ts";
import { restMessage } from "../serialize.ts";
import {
  checkPathParam,
  DATE,
  E164_SPEC,
  maxResults,
  PAGE_TOKEN,
  parseQuery,
  PHONE_NUMBER_ID,
  USER_ID,
} from "../validation.ts";
import {
  checkNumberAccess,
  createdFilter,
  pagedResponse,
  type Registrar,
  type RouteDeps,
} from "./common.ts";

const LIST_MESSAGES = {
  phoneNumberId: PHONE_NUMBER_ID,
  userId: USER_ID,
  participants: { kind: "array", required: true, items: E164_SPEC },
  since: DATE,
  createdAfter: DATE,
  createdBefore: DATE,
  maxResults: maxResults(100),
  pageToken: PAGE_TOKEN,
} as const;

export function messageRoutes(router: Registrar, deps: RouteDeps): void {
  router.get("/v1/messages", (req) => {
    const parsed = parseQuery(new URL(req.url).searchParams, LIST_MESSAGES);
    if (!parsed.ok) return invalidInput("messages", parsed.issues);
    const q = parsed.values;
    const pnId = q.phoneNumberId as string;
    const denied = checkNumberAccess(deps.state, "messages", pnId, q.userId);
    if (denied) return denied;
    const wanted = [...new Set(q.participants as string[])].sort().join(",");
    const inRange = createdFilter(q);
    const items = [...deps.state.messages.values()]
      .filter((m) =>
        m.phoneNumberId === pnId && m.participants.join(",") === wanted && inRange(m.createdAt)
      )
      .map((m) => ({ item: m, t: m.createdAt, id: m.id }));
    return pagedResponse("messages", req, items, q.maxResults as number, q.pageToken, restMessage);
  });

  router.get("/v1/messages/:id", (_req, p) => {
    const issues = checkPathParam("id", p.id!, { kind: "string", prefix: "AC" });
    if (issues.length) return invalidInput("messages", issues);
    const m = deps.state.messages.get(p.id!);
    return m ? json({ data: restMessage(m) }) : notFound("messages", p.id!);
  });
}
