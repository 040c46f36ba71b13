/**
 * The `q` search language of files.list: `term operator value`, combined with `and`, `or`,
 * `not` and parentheses (Drive "Search query terms and operators" reference). A real
 * tokenizer and recursive-descent parser: anything it cannot read, or a term used with an
 * operator Drive does not allow for it, fails the request with 400 "Invalid Value" (location q),
 * as Drive does.
 *
 * Supported terms: name, fullText, mimeType (strings); createdTime, modifiedTime,
 * viewedByMeTime (RFC 3339 dates); trashed, starred, sharedWithMe (booleans); visibility;
 * `'<value>' in parents | owners | writers | readers`.
 */
import { invalidValue } from "./errors.ts";

export type Expr =
  | { op: "and" | "or"; left: Expr; right: Expr }
  | { op: "not"; expr: Expr }
  | { op: "cmp"; term: string; cmp: Comparison; value: string | number | boolean }
  | { op: "in"; collection: Collection; value: string };

export type Comparison = "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains";
export type Collection = "parents" | "owners" | "writers" | "readers";

/** What the evaluator reads from a file. Missing times compare false. */
export interface Searchable {
  name: string;
  mimeType: string;
  fullText: string;
  createdTime: number;
  modifiedTime: number;
  viewedByMeTime: number | null;
  trashed: boolean;
  starred: boolean;
  sharedWithMe: boolean;
  visibility: string;
  parents: readonly string[];
  owners: readonly string[];
  writers: readonly string[];
  readers: readonly string[];
}

type Kind = "string" | "date" | "boolean";

const TERMS: Record<string, { kind: Kind; ops: readonly Comparison[] }> = {
  name: { kind: "string", ops: ["contains", "=", "!="] },
  fullText: { kind: "string", ops: ["contains"] },
  mimeType: { kind: "string", ops: ["contains", "=", "!="] },
  visibility: { kind: "string", ops: ["=", "!="] },
  createdTime: { kind: "date", ops: ["<", "<=", "=", "!=", ">", ">="] },
  modifiedTime: { kind: "date", ops: ["<", "<=", "=", "!=", ">", ">="] },
  viewedByMeTime: { kind: "date", ops: ["<", "<=", "=", "!=", ">", ">="] },
  trashed: { kind: "boolean", ops: ["=", "!="] },
  starred: { kind: "boolean", ops: ["=", "!="] },
  sharedWithMe: { kind: "boolean", ops: ["=", "!="] },
};
const COLLECTIONS = new Set<string>(["parents", "owners", "writers", "readers"]);

type Token =
  | { t: "str"; v: string }
  | { t: "word"; v: string }
  | { t: "op"; v: "=" | "!=" | "<" | "<=" | ">" | ">=" }
  | { t: "(" | ")" };

