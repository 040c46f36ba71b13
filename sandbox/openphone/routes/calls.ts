/**
 * Calls and what hangs off them:
 *
 *   GET /v1/calls                      phoneNumberId + exactly one participant + maxResults
 *   GET /v1/calls/:callId
 *   GET /v1/call-recordings/:callId    an array of segments, oldest first ([] when none)
 *   GET /v1/call-voicemails/:callId
 *   GET /v1/call-summaries/:callId     Business/Scale plans only
 *   GET /v1/call-transcripts/:id       (the path parameter really is `id`)
 */
import { json } from "../../core/json.ts";
import { type Family, forbidden, invalidInput, notFound, tooManyParticipants } from "../errors.ts";
import {
  restCall,
  restRecording,
  restSummary,
  restTranscript,
  restVoicemail,
} from "../serialize.ts";
import type { Call } from "../types.ts";
import {
  checkPathParam,
  DATE,
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
  renderContext,
  type RouteDeps,
} from "./common.ts";

const LIST_CALLS = {
  phoneNumberId: PHONE_NUMBER_ID,
  userId: USER_ID,
  // The schema says maxItems 1; the API answers more than one with its own 0101400 error.
  participants: { kind: "array", required: true, items: { kind: "string", minLength: 1 } },
  since: DATE,
  createdAfter: DATE,
  createdBefore: DATE,
  maxResults: maxResults(100),
  pageToken: PAGE_TOKEN,
} as const;

/** Resolves `:callId` (validated as `AC…`) to a call, or the family's 400/404. */
function findCall(
  deps: RouteDeps,
  family: Family,
  name: string,
  id: string,
): Call | Response {
  const issues = checkPathParam(name, id, { kind: "string", prefix: "AC" });
  if (issues.length) return invalidInput(family, issues);
  return deps.state.calls.get(id) ?? notFound(family, id);
}

/** Summaries and transcripts need a Business or Scale plan. */
function aiGate(deps: RouteDeps): "forbidden" | "absent" | null {
  return deps.state.workspace.plan === "starter" ? deps.state.workspace.aiGate : null;
}

export function callRoutes(router: Registrar, deps: RouteDeps): void {
  router.get("/v1/calls", (req, _p, ctx) => {
    const parsed = parseQuery(new URL(req.url).searchParams, LIST_CALLS);
    if (!parsed.ok) return invalidInput("calls", parsed.issues);
    const q = parsed.values;
    const participants = q.participants as string[];
    if (participants.length > 1) return tooManyParticipants("calls");
    const pnId = q.phoneNumberId as string;
    const denied = checkNumberAccess(deps.state, "calls", pnId, q.userId);
    if (denied) return denied;
    const inRange = createdFilter(q);
    const items = [...deps.state.calls.values()]
      .filter((c) =>
        c.phoneNumberId === pnId && c.participant === participants[0] && inRange(c.createdAt)
      )
      .map((c) => ({ item: c, t: c.createdAt, id: c.id }));
    const r = renderContext(deps, ctx);
    return pagedResponse(
      "calls",
      req,
      items,
      q.maxResults as number,
      q.pageToken,
      (c) => restCall(r, c),
    );
  });

  router.get("/v1/calls/:callId", (_req, p, ctx) => {
    const call = findCall(deps, "calls", "callId", p.callId!);
    if (call instanceof Response) return call;
    return json({ data: restCall(renderContext(deps, ctx), call) });
  });

  router.get("/v1/call-recordings/:callId", (_req, p, ctx) => {
    const call = findCall(deps, "recordings", "callId", p.callId!);
    if (call instanceof Response) return call;
    const r = renderContext(deps, ctx);
    const segments = [...call.recordings].sort((a, b) => a.startTime - b.startTime);
    return json({ data: segments.map((rec) => restRecording(r, rec)) });
  });

  router.get("/v1/call-voicemails/:callId", (_req, p, ctx) => {
    const call = findCall(deps, "voicemails", "callId", p.callId!);
    if (call instanceof Response) return call;
    const vm = restVoicemail(renderContext(deps, ctx), call);
    return vm ? json({ data: vm }) : notFound("voicemails", call.id);
  });

  router.get("/v1/call-summaries/:callId", (_req, p) => {
    const gate = aiGate(deps);
    if (gate === "forbidden") return forbidden("summaries");
    const call = findCall(deps, "summaries", "callId", p.callId!);
    if (call instanceof Response) return call;
    if (gate === "absent") return json({ data: restSummary(call, true) });
    return call.summary ? json({ data: restSummary(call) }) : notFound("summaries", call.id);
  });

  router.get("/v1/call-transcripts/:id", (_req, p, ctx) => {
    const gate = aiGate(deps);
    if (gate === "forbidden") return forbidden("transcripts");
    const call = findCall(deps, "transcripts", "id", p.id!);
    if (call instanceof Response) return call;
    const r = renderContext(deps, ctx);
    if (gate === "absent") return json({ data: restTranscript(r, call, true) });
    return call.transcript
      ? json({ data: restTranscript(r, call) })
      : notFound("transcripts", call.id);
  });
}
