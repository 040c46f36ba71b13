/** Helpers the v1 route modules share: rendering context, time filters, paged answers. */
import { json } from "../../core/json.ts";
import type { RouteHandler } from "../../core/router.ts";
import type { SandboxContext } from "../../core/vendor.ts";
import { type Family, invalidInput, notPhoneNumberUser } from "../errors.ts";
import { type Keyed, paginate, queryFingerprint } from "../pagination.ts";
import type { RenderContext } from "../serialize.ts";
import type { OpenPhoneState } from "../state.ts";
import type { ParamValue } from "../validation.ts";

export interface RouteDeps {
  state: OpenPhoneState;
}

/** Where route modules register GET routes (the API routes get the gateway's headers). */
export interface Registrar {
  get(pattern: string, handler: RouteHandler<SandboxContext>): unknown;
}

export function renderContext(deps: RouteDeps, ctx: SandboxContext): RenderContext {
  return { state: deps.state, baseUrl: ctx.baseUrl(), now: ctx.clock.now() };
}

const ms = (v: ParamValue): number | null => typeof v === "string" ? Date.parse(v) : null;

/**
 * createdAfter / createdBefore (exclusive), plus the deprecated `since`, which the docs say
 * "incorrectly behaves as createdBefore" — so it does here too.
 */
export function createdFilter(
  values: { createdAfter?: ParamValue; createdBefore?: ParamValue; since?: ParamValue },
): (t: number) => boolean {
  const after = ms(values.createdAfter);
  const before = [ms(values.createdBefore), ms(values.since)].filter((x): x is number =>
    x !== null
  );
  return (t) => (after === null || t > after) && before.every((b) => t < b);
}

/**
 * The access check of the list endpoints: the number must be in the workspace and the user
 * (`userId`, or the workspace owner by default) must be one of its users.
 */
export function checkNumberAccess(
  state: OpenPhoneState,
  family: Family,
  phoneNumberId: string,
  userId: ParamValue,
): Response | null {
  const user = typeof userId === "string" ? userId : state.owner()?.id;
  if (!user || !state.isNumberUser(phoneNumberId, user)) return notPhoneNumberUser(family);
  return null;
}

/** Pages `items` for a v1 list endpoint, or answers 400 for a bad page token. */
export function pagedResponse<T>(
  family: Family,
  req: Request,
  items: Keyed<T>[],
  maxResults: number,
  pageToken: ParamValue,
  render: (item: T) => unknown,
): Response {
  const params = new URL(req.url).searchParams;
  const page = paginate(items, {
    maxResults,
    pageToken: typeof pageToken === "string" ? pageToken : undefined,
    fingerprint: queryFingerprint(params),
  }, render);
  if ("path" in page) return invalidInput(family, [page]);
  return json(page);
}
