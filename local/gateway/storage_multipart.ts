/**
 * A streaming multipart/form-data reader. `Request.formData()` would hold the whole upload in
 * memory; this hands file parts to the caller chunk by chunk, keeping at most one delimiter's
 * worth of bytes back, so an upload of any size is written to disk as it arrives.
 */

export interface MultipartPart {
  name: string;
  /** Present (possibly empty) for file parts; storage-js's Blob part is `filename="blob"`. */
  filename: string | null;
  contentType: string | null;
}

export interface MultipartVisitor {
  /** A part without a filename; its value is buffered (within `maxFieldBytes`). */
  field(name: string, value: string): void;
  /** A file part: return a consumer for its bytes, or null to skip them. */
  file(part: MultipartPart): Promise<((chunk: Uint8Array) => Promise<void>) | null>;
}

export interface MultipartLimits {
  maxFieldBytes: number;
  maxHeaderBytes: number;
  maxParts: number;
}

const DEFAULT_LIMITS: MultipartLimits = {
  maxFieldBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxParts: 32,
};

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF = encoder.encode("\r\n");
const HEADER_END = encoder.encode("\r\n\r\n");

/** The boundary parameter of a multipart/form-data content type, or null. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2] ?? null;
  return boundary && boundary.length <= 200 ? boundary : null;
}

export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  if (first === undefined) return from;
  const last = haystack.length - needle.length;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function parsePartHeaders(block: string): MultipartPart {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const header = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (header === "content-disposition") disposition = value;
    else if (header === "content-type") contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) {
    throw new MultipartError("A multipart part has no form-data content disposition");
  }
  const params = new Map<string, string>();
  const pattern = /;\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  for (let m = pattern.exec(disposition); m; m = pattern.exec(disposition)) {
    const quoted = m[2]?.replace(/\\(.)/g, "$1");
    params.set(m[1]!.toLowerCase(), quoted ?? m[3] ?? "");
  }
  return {
    name: params.get("name") ?? "",
    filename: params.get("filename") ?? null,
    contentType,
  };
}

/**
 * Reads the whole body, calling the visitor for each part in order. Throws MultipartError for a
 * malformed or truncated body, and whatever the visitor's consumers throw.
 */
export async function readMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  visitor: MultipartVisitor,
  limits: MultipartLimits = DEFAULT_LIMITS,
): Promise<void> {
  const dashBoundary = encoder.encode(`--${boundary}`);
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const reader = body.getReader();
  let buffer: Uint8Array = new Uint8Array(0);

  async function more(): Promise<boolean> {
    const { done, value } = await reader.read();
    if (done) return false;
    if (buffer.length === 0) buffer = value;
    else {
      const joined = new Uint8Array(buffer.length + value.length);
      joined.set(buffer);
      joined.set(value, buffer.length);
      buffer = joined;
    }
    return true;
  }

  async function need(bytes: number): Promise<void> {
    while (buffer.length < bytes) {
      if (!await more()) throw new MultipartError("The multipart body ended early");
    }
  }

  try {
    // Preamble: everything before the first boundary is ignored.
    for (;;) {
      const at = indexOfBytes(buffer, dashBoundary);
      if (at !== -1) {
        buffer = buffer.subarray(at + dashBoundary.length);
        break;
      }
      buffer = buffer.subarray(Math.max(0, buffer.length - dashBoundary.length + 1));
      if (!await more()) throw new MultipartError("The multipart body has no boundary");
    }

    for (let parts = 0;; parts++) {
      // After a boundary: "--" closes the body, otherwise the line ends (after optional padding).
      await need(2);
      if (buffer[0] === 0x2d && buffer[1] === 0x2d) return;
      while (buffer[0] === 0x20 || buffer[0] === 0x09) {
        buffer = buffer.subarray(1);
        await need(2);
      }
      if (buffer[0] !== CRLF[0] || buffer[1] !== CRLF[1]) {
        throw new MultipartError("A multipart boundary is not followed by a line break");
      }
      buffer = buffer.subarray(2);
      if (parts >= limits.maxParts) {
        throw new MultipartError("The multipart body has too many parts");
      }

      // Headers, up to the blank line (which comes at once when a part has no headers).
      let headerBlock: string;
      await need(2);
      if (buffer[0] === CRLF[0] && buffer[1] === CRLF[1]) {
        headerBlock = "";
        buffer = buffer.subarray(2);
      } else {
        let end = indexOfBytes(buffer, HEADER_END);
        while (end === -1) {
          if (buffer.length > limits.maxHeaderBytes) {
            throw new MultipartError("A multipart part's headers are too large");
          }
          if (!await more()) throw new MultipartError("The multipart body ended early");
          end = indexOfBytes(buffer, HEADER_END);
        }
        headerBlock = decoder.decode(buffer.subarray(0, end));
        buffer = buffer.subarray(end + HEADER_END.length);
      }
      const part = parsePartHeaders(headerBlock);

      const fieldChunks: Uint8Array[] = [];
      let fieldBytes = 0;
      const consume = part.filename !== null ? await visitor.file(part) : (chunk: Uint8Array) => {
        fieldBytes += chunk.length;
        if (fieldBytes > limits.maxFieldBytes) {
          throw new MultipartError(`The form field "${part.name}" is too large`);
        }
        fieldChunks.push(chunk);
        return Promise.resolve();
      };

      // Content, up to the next delimiter. Bytes that could be the start of a delimiter split
      // across reads are held back; everything else is passed on as soon as it arrives.
      for (;;) {
        const at = indexOfBytes(buffer, delimiter);
        if (at !== -1) {
          if (at > 0 && consume) await consume(buffer.subarray(0, at));
          buffer = buffer.subarray(at + delimiter.length);
          break;
        }
        const safe = buffer.length - delimiter.length + 1;
        if (safe > 0) {
          if (consume) await consume(buffer.subarray(0, safe));
          buffer = buffer.subarray(safe);
        }
        if (!await more()) throw new MultipartError("The multipart body ended early");
      }

      if (part.filename === null) {
        const value = new Uint8Array(fieldBytes);
        let offset = 0;
        for (const chunk of fieldChunks) {
          value.set(chunk, offset);
          offset += chunk.length;
        }
        visitor.field(part.name, decoder.decode(value));
      }
    }
  } finally {
    // The epilogue after the closing boundary (or the rest, after an error) is not wanted.
    await reader.cancel().catch(() => {});
  }
}
