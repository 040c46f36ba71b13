/**
 * The workspace view: the fake Notion workspace as plain, read-only HTML pages, so a person can
 * see what a real workspace would hold. Mounted with the vendor's control routes, outside the
 * API (no token, no rate limit, no fault injection, not in the request log):
 *
 *   GET /_control/notion/view                  every top-level page and database, as a tree
 *   GET /_control/notion/view/databases/:id    a database (or data source) as a table
 *   GET /_control/notion/view/pages/:id        a page: title, properties, content
 *                                              (`?open=1`: every toggle shown open)
 *
 * `?trash=1` shows what is in the trash too (marked); a trashed page opened directly says so.
 * Every piece of workspace text is escaped, links are http(s)/mailto/tel only, and the pages
 * carry a Content-Security-Policy that allows no script at all.
 */
import { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { plainText } from "./rich_text.ts";
import type { DatabaseRecord, DataSourceRecord, PageRecord } from "./store.ts";
import { Html, markup } from "./view_html.ts";
import {
  blocks,
  breadcrumb,
  databaseHref,
  icon,
  pageHref,
  pageTitle,
  PROPERTY_ICONS,
  propertyValue,
  richText,
  type ViewContext,
  viewId,
} from "./view_render.ts";
import type { Workspace } from "./workspace.ts";

export const VIEW_PATH = "/_control/notion/view";

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const VIEWPORT = new Html(
  `<meta name="viewport" content="width=device-width, initial-scale=1">`,
);
const TAGLINE = new Html(
  `<span>a read-only view of the fake workspace: what a real one would hold</span>`,
);

function page(status: number, title: string, main: Html): Response {
  const head = markup`<meta charset="utf-8">${VIEWPORT}<title>${title} · Notion sandbox</title>`;
  const style = markup`<style>${new Html(STYLE)}</style>`;
  const bar =
    markup`<header class="bar"><a href="${VIEW_PATH}">Notion sandbox</a>${TAGLINE}</header>`;
  const body = markup`<body>${bar}\n<main>${main}</main></body>`;
  const doc =
    markup`<!doctype html>\n<html lang="en"><head>${head}${style}</head>\n${body}</html>\n`;
  return new Response(doc.value, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  });
}

function notFound(what: string, id: string | undefined): Response {
  const text = markup`<p>No ${what} with id <code>${id ?? ""}</code> in this workspace.</p>`;
  const back = markup`<p><a href="${VIEW_PATH}">Back to the workspace</a></p>`;
  return page(404, "Not found", markup`<h1>Not found</h1>\n${text}\n${back}`);
}

