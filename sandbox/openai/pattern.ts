/**
 * A string that matches a schema's `pattern`, built from the regular expression itself: the
 * first alternative of each alternation, the minimum of each quantifier (at least once for `+`),
 * the first member of each character class. Covers the syntax schema patterns use in practice
 * (literals, escapes, classes, groups, alternation, quantifiers, anchors); lookaround and
 * backreferences answer null and the caller falls back to its own text.
 */
type Node =
  | { kind: "chars"; pick: string }
  | { kind: "group"; alts: Node[][] }
  | { kind: "repeat"; node: Node; min: number };

class Unsupported extends Error {}

const CLASS_ESCAPES: Record<string, string> = { d: "0", w: "a", s: " ", D: "a", W: "-", S: "a" };
const CONTROL_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v" };

export function stringMatching(pattern: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "u");
  } catch {
    return null;
  }
  try {
    const p = new Parser(pattern);
    const alts = p.alternation();
    if (p.pos < pattern.length) return null;
    const out = render({ kind: "group", alts });
    return re.test(out) ? out : null;
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}

function render(n: Node): string {
  switch (n.kind) {
    case "chars":
      return n.pick;
    case "group":
      return (n.alts[0] ?? []).map(render).join("");
    case "repeat":
      return render(n.node).repeat(n.min);
  }
}

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  #peek(): string | undefined {
    return this.src[this.pos];
  }

  alternation(): Node[][] {
    const alts: Node[][] = [this.sequence()];
    while (this.#peek() === "|") {
      this.pos++;
      alts.push(this.sequence());
    }
    return alts;
  }

  sequence(): Node[] {
    const seq: Node[] = [];
    while (this.pos < this.src.length && this.#peek() !== "|" && this.#peek() !== ")") {
      const atom = this.atom();
      if (atom) seq.push(this.quantified(atom));
    }
    return seq;
  }

  atom(): Node | null {
    const c = this.src[this.pos++]!;
    if (c === "^" || c === "$") return null;
    if (c === ".") return { kind: "chars", pick: "a" };
    if (c === "(") {
      if (this.src.startsWith("?:", this.pos)) this.pos += 2;
      else if (this.src.startsWith("?<", this.pos) && !/^\?<[=!]/.test(this.src.slice(this.pos))) {
        this.pos = this.src.indexOf(">", this.pos) + 1;
      } else if (this.#peek() === "?") throw new Unsupported();
      const alts = this.alternation();
      if (this.src[this.pos++] !== ")") throw new Unsupported();
      return { kind: "group", alts };
    }
    if (c === "[") return this.charClass();
    if (c === "\\") return { kind: "chars", pick: this.escape() };
    return { kind: "chars", pick: c };
  }

  escape(): string {
    const e = this.src[this.pos++];
    if (e === undefined) throw new Unsupported();
    if (e in CLASS_ESCAPES) return CLASS_ESCAPES[e]!;
    if (e in CONTROL_ESCAPES) return CONTROL_ESCAPES[e]!;
    if (/[1-9bBk]/.test(e)) throw new Unsupported();
    if (e === "u" || e === "x") {
      const m = /^\{([0-9a-fA-F]+)\}|^([0-9a-fA-F]{4})|^([0-9a-fA-F]{2})/.exec(
        this.src.slice(this.pos),
      );
      if (!m) throw new Unsupported();
      this.pos += m[0].length;
      return String.fromCodePoint(parseInt(m[1] ?? m[2] ?? m[3]!, 16));
    }
    return e;
  }

  /** A class's first member; for a negated class, the first candidate it does not exclude. */
  charClass(): Node {
    const negated = this.#peek() === "^";
    if (negated) this.pos++;
    const start = this.pos;
    let first: string | null = null;
    while (this.pos < this.src.length && (this.#peek() !== "]" || this.pos === start)) {
      let c = this.src[this.pos++]!;
      if (c === "\\") c = this.escape();
      if (this.#peek() === "-" && this.src[this.pos + 1] !== "]") {
        this.pos++;
        let end = this.src[this.pos++]!;
        if (end === "\\") end = this.escape();
      }
      first ??= c;
    }
    if (this.src[this.pos++] !== "]") throw new Unsupported();
    const body = this.src.slice(start, this.pos - 1);
    if (!negated) return { kind: "chars", pick: first ?? "a" };
    const cls = new RegExp(`[^${body}]`, "u");
    const pick = [..."aA0 -_.xZ9"].find((ch) => cls.test(ch));
    if (pick === undefined) throw new Unsupported();
    return { kind: "chars", pick };
  }

  quantified(node: Node): Node {
    const c = this.#peek();
    let min: number | null = null;
    if (c === "*" || c === "?") min = 0;
    else if (c === "+") min = 1;
    else if (c === "{") {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m) {
        min = Number(m[1]);
        this.pos += m[0].length - 1;
      }
    }
    if (min === null) return node;
    this.pos++;
    if (this.#peek() === "?" || this.#peek() === "+") this.pos++;
    return { kind: "repeat", node, min };
  }
}