class QueryError extends Error {}

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= q.length) throw new QueryError("unterminated string");
        const d = q[i]!;
        if (d === "\\") {
          const next = q[i + 1];
          if (next !== "'" && next !== "\\") throw new QueryError("bad escape");
          v += next;
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: "str", v });
    } else if (c === "(" || c === ")") {
      out.push({ t: c });
      i++;
    } else if ("=!<>".includes(c)) {
      const two = q.slice(i, i + 2);
      if (two === "!=" || two === "<=" || two === ">=") {
        out.push({ t: "op", v: two });
        i += 2;
      } else if (c === "!") {
        throw new QueryError("lone !");
      } else {
        out.push({ t: "op", v: c as "=" | "<" | ">" });
        i++;
      }
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i));
      if (!m) throw new QueryError(`unexpected "${c}"`);
      out.push({ t: "word", v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/** RFC 3339 date-time; a value without a zone is UTC (Drive's default). */
export function parseRfc3339(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i
    .exec(s);
  if (!m) return null;
  const zone = !m[8] || m[8].toUpperCase() === "Z" ? "Z" : m[8];
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ""}${zone}`);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-30 over to March; Drive refuses it.
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return day.getUTCDate() === Number(m[3]) ? ms : null;
}

class Parser {
  #i = 0;
  constructor(readonly tokens: Token[]) {}

  parse(): Expr {
    const e = this.#or();
    if (this.#i < this.tokens.length) throw new QueryError("trailing tokens");
    return e;
  }

  #peekWord(...words: string[]): boolean {
    const t = this.tokens[this.#i];
    return t?.t === "word" && words.includes(t.v.toLowerCase());
  }

  #next(): Token {
    const t = this.tokens[this.#i++];
    if (!t) throw new QueryError("unexpected end");
    return t;
  }

  #or(): Expr {
    let left = this.#and();
    while (this.#peekWord("or")) {
      this.#i++;
      left = { op: "or", left, right: this.#and() };
    }
    return left;
  }

  #and(): Expr {
    let left = this.#unary();
    while (this.#peekWord("and")) {
      this.#i++;
      left = { op: "and", left, right: this.#unary() };
    }
    return left;
  }

  #unary(): Expr {
    if (this.#peekWord("not")) {
      this.#i++;
      return { op: "not", expr: this.#unary() };
    }
    const t = this.tokens[this.#i];
    if (t?.t === "(") {
      this.#i++;
      const e = this.#or();
      if (this.#next().t !== ")") throw new QueryError("expected )");
      return e;
    }
    return this.#term();
  }

  #term(): Expr {
    const first = this.#next();
    if (first.t === "str") {
      const kw = this.#next();
      const coll = this.#next();
      if (kw.t !== "word" || kw.v.toLowerCase() !== "in") throw new QueryError("expected in");
      if (coll.t !== "word" || !COLLECTIONS.has(coll.v)) throw new QueryError("bad collection");
      return { op: "in", collection: coll.v as Collection, value: first.v };
    }
    if (first.t !== "word") throw new QueryError("expected a term");
    const spec = TERMS[first.v];
    if (!spec) throw new QueryError(`unknown term ${first.v}`);
    const opTok = this.#next();
    const cmp: Comparison | null = opTok.t === "op"
      ? opTok.v
      : opTok.t === "word" && opTok.v.toLowerCase() === "contains"
      ? "contains"
      : null;
    if (!cmp || !spec.ops.includes(cmp)) throw new QueryError(`bad operator for ${first.v}`);
    const valueTok = this.#next();
    if (spec.kind === "boolean") {
      if (valueTok.t !== "word" || !/^(true|false)$/i.test(valueTok.v)) {
        throw new QueryError("expected a boolean");
      }
      return { op: "cmp", term: first.v, cmp, value: valueTok.v.toLowerCase() === "true" };
    }
    if (valueTok.t !== "str") throw new QueryError("expected a quoted string");
    if (spec.kind === "date") {
      const ms = parseRfc3339(valueTok.v);
      if (ms === null) throw new QueryError("bad date");
      return { op: "cmp", term: first.v, cmp, value: ms };
    }
    return { op: "cmp", term: first.v, cmp, value: valueTok.v };
  }
}

/** Parses `q`; throws Drive's 400 Invalid Value (location q) when it is not a valid query. */
export function parseQuery(q: string): Expr {
  try {
    const tokens = tokenize(q);
    if (!tokens.length) throw new QueryError("empty");
    return new Parser(tokens).parse();
  } catch (e) {
    if (e instanceof QueryError) throw invalidValue("q");
    throw e;
  }
}

const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/**
 * Drive's `name contains` matches word prefixes, not substrings: "HelloWorld" matches
 * 'Hello' but not 'World'. A value of several words matches consecutive words of the name,
 * the last one as a prefix.
 */
export function nameContains(name: string, value: string): boolean {
  const hay = words(name);
  const needle = words(value);
  if (!needle.length) return name.toLowerCase().includes(value.toLowerCase());
  for (let i = 0; i + needle.length <= hay.length; i++) {
    const ok = needle.every((w, k) =>
      k === needle.length - 1 ? hay[i + k]!.startsWith(w) : hay[i + k] === w
    );
    if (ok) return true;
  }
  return false;
}

/** `fullText contains` matches whole words only (Drive: "entire string tokens"). */
function fullTextContains(text: string, value: string): boolean {
  const hay = words(text);
  const needle = words(value);
  if (!needle.length) return false;
  return hay.some((_, i) => needle.every((w, k) => hay[i + k] === w));
}

function compare(a: number | string, cmp: Comparison, b: number | string): boolean {
  switch (cmp) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "contains":
      return false;
  }
}

export function matches(e: Expr, f: Searchable): boolean {
  switch (e.op) {
    case "and":
      return matches(e.left, f) && matches(e.right, f);
    case "or":
      return matches(e.left, f) || matches(e.right, f);
    case "not":
      return !matches(e.expr, f);
    case "in":
      return f[e.collection].includes(e.value);
    case "cmp": {
      const { term, cmp, value } = e;
      if (typeof value === "boolean") {
        const actual = f[term as "trashed" | "starred" | "sharedWithMe"];
        return cmp === "=" ? actual === value : actual !== value;
      }
      if (typeof value === "number") {
        const actual = f[term as "createdTime" | "modifiedTime" | "viewedByMeTime"];
        return actual !== null && compare(actual, cmp, value);
      }
      if (cmp === "contains") {
        if (term === "name") return nameContains(f.name, value);
        if (term === "fullText") return fullTextContains(f.fullText, value);
        return f.mimeType.toLowerCase().includes(value.toLowerCase());
      }
      return compare(f[term as "name" | "mimeType" | "visibility"], cmp, value);
    }
  }
}

/** Whether the query searches full text (Drive then refuses an orderBy). */
export function usesFullText(e: Expr): boolean {
  switch (e.op) {
    case "and":
    case "or":
      return usesFullText(e.left) || usesFullText(e.right);
    case "not":
      return usesFullText(e.expr);
    case "in":
      return false;
    case "cmp":
      return e.term === "fullText";
  }
}
