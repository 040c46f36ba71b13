/**
 * Request plumbing shared by the routes: reading a JSON body as Notion does (empty is `{}`,
 * unparsable is 400 `invalid_json`, over 500 KB is refused), answering with the request id
 * header, and turning a thrown NotionError into Notion's error body.
 */
import { json } from "../core/json.ts";
import type { Params, RouteHandler } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { MAX_PAYLOAD_BYTES } from "./block_specs.ts";
import { errorResponse, NotionError, validationError } from "./errors.ts";

export type Handler = (
  req: Request,
  params: Params,
  ctx: SandboxContext,
) => Promise<unknown> | unknown;

/** A route answering the handler's result as JSON, or its NotionError as Notion's error body. */
export function route(handler: Handler): RouteHandler<SandboxContext> {
  return async (req, params, ctx) => {
    try {
      const body = await handler(req, params, ctx);
      return json(body, 200, { "x-notion-request-id": crypto.randomUUID() });
    } catch (e) {
      if (e instanceof NotionError) return errorResponse(e);
      throw e;
    }
  };
}

/** The JSON body of a request; an absent body is `{}` (the SDK omits empty bodies). */
export async function readBody(req: Request): Promise<unknown> {
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw validationError(
      `Request body too large: the maximum payload size is 500KB, instead was ${bytes.length} bytes.`,
    );
  }
  const text = new TextDecoder().decode(bytes).trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new NotionError(400, "invalid_json", "Error parsing JSON body.");
  }
}

/** Repeated `filter_properties` query parameters. */
export const filterProperties = (req: Request): string[] =>
  new URL(req.url).searchParams.getAll("filter_properties");