const showTrash = (req: Request) => new URL(req.url).searchParams.get("trash") === "1";
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function viewRoutes(ws: Workspace): Router<SandboxContext> {
  const ctx: ViewContext = { store: ws.store, render: ws.render, base: VIEW_PATH };
  const { store } = ws;

  const dbTitle = (db: DatabaseRecord) => plainText(db.title).trim() || "Untitled";
  const trashed = (id: string) => store.isTrashed(id);
  const trashTag = markup` <span class="trash-tag">in the trash</span>`;
  const rowCount = (db: DatabaseRecord, withTrash: boolean) =>
    db.dataSourceIds.flatMap((ds) => store.rows(ds))
      .filter((r) => withTrash || !trashed(r.id)).length;
  const dbLink = (db: DatabaseRecord, withTrash: boolean) =>
    markup`<a href="${databaseHref(ctx, db.id)}">🗃️ ${
      dbTitle(db)
    }</a> ${markup`<span class="count">${plural(rowCount(db, withTrash), "page")}</span>`}`;
  const titleIcon = (i: unknown) => icon(i) ? `${icon(i)} ` : "";

  /** Pages and databases under these ids, as a sidebar-like tree. */
  function tree(ids: readonly string[], withTrash: boolean, depth = 0): Html {
    if (depth > 20) return markup``;
    const items = ids.flatMap((id) => {
      const p = store.pages.get(id);
      const db = store.databases.get(id);
      if ((!p && !db) || (!withTrash && trashed(id))) return [];
      const mark = trashed(id) ? trashTag : "";
      if (db) return [markup`<li>${dbLink(db, withTrash)}${mark}</li>`];
      const kids = p!.childIds.filter((c) => store.pages.has(c) || store.databases.has(c));
      const a = markup`<a href="${pageHref(ctx, p!.id)}">${icon(p!.icon) || "📄"} ${
        pageTitle(ctx, p!)
      }</a>`;
      return [markup`<li>${a}${mark}${kids.length ? tree(kids, withTrash, depth + 1) : ""}</li>`];
    });
    return items.length ? markup`<ul class="tree">${items}</ul>` : markup``;
  }

  function trashNote(withTrash: boolean, count: number, path: string): Html {
    if (withTrash) {
      return markup`<p class="meta">Showing the trash too. <a href="${path}">Hide it</a></p>`;
    }
    if (count === 0) return markup``;
    const show = markup`<a href="${path}?trash=1">Show</a>`;
    return markup`<p class="meta">${count} in the trash, hidden. ${show}</p>`;
  }

  function index(req: Request): Response {
    const withTrash = showTrash(req);
    const top = [
      ...[...store.pages.values()].filter((p) => p.parent.type === "workspace"),
      ...[...store.databases.values()].filter((d) => d.parent.type === "workspace"),
    ].map((r) => r.id);
    const all = [...store.databases.values()].filter((d) => withTrash || !trashed(d.id));
    const hidden = [...store.pages.values(), ...store.databases.values()]
      .filter((r) => r.inTrash).length;
    const nothing =
      markup`<p class="empty">Nothing here yet: seed the sandbox or run the demo.</p>`;
    const databases = all.length
      ? markup`<h2>Databases</h2>\n<ul class="tree">${
        all.map((db) => markup`<li>${dbLink(db, withTrash)}</li>`)
      }</ul>`
      : "";
    const json =
      markup`<p class="meta">JSON: ${markup`<a href="/_control/state/notion">/_control/state/notion</a>`}</p>`;
    return page(
      200,
      "Workspace",
      markup`<h1>Workspace</h1>\n${top.length ? tree(top, withTrash) : nothing}\n${databases}\n${
        trashNote(withTrash, hidden, VIEW_PATH)
      }\n${json}`,
    );
  }

  function dataSourceTable(ds: DataSourceRecord, withTrash: boolean, path: string): Html {
    const rows = store.rows(ds.id).sort((a, b) => a.seq - b.seq);
    const shown = rows.filter((r) => withTrash || !trashed(r.id));
    const props = [
      ...ds.properties.filter((p) => p.type === "title"),
      ...ds.properties.filter((p) => p.type !== "title"),
    ];
    const head = markup`<tr>${
      props.map((p) =>
        markup`<th><span class="picon">${PROPERTY_ICONS[p.type] ?? "•"}</span> ${p.name}</th>`
      )
    }</tr>`;
    const cell = (row: PageRecord, p: (typeof props)[number]) => {
      if (p.type !== "title") return markup`<td>${propertyValue(ctx, p, row)}</td>`;
      const a = markup`<a href="${pageHref(ctx, row.id)}">${titleIcon(row.icon)}${
        pageTitle(ctx, row)
      }</a>`;
      return markup`<td class="title-cell">${a}${trashed(row.id) ? trashTag : ""}</td>`;
    };
    const body = shown.map((row) =>
      markup`<tr class="${trashed(row.id) ? "trashed" : ""}" data-page-id="${row.id}">${
        props.map((p) => cell(row, p))
      }</tr>`
    );
    const tableHtml =
      markup`<table class="db"><thead>${head}</thead><tbody>${body}</tbody></table>`;
    return markup`<div class="table-wrap">${tableHtml}</div>\n${markup`<p class="meta">${
      plural(shown.length, "page")
    }</p>`}\n${trashNote(withTrash, rows.filter((r) => trashed(r.id)).length, path)}`;
  }

  function table(req: Request, rawId: string | undefined): Response {
    const id = viewId(rawId);
    const db = id
      ? store.databases.get(id) ??
        store.databases.get(store.dataSources.get(id)?.databaseId ?? "")
      : undefined;
    if (!db) return notFound("database", rawId);
    const withTrash = showTrash(req);
    const sources = db.dataSourceIds.map((ds) => store.dataSources.get(ds))
      .filter((ds): ds is DataSourceRecord => !!ds);
    const sections = sources.map((ds) =>
      markup`${sources.length > 1 ? markup`<h2>${plainText(ds.title) || "Untitled"}</h2>` : ""}${
        dataSourceTable(ds, withTrash, databaseHref(ctx, db.id))
      }`
    );
    const title = dbTitle(db);
    const banner = trashed(db.id)
      ? markup`<p class="banner">This database is in the trash.</p>`
      : "";
    const description = db.description.length
      ? markup`<p class="description">${richText(ctx, db.description)}</p>`
      : "";
    return page(
      200,
      title,
      markup`<nav class="crumbs">${breadcrumb(ctx, db.id)}</nav>\n${banner}${markup`<h1>${
        titleIcon(db.icon)
      }${title}</h1>`}${description}\n${sections}`,
    );
  }

  function pageView(req: Request, rawId: string | undefined): Response {
    const id = viewId(rawId);
    const p: PageRecord | undefined = id ? store.pages.get(id) : undefined;
    if (!p) return notFound("page", rawId);
    const ds = p.parent.type === "data_source_id" ? store.dataSources.get(p.parent.id) : null;
    const props = (ds?.properties ?? []).filter((prop) => prop.type !== "title");
    const title = pageTitle(ctx, p);
    const pageCtx = { ...ctx, openToggles: new URL(req.url).searchParams.get("open") === "1" };
    const banner = trashed(p.id) ? markup`<p class="banner">This page is in the trash.</p>` : "";
    const pageIcon = icon(p.icon) ? markup`<div class="page-icon">${icon(p.icon)}</div>` : "";
    const rows = props.map((prop) =>
      markup`<tr data-property="${prop.name}"><th><span class="picon">${
        PROPERTY_ICONS[prop.type] ?? "•"
      }</span> ${prop.name}</th><td>${propertyValue(ctx, prop, p)}</td></tr>`
    );
    const properties = props.length
      ? markup`<table class="props"><tbody>${rows}</tbody></table><hr class="props-end">`
      : "";
    const article =
      markup`${pageIcon}<h1 class="page-title">${title}</h1>\n${properties}\n${markup`<div class="content">${
        blocks(pageCtx, p.childIds)
      }</div>`}`;
    return page(
      200,
      title,
      markup`<nav class="crumbs">${
        breadcrumb(ctx, p.id)
      }</nav>\n${banner}${markup`<article class="page" data-page-id="${p.id}">${article}</article>`}`,
    );
  }

  return new Router<SandboxContext>()
    .get("/view", (req) => index(req))
    .get("/view/databases/:id", (req, params) => table(req, params.id))
    .get("/view/data_sources/:id", (req, params) => table(req, params.id))
    .get("/view/pages/:id", (req, params) => pageView(req, params.id));
}

