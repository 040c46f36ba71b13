/**
 * The workspace view's pieces: rich text (annotations, colors, links, mentions), property
 * values, and block trees rendered as plain HTML in Notion's manner. Everything from the
 * workspace is escaped (view_html.ts); links are only http(s), mailto and tel, and links to
 * pages and databases of this workspace (mentions, relations, notion.so URLs) open their view.
 */
import { canonicalId } from "./ids.ts";
import type { Renderer } from "./objects.ts";
import { plainText, type RichText } from "./rich_text.ts";
import type { BlockRecord, PageRecord, PropertyConfig, Store } from "./store.ts";
import { colorClass, Html, join, markup, safeHref } from "./view_html.ts";

export interface ViewContext {
  store: Store;
  render: Renderer;
  /** Where the view is mounted: "/_control/notion/view". */
  base: string;
  /** Toggles shown open (`?open=1`); closed otherwise, as Notion shows them. */
  openToggles?: boolean;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A page, database or data source id in any of Notion's spellings, canonical; else null. */
export function viewId(raw: string | undefined): string | null {
  return raw && UUID.test(raw) ? canonicalId(raw) : null;
}

export const pageHref = (ctx: ViewContext, id: string): string => `${ctx.base}/pages/${id}`;
export const databaseHref = (ctx: ViewContext, id: string): string => `${ctx.base}/databases/${id}`;

/** A page's title as text ("Untitled" when empty, as Notion shows it). */
export function pageTitle(ctx: ViewContext, page: PageRecord): string {
  return plainText(ctx.render.pageTitle(page)).trim() || "Untitled";
}

/** A notion.so URL of a page or database in this workspace → its view; other URLs as they are. */
function localHref(ctx: ViewContext, url: string): string | null {
  const safe = safeHref(url);
  if (!safe) return null;
  const u = new URL(safe);
  if (u.hostname === "www.notion.so" || u.hostname === "notion.so") {
    const m = /([0-9a-f]{32})$/i.exec(u.pathname);
    const id = m ? canonicalId(m[1]!) : null;
    if (id && ctx.store.pages.has(id)) return pageHref(ctx, id);
    if (id && ctx.store.databases.has(id)) return databaseHref(ctx, id);
  }
  return safe;
}

function link(href: string | null, body: Html | string, cls = ""): Html {
  if (!href) return markup`<span class="${cls}">${body}</span>`;
  const external = !href.startsWith("/");
  return external
    ? markup`<a class="${cls}" href="${href}" rel="noopener noreferrer nofollow">${body}</a>`
    : markup`<a class="${cls}" href="${href}">${body}</a>`;
}

// ---------------------------------------------------------------------------------------------
// Rich text

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** "Nov 29, 2026" / "Nov 29, 2026, 2:05 PM UTC" (the date's own time zone when it has one). */
export function formatDate(iso: string, timeZone: string | null = null): string {
  if (DATE_ONLY.test(iso)) {
    const d = new Date(`${iso}T00:00:00Z`);
    if (Number.isNaN(d.getTime())) return iso;
    return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(d);
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    const tz = timeZone ?? "UTC";
    return new Intl.DateTimeFormat("en-US", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: tz,
    }).format(d) + (timeZone ? "" : " UTC");
  } catch {
    return iso;
  }
}

interface DateValue {
  start: string;
  end?: string | null;
  time_zone?: string | null;
}

function dateHtml(v: DateValue): Html {
  const tz = v.time_zone ?? null;
  const start = markup`<time datetime="${v.start}">${formatDate(v.start, tz)}</time>`;
  return v.end
    ? markup`${start} → <time datetime="${v.end}">${formatDate(v.end, tz)}</time>`
    : start;
}

function mentionHtml(ctx: ViewContext, item: RichText & { type: "mention" }): Html {
  const m = item.mention as Record<string, unknown> & { type: string };
  switch (m.type) {
    case "page":
    case "database": {
      const id = (m[m.type] as { id: string }).id;
      const exists = m.type === "page" ? ctx.store.pages.has(id) : ctx.store.databases.has(id);
      const href = exists ? (m.type === "page" ? pageHref(ctx, id) : databaseHref(ctx, id)) : null;
      const icon = m.type === "page" ? "📄" : "🗃️";
      return link(href, markup`${icon} ${item.plain_text}`, "mention");
    }
    case "date":
      return markup`<span class="mention mention-date">@${dateHtml(m.date as DateValue)}</span>`;
    default:
      return markup`<span class="mention">${item.plain_text}</span>`;
  }
}

/** Rich text items with their annotations, colors, links and mentions. */
export function richText(ctx: ViewContext, items: readonly RichText[] | undefined): Html {
  return join((items ?? []).map((item) => {
    let body: Html;
    if (item.type === "mention") body = mentionHtml(ctx, item);
    else if (item.type === "equation") {
      body = markup`<code class="equation">${item.equation.expression}</code>`;
    } else body = markup`${item.plain_text}`;
    const a = item.annotations;
    if (a?.code) body = markup`<code>${body}</code>`;
    if (a?.bold) body = markup`<strong>${body}</strong>`;
    if (a?.italic) body = markup`<em>${body}</em>`;
    if (a?.strikethrough) body = markup`<s>${body}</s>`;
    if (a?.underline) body = markup`<u>${body}</u>`;
    const color = colorClass(a?.color);
    if (color) body = markup`<span class="${color}">${body}</span>`;
    if (item.type !== "mention" && item.href) body = link(localHref(ctx, item.href), body);
    return body;
  }));
}

// ---------------------------------------------------------------------------------------------
// Property values

interface Option {
  name?: string;
  color?: string;
}

function tag(o: Option | null | undefined): Html {
  if (!o?.name) return markup``;
  const color = colorClass(o.color) ?? "";
  return markup`<span class="tag tag-${color.replace(/^c-/, "") || "default"}">${o.name}</span>`;
}

const CURRENCIES: Record<string, string> = {
  dollar: "USD",
  euro: "EUR",
  pound: "GBP",
  yen: "JPY",
  yuan: "CNY",
  rupee: "INR",
  won: "KRW",
  real: "BRL",
  franc: "CHF",
  canadian_dollar: "CAD",
  australian_dollar: "AUD",
};

export function formatNumber(n: number, format: unknown): string {
  if (!Number.isFinite(n)) return String(n);
  if (format === "percent") return `${(n * 100).toLocaleString("en-US")}%`;
  const currency = typeof format === "string" ? CURRENCIES[format] : undefined;
  if (currency) {
    return n.toLocaleString("en-US", {
      style: "currency",
      currency,
      maximumFractionDigits: Math.max(2, (String(n).split(".")[1] ?? "").length),
    });
  }
  if (format === "number_with_commas") return n.toLocaleString("en-US");
  return String(n);
}

function relationHtml(ctx: ViewContext, refs: { id: string }[]): Html {
  return join(
    refs.map(({ id }) => {
      const page = ctx.store.pages.get(id);
      if (!page) return markup`<span class="relation missing" title="${id}">(missing page)</span>`;
      return markup`<a class="relation" href="${pageHref(ctx, id)}">📄 ${pageTitle(ctx, page)}</a>`;
    }),
    " ",
  );
}

const EMPTY = markup`<span class="empty">Empty</span>`;

/** One property of a page, as its cell in a table or its row on the page. */
export function propertyValue(ctx: ViewContext, prop: PropertyConfig, page: PageRecord): Html {
  const v = page.values.get(prop.id);
  switch (prop.type) {
    case "title":
    case "rich_text": {
      const items = (v ?? []) as RichText[];
      return items.length ? richText(ctx, items) : EMPTY;
    }
    case "number":
      return typeof v === "number"
        ? markup`<span class="number">${formatNumber(v, prop.config.format)}</span>`
        : EMPTY;
    case "select":
    case "status":
      return v ? tag(v as Option) : EMPTY;
    case "multi_select": {
      const list = (v ?? []) as Option[];
      return list.length ? join(list.map(tag), " ") : EMPTY;
    }
    case "checkbox":
      return v === true
        ? markup`<input type="checkbox" disabled checked aria-label="${prop.name}: yes">`
        : markup`<input type="checkbox" disabled aria-label="${prop.name}: no">`;
    case "date":
      return v ? dateHtml(v as DateValue) : EMPTY;
    case "url":
    case "email":
    case "phone_number": {
      if (typeof v !== "string" || v === "") return EMPTY;
      const href = prop.type === "url"
        ? localHref(ctx, v)
        : safeHref(`${prop.type === "email" ? "mailto" : "tel"}:${v.replace(/\s+/g, "")}`);
      return link(href, v);
    }
    case "relation": {
      const refs = (v ?? []) as { id: string }[];
      return refs.length ? relationHtml(ctx, refs) : EMPTY;
    }
    case "people": {
      const people = (v ?? []) as { id: string }[];
      return people.length
        ? join(
          people.map((p) => markup`<span class="mention" title="${p.id}">@Anonymous</span>`),
          " ",
        )
        : EMPTY;
    }
    case "files": {
      const files = (v ?? []) as { name: string; external?: { url: string } }[];
      return files.length
        ? join(files.map((f) => link(safeHref(f.external?.url), markup`📎 ${f.name}`)), " ")
        : EMPTY;
    }
    case "created_time":
      return dateHtml({ start: new Date(page.createdAt).toISOString() });
    case "last_edited_time":
      return dateHtml({ start: new Date(page.editedAt).toISOString() });
    case "created_by":
    case "last_edited_by":
      return markup`<span class="mention">@Switchboard (integration)</span>`;
    case "unique_id": {
      const u = v as { prefix: string | null; number: number } | undefined;
      return u ? markup`${u.prefix ? `${u.prefix}-` : ""}${u.number}` : EMPTY;
    }
    default:
      return v === undefined || v === null ? EMPTY : markup`${JSON.stringify(v)}`;
  }
}

export const PROPERTY_ICONS: Record<string, string> = {
  title: "Aa",
  rich_text: "≡",
  number: "#",
  select: "▾",
  multi_select: "☰",
  status: "◐",
  date: "📅",
  checkbox: "☑",
  url: "🔗",
  email: "@",
  phone_number: "☎",
  relation: "↗",
  people: "👤",
  files: "📎",
  created_time: "🕒",
  last_edited_time: "🕒",
  created_by: "👤",
  last_edited_by: "👤",
  unique_id: "№",
};

// ---------------------------------------------------------------------------------------------
// Blocks

/** Deeper than any page the API lets a client build in practice; a guard, not a limit. */
const MAX_DEPTH = 64;

type TextContent = {
  rich_text?: RichText[];
  color?: string;
  checked?: boolean;
  is_toggleable?: boolean;
  icon?: { type: string; emoji?: string } | null;
};

/** An emoji icon's text (external icons are not fetched); "" without one. */
export function icon(i: unknown): string {
  const e = i as { type?: string; emoji?: unknown } | null | undefined;
  return e?.type === "emoji" && typeof e.emoji === "string" ? e.emoji : "";
}

/** Live children of a page or block, in order: blocks, child pages and child databases. */
function liveIds(ctx: ViewContext, ids: readonly string[]): string[] {
  return ids.filter((id) => {
    const rec = ctx.store.blocks.get(id) ?? ctx.store.pages.get(id) ??
      ctx.store.databases.get(id);
    return rec ? !rec.inTrash : false;
  });
}

/** The blocks under a page or block, lists grouped, nesting kept. */
export function blocks(ctx: ViewContext, ids: readonly string[], depth = 0): Html {
  if (depth > MAX_DEPTH) return markup`<p class="empty">(nested too deep to show)</p>`;
  const out: Html[] = [];
  let list: { tag: "ul" | "ol"; items: Html[] } | null = null;
  const flush = () => {
    if (!list) return;
    out.push(
      list.tag === "ul"
        ? markup`<ul class="list">${list.items}</ul>`
        : markup`<ol class="list">${list.items}</ol>`,
    );
    list = null;
  };
  for (const id of liveIds(ctx, ids)) {
    const block = ctx.store.blocks.get(id);
    const listTag = block?.type === "bulleted_list_item"
      ? "ul"
      : block?.type === "numbered_list_item"
      ? "ol"
      : null;
    if (block && listTag) {
      if (list && list.tag !== listTag) flush();
      list ??= { tag: listTag, items: [] };
      list.items.push(listItem(ctx, block, depth));
      continue;
    }
    flush();
    out.push(block ? blockHtml(ctx, block, depth) : childObject(ctx, id));
  }
  flush();
  return join(out);
}

function listItem(ctx: ViewContext, block: BlockRecord, depth: number): Html {
  const c = block.content as TextContent;
  return markup`<li id="b-${block.id}" class="${colorClass(c.color) ?? ""}">${
    richText(ctx, c.rich_text)
  }${children(ctx, block, depth)}</li>`;
}

function children(ctx: ViewContext, block: BlockRecord, depth: number): Html {
  return block.childIds.length && liveIds(ctx, block.childIds).length
    ? markup`<div class="children">${blocks(ctx, block.childIds, depth + 1)}</div>`
    : markup``;
}

/** A child page or database in a page's content: a link to it. */
function childObject(ctx: ViewContext, id: string): Html {
  const page = ctx.store.pages.get(id);
  if (page) {
    return markup`<p class="child-link" id="b-${id}"><a href="${pageHref(ctx, id)}">${
      icon(page.icon) || "📄"
    } ${pageTitle(ctx, page)}</a></p>`;
  }
  const db = ctx.store.databases.get(id)!;
  return markup`<p class="child-link" id="b-${id}"><a href="${databaseHref(ctx, id)}">🗃️ ${
    plainText(db.title) || "Untitled"
  }</a></p>`;
}

const OPEN = new Html(" open");
const opened = (ctx: ViewContext) => ctx.openToggles ? OPEN : "";

/** Notion's heading_1 sits below the page title (h1): one level down each. */
const HEADINGS: Record<string, [Html, Html]> = {
  heading_1: [new Html("<h2"), new Html("</h2>")],
  heading_2: [new Html("<h3"), new Html("</h3>")],
  heading_3: [new Html("<h4"), new Html("</h4>")],
  heading_4: [new Html("<h5"), new Html("</h5>")],
};

function blockHtml(ctx: ViewContext, block: BlockRecord, depth: number): Html {
  const c = block.content as TextContent & Record<string, unknown>;
  const id = `b-${block.id}`;
  const color = colorClass(c.color) ?? "";
  const text = richText(ctx, c.rich_text);
  const kids = children(ctx, block, depth);
  switch (block.type) {
    case "paragraph":
      return markup`<div class="block paragraph ${color}" id="${id}"><p>${text}</p>${kids}</div>`;
    case "heading_1":
    case "heading_2":
    case "heading_3":
    case "heading_4": {
      const [open, close] = HEADINGS[block.type]!;
      const h = markup`${open} class="heading ${block.type} ${color}" id="${id}">${text}${close}`;
      return c.is_toggleable
        ? markup`<details class="toggle"${opened(ctx)}><summary>${h}</summary>${kids}</details>`
        : markup`${h}${kids}`;
    }
    case "to_do": {
      const box = c.checked
        ? markup`<input type="checkbox" disabled checked>`
        : markup`<input type="checkbox" disabled>`;
      const label = markup`<label class="${
        c.checked ? "done" : ""
      }">${box}<span>${text}</span></label>`;
      return markup`<div class="block to-do ${color}" id="${id}">${label}${kids}</div>`;
    }
    case "toggle": {
      const summary = markup`<summary>${text}</summary>`;
      return markup`<details class="block toggle ${color}" id="${id}"${
        opened(ctx)
      }>${summary}${kids}</details>`;
    }
    case "callout": {
      const mark = markup`<div class="callout-icon">${icon(c.icon) || "💡"}</div>`;
      const inner = markup`<div class="callout-body"><p>${text}</p>${kids}</div>`;
      return markup`<div class="block callout ${
        color || "bg-gray"
      }" id="${id}">${mark}${inner}</div>`;
    }
    case "quote":
      return markup`<blockquote class="block ${color}" id="${id}">${text}${kids}</blockquote>`;
    case "divider":
      return markup`<hr id="${id}">`;
    case "code": {
      const caption = c.caption as RichText[] | undefined;
      const code = markup`<code data-language="${String(c.language ?? "")}">${
        plainText(c.rich_text ?? [])
      }</code>`;
      const under = caption?.length
        ? markup`<figcaption>${richText(ctx, caption)}</figcaption>`
        : "";
      return markup`<figure class="block code" id="${id}"><pre>${code}</pre>${under}</figure>`;
    }
    case "equation":
      return markup`<div class="block equation" id="${id}"><code>${
        String(c.expression ?? "")
      }</code></div>`;
    case "bookmark":
    case "embed": {
      const href = localHref(ctx, String(c.url ?? ""));
      return markup`<div class="block bookmark" id="${id}">${link(href, String(c.url ?? ""))}${
        (c.caption as RichText[] | undefined)?.length
          ? markup`<div class="caption">${richText(ctx, c.caption as RichText[])}</div>`
          : ""
      }</div>`;
    }
    case "table_of_contents":
      return tableOfContents(ctx, block);
    case "breadcrumb":
      return markup`<div class="block breadcrumb-block" id="${id}">${
        breadcrumb(ctx, block.id)
      }</div>`;
    default:
      return markup`<div class="block unsupported" id="${id}">(${block.type} block)</div>`;
  }
}

function tableOfContents(ctx: ViewContext, block: BlockRecord): Html {
  const pageId = pageOf(ctx, block.id);
  const page = pageId ? ctx.store.pages.get(pageId) : undefined;
  const heads = page
    ? liveIds(ctx, page.childIds)
      .map((id) => ctx.store.blocks.get(id))
      .filter((b): b is BlockRecord => !!b && b.type.startsWith("heading_"))
    : [];
  return markup`<nav class="block toc" id="b-${block.id}">${
    heads.map((h) =>
      markup`<a class="toc-${h.type}" href="#b-${h.id}">${
        plainText((h.content as TextContent).rich_text ?? []) || "Untitled"
      }</a>`
    )
  }</nav>`;
}

/** The page a block belongs to. */
export function pageOf(ctx: ViewContext, id: string): string | null {
  for (let cur: string | null = id, hops = 0; cur && hops < 1000; hops++) {
    if (ctx.store.pages.has(cur)) return cur;
    cur = ctx.store.blocks.get(cur)?.parent.id ?? null;
  }
  return null;
}

/** Workspace / … / parent database / page, each a link. */
export function breadcrumb(ctx: ViewContext, id: string): Html {
  const trail: Html[] = [];
  let cur: string | null = pageOf(ctx, id) ?? id;
  for (let hops = 0; cur && hops < 100; hops++) {
    const page = ctx.store.pages.get(cur);
    const db = ctx.store.databases.get(cur);
    if (page) {
      trail.unshift(markup`<a href="${pageHref(ctx, page.id)}">${pageTitle(ctx, page)}</a>`);
      cur = ctx.store.parentOf(page.parent);
    } else if (db) {
      trail.unshift(
        markup`<a href="${databaseHref(ctx, db.id)}">${plainText(db.title) || "Untitled"}</a>`,
      );
      cur = ctx.store.parentOf(db.parent);
    } else {
      cur = ctx.store.blocks.get(cur)?.parent.id ?? null;
    }
  }
  trail.unshift(markup`<a href="${ctx.base}">Workspace</a>`);
  return join(trail, " / ");
}
