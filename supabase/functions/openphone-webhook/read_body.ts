/**
 * Reads a request body as raw bytes, refusing more than `maxBytes` without reading further
 * (a declared Content-Length over the limit is refused before any byte is read).
 */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Body is larger than ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await req.body?.cancel();
    throw new BodyTooLargeError(maxBytes);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