// Notion's light theme, roughly: its font stack, grays and color palette.
const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; color: rgb(55, 53, 47); background: #fff; font: 16px/1.5 ui-sans-serif,
  -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, "Apple Color Emoji", Arial,
  sans-serif, "Segoe UI Emoji", "Segoe UI Symbol"; }
a { color: inherit; text-decoration: underline; text-decoration-color: rgba(55,53,47,.4); }
a:hover { text-decoration-color: rgb(55,53,47); }
.bar { display: flex; gap: 12px; align-items: baseline; padding: 8px 16px; font-size: 14px;
  border-bottom: 1px solid rgba(55,53,47,.09); color: rgba(55,53,47,.65); }
.bar a { font-weight: 600; color: rgb(55,53,47); text-decoration: none; }
main { max-width: 900px; margin: 0 auto; padding: 24px 48px 96px; }
h1 { font-size: 40px; line-height: 1.2; font-weight: 700; margin: 16px 0 12px; }
h2, h3, h4, h5 { font-weight: 600; line-height: 1.3; margin: 1.4em 0 4px; padding: 0 2px; }
h1, h2, h3, h4, h5, p, li, summary, .crumbs, table.props td { overflow-wrap: anywhere; }
h2 { font-size: 1.875em; } h3 { font-size: 1.5em; } h4 { font-size: 1.25em; } h5 { font-size: 1.1em; }
p { margin: 2px 0; padding: 3px 2px; white-space: pre-wrap; word-break: break-word; }
.crumbs, .meta, .count { font-size: 14px; color: rgba(55,53,47,.65); }
.crumbs a, .meta a { color: inherit; }
.page-icon { font-size: 64px; line-height: 1; margin-top: 24px; }
.banner { background: #fdebec; color: #d44c47; border-radius: 4px; padding: 8px 12px; }
.trash-tag { font-size: 12px; color: #d44c47; background: #fdebec; border-radius: 3px;
  padding: 0 6px; margin-left: 6px; }
.empty { color: rgba(55,53,47,.4); }
table.props { border-collapse: collapse; margin: 8px 0; width: 100%; font-size: 14px; }
table.props th { width: 180px; text-align: left; font-weight: 400; color: rgba(55,53,47,.65);
  padding: 6px 8px 6px 0; vertical-align: top; white-space: nowrap; }
table.props td { padding: 6px 8px; vertical-align: top; word-break: break-word; }
.picon { display: inline-block; width: 18px; text-align: center; opacity: .7; }
hr { border: 0; border-top: 1px solid rgba(55,53,47,.16); margin: 12px 0; }
.table-wrap { overflow-x: auto; margin: 8px 0; }
table.db { border-collapse: collapse; font-size: 14px; }
table.db th { text-align: left; font-weight: 400; color: rgba(55,53,47,.65); white-space: nowrap;
  padding: 6px 8px; border: 1px solid rgba(55,53,47,.09); border-left: 0; }
table.db td { padding: 6px 8px; border: 1px solid rgba(55,53,47,.09); border-left: 0;
  vertical-align: top; max-width: 320px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
table.db th:last-child, table.db td:last-child { border-right: 0; }
td.title-cell { font-weight: 500; }
tr.trashed td { opacity: .55; }
.tag { display: inline-block; border-radius: 3px; padding: 0 6px; font-size: 14px;
  line-height: 20px; margin: 1px 2px 1px 0; white-space: nowrap; }
.tag-default { background: rgba(227,226,224,.5); } .tag-gray { background: #e3e2e0; }
.tag-brown { background: #eee0da; } .tag-orange { background: #fadec9; }
.tag-yellow { background: #fdecc8; } .tag-green { background: #dbeddb; }
.tag-blue { background: #d3e5ef; } .tag-purple { background: #e8deee; }
.tag-pink { background: #f5e0e9; } .tag-red { background: #ffe2dd; }
.c-gray { color: #787774; } .c-brown { color: #9f6b53; } .c-orange { color: #d9730d; }
.c-yellow { color: #cb912f; } .c-green { color: #448361; } .c-blue { color: #337ea9; }
.c-purple { color: #9065b0; } .c-pink { color: #c14c8a; } .c-red { color: #d44c47; }
.bg-gray { background: #f1f1ef; } .bg-brown { background: #f4eeee; }
.bg-orange { background: #fbecdd; } .bg-yellow { background: #fbf3db; }
.bg-green { background: #edf3ec; } .bg-blue { background: #e7f3f8; }
.bg-purple { background: #f6f3f9; } .bg-pink { background: #faf1f5; } .bg-red { background: #fdebec; }
code { font-family: "SFMono-Regular", Menlo, Consolas, monospace; font-size: 85%;
  color: #eb5757; background: rgba(135,131,120,.15); border-radius: 4px; padding: .2em .4em; }
[class^="c-"] code { color: inherit; }
pre { background: #f7f6f3; border-radius: 4px; padding: 16px; overflow-x: auto; }
pre code { color: inherit; background: none; padding: 0; font-size: 14px; }
.mention { color: rgba(55,53,47,.65); }
a.mention, a.relation { text-decoration: none; border-bottom: 1px solid rgba(55,53,47,.25); }
.block { margin: 1px 0; }
.children { padding-left: 24px; }
.callout { display: flex; gap: 10px; border-radius: 4px; padding: 16px 16px 16px 12px;
  margin: 4px 0; }
.callout-icon { font-size: 20px; line-height: 1.4; }
.callout-body { flex: 1; min-width: 0; }
.callout-body > .children { padding-left: 0; }
.to-do label { display: flex; gap: 6px; align-items: flex-start; padding: 3px 2px; }
.to-do input { margin: 5px 2px 0 0; width: 16px; height: 16px; accent-color: #2383e2; }
.to-do label.done span { text-decoration: line-through; color: rgba(55,53,47,.5); }
details.toggle > summary { cursor: pointer; padding: 3px 2px; white-space: pre-wrap; }
details.toggle > summary > .heading { display: inline; }
details.toggle > .children { padding-left: 22px; }
ul.list, ol.list { margin: 2px 0; padding-left: 26px; }
ul.list li, ol.list li { padding: 3px 0; white-space: pre-wrap; }
blockquote { border-left: 3px solid currentColor; margin: 4px 0; padding: 3px 14px; }
.bookmark { border: 1px solid rgba(55,53,47,.16); border-radius: 4px; padding: 12px;
  margin: 4px 0; font-size: 14px; word-break: break-all; }
.child-link a { text-decoration: none; border-bottom: 1px solid rgba(55,53,47,.16);
  font-weight: 500; }
ul.tree { list-style: none; padding-left: 20px; margin: 4px 0; }
main > ul.tree { padding-left: 0; }
ul.tree li { padding: 2px 0; }
ul.tree a { text-decoration: none; font-weight: 500; }
nav.toc a { display: block; color: rgba(55,53,47,.65); font-size: 14px; padding: 2px 0; }
nav.toc a.toc-heading_2 { padding-left: 24px; } nav.toc a.toc-heading_3 { padding-left: 48px; }
.unsupported { color: rgba(55,53,47,.5); font-size: 14px; }
`;
