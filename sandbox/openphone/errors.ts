/**
 * OpenPhone v1 error bodies: `{message, code, status, docs, title, description?, errors?}`.
 *
 * `code` is seven characters: a two-digit endpoint family, a two-digit variant and the HTTP
 * status, e.g. `0100404` (calls, not found), `0101403` (calls, "Not Phone Number User"),
 * `0901500` (recordings, unknown error). Families, titles and messages are the ones in the v1
 * OpenAPI documents (the response schemas' `const`s and their examples); where a message was
 * not documented the fake follows the documented pattern for that status.
 *
 * Validation failures carry TypeBox-style `errors` items (`path`, `message`, `value`, `schema`),
 * as in the spec's 400 example (`"Expected string to match '^US(.*)$'"`).
 */
import { json } from "../core/json.ts";

export const DOCS_URL = "https://openphone.com/docs";

export type Family =
  | "calls"
  | "messages"
  | "webhooks"
  | "phoneNumbers"
  | "summaries"
  | "transcripts"
  | "customFields"
  | "contacts"
  | "recordings"
  | "conversations"
  | "voicemails"
  | "unknown";

const FAMILY_CODE: Record<Family, string> = {
  calls: "01",
  messages: "02",
  webhooks: "03",
  phoneNumbers: "04",
  summaries: "05",
  transcripts: "06",
  customFields: "07",
  contacts: "08",
  recordings: "09",
  conversations: "10",
  voicemails: "12",
  // A path that matches no endpoint family.
  unknown: "00",
};

/** How each family names its resource in 401/403/404 messages ("the call recording" …). */
const NOUN: Record<Family, [lower: string, title: string]> = {
  calls: ["call", "Call"],
  messages: ["message", "Message"],
  webhooks: ["webhook", "Webhook"],
  phoneNumbers: ["phone number", "Phone Number"],
  summaries: ["call summary", "Call Summary"],
  transcripts: ["call transcript", "Call Transcript"],
  customFields: ["contact custom field", "Contact Custom Field"],
  contacts: ["contact", "Contact"],
  recordings: ["call recording", "Call Recording"],
  conversations: ["conversation", "Conversation"],
  voicemails: ["call voicemail", "Call Voicemail"],
  unknown: ["resource", "Resource"],
};

const TITLE: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Unknown",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Which family a request path belongs to, for its error codes. */
export function familyForPath(path: string): Family {
  const seg = path.split("/")[2] ?? "";
  switch (seg) {
    case "calls":
      return "calls";
    case "call-recordings":
      return "recordings";
    case "call-summaries":
      return "summaries";
    case "call-transcripts":
      return "transcripts";
    case "call-voicemails":
      return "voicemails";
    case "messages":
      return "messages";
    case "phone-numbers":
      return "phoneNumbers";
    case "contacts":
      return "contacts";
    case "contact-custom-fields":
      return "customFields";
    case "conversations":
      return "conversations";
    case "webhooks":
      return "webhooks";
    default:
      return "unknown";
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
  value?: unknown;
  schema: { type: string; [k: string]: unknown };
}

export interface V1ErrorOptions {
  message?: string;
  /** Second pair of the code: 00 for generic errors, 01 for endpoint-specific ones. */
  variant?: number;
  title?: string;
  description?: string;
  errors?: ValidationIssue[];
  headers?: HeadersInit;
}

export function errorCode(family: Family, status: number, variant?: number): string {
  const v = variant ?? (status === 500 ? 1 : 0);
  return `${FAMILY_CODE[family]}${String(v).padStart(2, "0")}${status}`;
}

export function v1Error(family: Family, status: number, opts: V1ErrorOptions = {}): Response {
  const body: Record<string, unknown> = {
    message: opts.message ?? defaultMessage(family, status),
    code: errorCode(family, status, opts.variant),
    status,
    docs: DOCS_URL,
    title: opts.title ?? TITLE[status] ?? "Error",
  };
  if (opts.description !== undefined) body.description = opts.description;
  if (opts.errors) body.errors = opts.errors;
  return json(body, status, opts.headers);
}

function defaultMessage(family: Family, status: number): string {
  const [lower, title] = NOUN[family];
  switch (status) {
    case 400:
      return "The input was invalid.";
    case 401:
      return `You are unauthorized to access the ${lower}`;
    case 403:
      return `You are forbidden to access the requested ${title}`;
    case 404:
      return `${title} not found`;
    case 500:
      return "An unknown error occurred";
    default:
      return TITLE[status] ?? "Error";
  }
}

export const invalidInput = (family: Family, errors: ValidationIssue[]): Response =>
  v1Error(family, 400, { errors });

export const notFound = (family: Family, id: string): Response =>
  v1Error(family, 404, { message: `${NOUN[family][1]} with ID ${id} not found` });

export const forbidden = (family: Family): Response => v1Error(family, 403);

/** 0101403 (calls), 0202403 (messages): the user is not one of the phone number's users. */
export const notPhoneNumberUser = (family: Family): Response =>
  v1Error(family, 403, {
    variant: family === "messages" ? 2 : 1,
    title: "Not Phone Number User",
    description: "Not Phone Number User",
    message: "You are forbidden to access the phone number",
  });

/** 0101400: list endpoints are limited to one-to-one conversations. */
export const tooManyParticipants = (family: Family): Response =>
  v1Error(family, 400, {
    variant: 1,
    title: "Too Many Participants",
    description: "Too Many Participants",
    message: "Only one participant is supported; conversations are limited to 1:1",
  });

/**
 * Answers for what the gateway rejects before the API sees the request: a missing or unknown
 * key (401) and the per-key rate limit (429). Kong's own bodies are `{"message": …}`.
 */
export function gatewayError(
  style: "v1" | "kong",
  family: Family,
  status: 401 | 429,
  reason: "missing" | "invalid" | "rate",
  headers: HeadersInit = {},
): Response {
  if (style === "kong") {
    const message = reason === "missing"
      ? "No API key found in request"
      : reason === "invalid"
      ? "Invalid authentication credentials"
      : "API rate limit exceeded";
    const extra: Record<string, string> = reason === "missing"
      ? { "www-authenticate": 'Key realm="kong"' }
      : {};
    return json({ message }, status, { ...extra, ...headers });
  }
  if (status === 429) {
    return v1Error(family, 429, { message: "API rate limit exceeded", headers });
  }
  return v1Error(family, 401, { headers });
}
