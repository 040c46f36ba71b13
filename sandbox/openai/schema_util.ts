/** JSON Schema helpers shared by the strict-mode checker and the output generator. */
export type Schema = Record<string, unknown>;

export const isSchema = (v: unknown): v is Schema =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Resolves a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer) in `root`. */
export function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isSchema(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return isSchema(node) ? node : undefined;
}

/** The schema's `type` as a list (`"string"` → `["string"]`; absent → `[]`). */
export function typesOf(s: Schema): string[] {
  const t = s.type;
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  return [];
}

/** Whether `null` is an allowed value (`type` includes null, or an anyOf branch is null). */
export function allowsNull(s: Schema, root: Schema, seen = new Set<Schema>()): boolean {
  if (seen.has(s)) return false;
  seen.add(s);
  if (typesOf(s).includes("null")) return true;
  if (Array.isArray(s.enum) && s.enum.includes(null)) return true;
  if (s.const === null && "const" in s) return true;
  if (typeof s.$ref === "string") {
    const t = resolveRef(root, s.$ref);
    return t ? allowsNull(t, root, seen) : false;
  }
  if (Array.isArray(s.anyOf)) {
    return s.anyOf.some((b) => isSchema(b) && allowsNull(b, root, seen));
  }
  return false;
}
