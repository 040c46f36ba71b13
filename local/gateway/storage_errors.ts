/**
 * Errors in the shape the Supabase Storage server renders them, so storage-js turns them into the
 * same `StorageApiError`s as in production. The server (supabase/storage,
 * src/internal/errors/codes.ts and src/http/error-handler.ts) answers almost every 4xx with HTTP
 * 400 and puts the meaningful status in the body's string `statusCode`; storage-js copies the
 * HTTP status to `error.status` and the body's `statusCode` to `error.statusCode`. The messages
 * below are the server's own, kept verbatim so code written against production matches them.
 */

export class StorageHttpError extends Error {
  constructor(
    /** The meaningful status, rendered as the body's `statusCode` string. */
    readonly statusCode: number,
    /** The server's `ErrorCode`, e.g. `NoSuchKey`. */
    readonly code: string,
    message: string,
    /** The server's backwards-compatible `error` field; defaults to the code. */
    readonly error: string = code,
    /** The HTTP status; the server uses 400 for every client error unless it says otherwise. */
    readonly httpStatus: number = statusCode >= 500 ? 500 : 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "StorageHttpError";
  }

  toResponse(): Response {
    return jsonResponse(
      {
        statusCode: String(this.statusCode),
        code: this.code,
        error: this.error,
        message: this.message,
      },
      this.httpStatus,
      this.headers,
    );
  }
}

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export const errors = {
  noSuchBucket: () =>
    new StorageHttpError(404, "NoSuchBucket", "Bucket not found", "Bucket not found"),
  noSuchKey: () => new StorageHttpError(404, "NoSuchKey", "Object not found", "not_found"),
  /** Unique violations: an existing bucket, an existing object without upsert, a taken destination. */
  duplicate: () =>
    new StorageHttpError(409, "ResourceAlreadyExists", "The resource already exists", "Duplicate"),
  bucketNotEmpty: () =>
    new StorageHttpError(409, "ResourceNotEmpty", "The bucket you tried to delete is not empty"),
  /** Missing or unverifiable credentials; `message` is jsonwebtoken's wording as the server relays it. */
  accessDenied: (message: string) =>
    new StorageHttpError(403, "AccessDenied", message, "Unauthorized"),
  /** What a role without row-level security policies gets for writes in production. */
  rlsViolation: () =>
    new StorageHttpError(
      403,
      "AccessDenied",
      "new row violates row-level security policy",
      "Unauthorized",
    ),
  invalidJwt: (message: string) => new StorageHttpError(400, "InvalidJWT", message),
  invalidSignature: () => new StorageHttpError(400, "InvalidSignature", "Invalid signature"),
  invalidKey: (key: string) => new StorageHttpError(400, "InvalidKey", `Invalid key: ${key}`),
  invalidBucketName: () =>
    new StorageHttpError(400, "InvalidBucketName", "Bucket name invalid", "Invalid Input"),
  invalidMimeType: (mimeType: string) =>
    new StorageHttpError(
      415,
      "InvalidMimeType",
      `mime type ${mimeType} is not supported`,
      "invalid_mime_type",
    ),
  entityTooLarge: () =>
    new StorageHttpError(
      413,
      "EntityTooLarge",
      "The object exceeded the maximum allowed size",
      "Payload too large",
    ),
  invalidFileSizeLimit: () =>
    new StorageHttpError(
      400,
      "InvalidRequest",
      "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B",
    ),
  invalidRequest: (message: string) => new StorageHttpError(400, "InvalidRequest", message),
  noContent: (message = "No content provided") =>
    new StorageHttpError(400, "InvalidRequest", message),
  // An unsatisfiable Range. The server lets S3's 416 through as a 400; plain HTTP clients expect
  // a real 416 with `Content-Range: bytes */<size>`, which is what we send.
  rangeNotSatisfiable: (size: number) =>
    new StorageHttpError(416, "InvalidRange", "Range not satisfiable", "invalid_range", 416, {
      "content-range": `bytes */${size}`,
    }),
  internal: (message = "Internal server error") =>
    new StorageHttpError(500, "InternalError", message),
};

/** Fastify's answer for a route it does not know; the real server gives a true 404 for these. */
export function routeNotFound(method: string, path: string): Response {
  return jsonResponse(
    { statusCode: 404, error: "Not Found", message: `Route ${method}:${path} not found` },
    404,
  );
}
