/**
 * A small method + path router for the vendor fakes. Patterns use `:name` for one segment and
 * `*name` for the rest of the path: `/v1/calls/:id`, `/media/*path`.
 */
export type Params = Record<string, string>;
export type RouteHandler<C> = (
  req: Request,
  params: Params,
  ctx: C,
) => Promise<Response> | Response;

interface Route<C> {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: RouteHandler<C>;
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern.split("/").map((seg) => {
    if (seg.startsWith(":")) {
      names.push(seg.slice(1));
      return "([^/]+)";
    }
    if (seg.startsWith("*")) {
      names.push(seg.slice(1));
      return "(.*)";
    }
    return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("/");
  return { regex: new RegExp(`^${source}/?$`), names };
}

export class Router<C> {
  #routes: Route<C>[] = [];

  on(method: string, pattern: string, handler: RouteHandler<C>): this {
    this.#routes.push({ method: method.toUpperCase(), pattern, handler, ...compile(pattern) });
    return this;
  }
  get(p: string, h: RouteHandler<C>): this {
    return this.on("GET", p, h);
  }
  post(p: string, h: RouteHandler<C>): this {
    return this.on("POST", p, h);
  }
  patch(p: string, h: RouteHandler<C>): this {
    return this.on("PATCH", p, h);
  }
  delete(p: string, h: RouteHandler<C>): this {
    return this.on("DELETE", p, h);
  }

  /**
   * Finds the route for `path` (already stripped of the vendor prefix). Returns the matched
   * pattern too, so faults and logs can name routes. `methodNotAllowed` when only the method
   * differs.
   */
  match(method: string, path: string):
    | { handler: RouteHandler<C>; params: Params; pattern: string }
    | { methodNotAllowed: true }
    | null {
    let pathMatched = false;
    for (const r of this.#routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method.toUpperCase() && !(r.method === "GET" && method === "HEAD")) continue;
      const params: Params = {};
      r.names.forEach((n, i) => params[n] = decodeURIComponent(m[i + 1] ?? ""));
      return { handler: r.handler, params, pattern: r.pattern };
    }
    return pathMatched ? { methodNotAllowed: true } : null;
  }
}
