/**
 * The Notion view's browser check: `deno run -A local/view_check.ts [--out <png>] [--serve]`.
 *
 * Starts a sandbox of its own (Notion only, a free port), builds a demo-like workspace through the
 * official SDK — Contacts, Calls and Conversations with the set-up command's schemas, a call
 * page made by the real page builder (overview callout, to-dos, one toggle per transcript
 * turn, the contact relation), a text conversation, and a page full of hostile text — then
 * opens the view in headless Chromium (Debian's `chromium` package):
 *
 *   1. `--dump-dom` of the call page and of the hostile page: the DOM the browser built holds the
 *      title, properties, to-do checkboxes, toggles and the relation link, and no element,
 *      attribute or script that came from page text;
 *   2. `--screenshot` of the call page (1280×2000) to `--out` (default .local/notion-view.png):
 *      look at it.
 *
 * `--size 1000,1900` changes the window (default 1280,2000).
 * `--url http://127.0.0.1:54330` checks a sandbox that is already running (after `npm start`)
 * instead: the index and the first page of its Calls database, without seeding anything.
 * `--serve` keeps the seeded sandbox up afterwards and prints its view URLs.
 *
 * Exit 0: every check passed; 1: a check failed; 2: Chromium is not installed or cannot run.
 * Install it from Debian's packages (about half a minute; local/bootstrap.sh does not):
 * `apt-get update && apt-get install -y chromium fonts-noto-color-emoji` (the font only draws the
 * emoji icons). docs/notion-view.png: `--size 1000,1900`, then `pngquant --quality=70-90`.
 */
import { Client } from "@notionhq/client";
import {
  DEFAULT_PROPERTY_MAP,
  type NotionDatabaseName,
} from "../supabase/functions/_shared/adapters/notion/settings.ts";
import {
  buildCallPage,
  type CallPageInput,
} from "../supabase/functions/_shared/domain/notion_pages/call_page.ts";
import type { Utterance } from "../supabase/functions/_shared/domain/notion_pages/transcript.ts";
import {
  headerBlock,
  messageBlocks,
} from "../supabase/functions/_shared/domain/conversations/blocks.ts";
import { createProperties } from "../supabase/functions/_shared/domain/conversations/properties.ts";
import { startSandbox } from "../sandbox/server.ts";
import { createNotion } from "../sandbox/notion/mod.ts";
import { VIEW_PATH } from "../sandbox/notion/view.ts";
import { PROJECT_ROOT } from "./config.ts";
import { propertySchema } from "./notion_setup.ts";

// ---------------------------------------------------------------------------------------------
// Chromium

/** The headless browser: $CHROMIUM, else the first of Debian's binaries found on PATH. */
export function findChromium(): string | null {
  const given = Deno.env.get("CHROMIUM");
  const names = given ? [given] : ["chromium", "chromium-headless-shell", "chromium-browser"];
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/bin", "/usr/lib/chromium"]);
  for (const name of names) {
    if (name.includes("/")) {
      if (isFile(name)) return name;
      continue;
    }
    for (const dir of dirs) if (dir && isFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

export interface BrowserRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One headless Chromium run with a throwaway profile; killed after `timeoutMs`. */
export async function chromium(
  bin: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<BrowserRun> {
  const profile = await Deno.makeTempDir({ prefix: "switchboard-chromium-" });
  const cmd = new Deno.Command(bin, {
    args: [
      "--headless",
      "--no-sandbox", // root on CI and dev machines
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--hide-scrollbars",
      "--force-device-scale-factor=1",
      `--user-data-dir=${profile}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
  const child = cmd.spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

export async function dumpDom(bin: string, url: string): Promise<string> {
  const run = await chromium(bin, ["--dump-dom", url]);
  if (run.code !== 0 || !run.stdout.includes("<html")) {
    throw new Error(`chromium --dump-dom failed (${run.code}): ${run.stderr.slice(-500)}`);
  }
  return run.stdout;
}

export async function screenshot(
  bin: string,
  url: string,
  out: string,
  size = "1280,2000",
): Promise<void> {
  await Deno.remove(out).catch(() => {});
  const run = await chromium(bin, [`--screenshot=${out}`, `--window-size=${size}`, url]);
  if (run.code !== 0 || !isFile(out)) {
    throw new Error(`chromium --screenshot failed (${run.code}): ${run.stderr.slice(-500)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The demo-like workspace

type CreatePage = Parameters<Client["pages"]["create"]>[0];

/** Text a caller or a model could produce that must stay text. */
export const HOSTILE = [
  `<script>document.documentElement.dataset.pwned = "script"</script>`,
  `<img src=x onerror="document.documentElement.dataset.pwned = 'img'">`,
  `"><a href="javascript:alert(1)">click</a>`,
  `<style>body { display: none }</style>`,
].join(" ");

const TURNS: [string, string][] = [
  ["Dana", "Thanks for calling Harbor Plumbing, this is Dana. How can I help?"],
  ["Sam", "Hi Dana, it's Sam Rivera. We booked the water heater installation for Monday."],
  ["Sam", "Something came up at work. Could we move it to Tuesday morning instead?"],
  ["Dana", "Let me check the schedule. Tuesday at nine works. I'll move it and email you."],
  ["Sam", "Perfect. Could you also send the updated invoice with the new date on it?"],
  ["Dana", "Of course, it'll be in the same email. Anything else I can help with?"],
  ["Sam", "No, that's everything. Thanks a lot!"],
];

function utterances(): Utterance[] {
  let at = 0;
  return TURNS.map(([name, text]) => {
    const start = at;
    at += 3_000 + text.length * 55;
    return {
      speaker: name === "Dana" ? "A" : "B",
      speaker_name: name,
      start_ms: start,
      end_ms: at,
      text,
    };
  });
}

function callInput(contactPageId: string | null, over: Partial<CallPageInput> = {}): CallPageInput {
  return {
    call: {
      id: 1,
      source: "openphone",
      external_id: "ACdemo0001",
      direction: "incoming",
      from_number: "+15555550123",
      to_number: "+15555550100",
      participants: ["+15555550123"],
      started_at: "2026-11-30T09:12:00Z",
      duration_sec: 96,
      cost_usd: "0.0181",
      eligibility: { eligible: true, reason: "eligible" },
      dedupe: { status: "unique" },
    },
    contact: contactPageId
      ? { status: "matched", page_id: contactPageId, candidates: [], name: "Sam Rivera" }
      : { status: "unknown", page_id: null, candidates: [] },
    transcript: {
      status: "completed",
      utterances: utterances(),
      metrics: {
        turns: 6,
        questions: 3,
        longest_monologue: { speaker: "B", duration_ms: 7_400 },
        speakers: { A: { talk_share: 0.52 }, B: { talk_share: 0.48 } },
      },
    },
    summary: {
      status: "summarized",
      reason: null,
      summary: {
        title: "Water heater installation moved to Tuesday",
        summary:
          "Sam Rivera asked to move Monday's water heater installation to Tuesday morning. Dana moved it to Tuesday 9:00 and will email a confirmation with the updated invoice.",
        key_points: [
          "Installation moved from Monday to Tuesday, 9:00",
          "Sam wants the updated invoice with the new date",
        ],
        action_items: [
          { text: "Email the confirmation for Tuesday 9:00", owner: "Dana", due: "2026-11-30" },
          { text: "Attach the updated invoice", owner: "Dana", due: null },
        ],
        follow_up_needed: true,
        follow_up_by: "2026-12-01",
        follow_up_reason: "confirm the technician's arrival window",
        sentiment: "positive",
        topics: ["installation", "scheduling", "invoice"],
        category: "scheduling",
      },
    },
    recordingUrl: "https://project.supabase.co/functions/v1/recording?t=demo",
    ...over,
  };
}

export interface DemoWorkspace {
  root: string;
  databases: Record<NotionDatabaseName, { id: string; dataSourceId: string }>;
  contact: string;
  callPage: string;
  conversationPage: string;
  hostilePage: string;
}

/** Contacts, Calls and Conversations as the set-up command makes them, and a few pages. */
export async function buildDemoWorkspace(
  client: Client,
  seedRoot: () => Promise<string>,
): Promise<DemoWorkspace> {
  const root = await seedRoot();
  const map = DEFAULT_PROPERTY_MAP;
  const dataSources: Partial<Record<NotionDatabaseName, string>> = {};
  const databases = {} as DemoWorkspace["databases"];
  const titles = { contacts: "Contacts", calls: "Calls", conversations: "Conversations" };
  for (const name of ["contacts", "calls", "conversations"] as const) {
    const properties = Object.fromEntries(
      Object.entries(map[name]).map(([logical, prop]) => [
        prop.name,
        propertySchema(logical, prop, dataSources),
      ]),
    );
    const db = await client.databases.create({
      parent: { type: "page_id", page_id: root },
      title: [{ type: "text", text: { content: titles[name] } }],
      initial_data_source: { properties },
    }) as unknown as { id: string; data_sources: { id: string }[] };
    databases[name] = { id: db.id, dataSourceId: db.data_sources[0]!.id };
    dataSources[name] = db.data_sources[0]!.id;
  }

  const contact = (name: string, phone: string, company: string) =>
    client.pages.create({
      parent: { data_source_id: databases.contacts.dataSourceId },
      properties: {
        Name: { title: [{ text: { content: name } }] },
        Phone: { phone_number: phone },
        Company: { rich_text: [{ text: { content: company } }] },
        Email: { email: `${name.split(" ")[0]!.toLowerCase()}@example.com` },
      },
    });
  const sam = await contact("Sam Rivera", "+15555550123", "Rivera Bakery");
  await contact("Priya Shah", "+15555550145", "Shah Dental");

  const createCall = async (input: CallPageInput) => {
    const built = buildCallPage(input, map.calls);
    const page = await client.pages.create({
      parent: { data_source_id: databases.calls.dataSourceId },
      icon: { type: "emoji", emoji: "📞" },
      properties: built.properties as NonNullable<CreatePage["properties"]>,
      children: [built.overview, ...built.transcript] as unknown as NonNullable<
        CreatePage["children"]
      >,
    });
    return page.id;
  };
  const callPage = await createCall(callInput(sam.id));
  const hostilePage = await createCall(callInput(null, {
    call: {
      ...callInput(null).call,
      external_id: "ACdemo0002",
      from_number: "+15555550188",
      participants: ["+15555550188"],
      started_at: "2026-11-30T10:40:00Z",
    },
    transcript: {
      status: "completed",
      utterances: [{ speaker: "A", speaker_name: "Caller", start_ms: 0, text: HOSTILE }],
    },
    summary: {
      status: "summarized",
      reason: null,
      summary: {
        ...callInput(null).summary!.summary!,
        title: `Unknown caller ${HOSTILE}`.slice(0, 200),
        summary: `The caller read out: ${HOSTILE}`,
        key_points: [HOSTILE],
        action_items: [{ text: HOSTILE, owner: null, due: null }],
        topics: ["<b>markup</b>"],
      },
    },
  }));

  const messages = [
    ["incoming", "Hi, is the technician still coming Tuesday at 9?", "2026-11-30T15:02:00Z"],
    ["outgoing", "Yes! Alex will be there between 9 and 9:30.", "2026-11-30T15:05:00Z"],
    ["incoming", "Great, here's a photo of where the old heater is.", "2026-11-30T15:07:00Z"],
  ] as const;
  const conversationPage = (await client.pages.create({
    parent: { data_source_id: databases.conversations.dataSourceId },
    icon: { type: "emoji", emoji: "💬" },
    properties: createProperties(map.conversations, {
      title: "Sam Rivera (+15555550123)",
      conversationKey: "PNdemo:+15555550123",
      ourNumber: "+15555550100",
      others: ["+15555550123"],
      contact: { status: "matched", pageIds: [sam.id], reviewNote: null },
      lastMessageAt: messages[2][2],
      messageCount: messages.length,
    }) as NonNullable<CreatePage["properties"]>,
    children: [
      headerBlock(1, { ourNumber: "+15555550100", others: ["+15555550123"] }),
      ...messages.flatMap(([direction, body, sent_at], i) =>
        messageBlocks({
          id: i + 1,
          external_id: `ACmsg000${i + 1}`,
          direction,
          from_number: direction === "incoming" ? "+15555550123" : "+15555550100",
          to_numbers: direction === "incoming" ? ["+15555550100"] : ["+15555550123"],
          body,
          media: i === 2
            ? [{ url: "https://media.example.com/heater.jpg", type: "image/jpeg" }]
            : [],
          sent_at,
        })
      ),
    ] as unknown as NonNullable<CreatePage["children"]>,
  })).id;

  return { root, databases, contact: sam.id, callPage, conversationPage, hostilePage };
}

// ---------------------------------------------------------------------------------------------
// Checks on the DOM the browser built

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

/** The call page as Chromium parsed it. */
export function checkCallDom(dom: string, ws: DemoWorkspace): Check[] {
  const contactHref = `${VIEW_PATH}/pages/${ws.contact}`;
  return [
    {
      name: "title",
      ok: /<h1 class="page-title">Water heater installation moved to Tuesday<\/h1>/.test(dom),
    },
    {
      name: "properties",
      ok: ["Call ID", "Direction", "Started", "Contact", "Topics", "Cost (USD)", "Recording"]
        .every((p) => dom.includes(`<tr data-property="${p}">`)),
    },
    {
      name: "contact relation links to the contact page",
      ok: dom.includes(`href="${contactHref}"`),
    },
    {
      name: "to-dos are disabled checkboxes",
      ok: count(
        dom,
        /<div class="block to-do[^"]*"[^>]*><label[^>]*><input type="checkbox" disabled="">/g,
      ) === 2,
    },
    {
      name: "one toggle per transcript turn",
      ok: count(dom, /<details class="block toggle/g) === TURNS.length,
      detail: `${count(dom, /<details class="block toggle/g)} toggles`,
    },
    { name: "callout", ok: dom.includes(`<div class="callout-icon">📞</div>`) },
    {
      name: "recording link",
      ok: dom.includes(`href="https://project.supabase.co/functions/v1/recording?t=demo"`),
    },
    { name: "no script element", ok: !/<script/i.test(dom) },
  ];
}

/** The hostile page: every piece of markup in its text stayed text. */
export function checkHostileDom(dom: string): Check[] {
  const body = dom.slice(dom.indexOf("<body"));
  return [
    { name: "no script element", ok: !/<script/i.test(dom) },
    { name: "no img element", ok: !/<img/i.test(body) },
    { name: "no injected style element", ok: count(dom, /<style/gi) === 1 },
    { name: "no javascript: link", ok: !/<a\s[^>]*href="javascript:/i.test(body) },
    { name: "no data-pwned", ok: !dom.includes("data-pwned") },
    {
      name: "the text is shown escaped",
      ok: body.includes("&lt;script&gt;document.documentElement.dataset.pwned"),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The command

interface Args {
  out: string;
  size: string;
  url: string | null;
  serve: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    out: `${PROJECT_ROOT}/.local/notion-view.png`,
    size: "1280,2000",
    url: null,
    serve: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out") args.out = argv[++i] ?? args.out;
    else if (a === "--size") args.size = argv[++i] ?? args.size;
    else if (a === "--url") args.url = (argv[++i] ?? "").replace(/\/$/, "");
    else if (a === "--serve") args.serve = true;
    else {throw new Error(
        `Unknown argument ${a}. Usage: view_check.ts [--out <png>] [--size <w,h>] [--url <sandbox>] [--serve]`,
      );}
  }
  return args;
}

// deno-lint-ignore no-console
const say = (line: string) => console.log(line);

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const bin = findChromium();
  if (!bin) {
    say("view check: Chromium is not installed.");
    say("  install it from Debian's packages:");
    say("    apt-get update && apt-get install -y chromium fonts-noto-color-emoji");
    say("  (or set CHROMIUM to a Chromium binary)");
    return 2;
  }
  await Deno.mkdir(args.out.replace(/\/[^/]*$/, ""), { recursive: true });

  if (args.url) {
    const state = await (await fetch(`${args.url}/_control/state/notion`)).json() as {
      databases: { id: string; title: { plain_text: string }[]; data_sources: { id: string }[] }[];
      pages: { id: string; in_trash: boolean; parent: { data_source_id?: string } }[];
    };
    const calls = state.databases.find((d) =>
      d.title.map((t) => t.plain_text).join("") === "Calls"
    );
    const first = calls
      ? state.pages.find((p) =>
        !p.in_trash && p.parent.data_source_id === calls.data_sources[0]?.id
      )
      : undefined;
    const target = first ? `${args.url}${VIEW_PATH}/pages/${first.id}` : `${args.url}${VIEW_PATH}`;
    const dom = await dumpDom(bin, `${args.url}${VIEW_PATH}`);
    const ok = dom.includes("<h1>Workspace</h1>");
    await screenshot(bin, target, args.out, args.size);
    say(`view check: ${ok ? "ok" : "FAILED"} — index ${args.url}${VIEW_PATH}`);
    say(`  screenshot of ${target}: ${args.out}`);
    return ok ? 0 : 1;
  }

  const sb = startSandbox({ vendors: [createNotion()], port: 0 });
  try {
    const client = new Client({
      auth: "secret_view_check",
      baseUrl: `${sb.url}/notion`,
      logger: () => {},
    });
    const ws = await buildDemoWorkspace(client, async () => {
      const res = await fetch(`${sb.url}/_control/seed`, {
        method: "POST",
        body: JSON.stringify({ notion: { pages: [{ title: "Switchboard" }] } }),
      });
      return (await res.json()).notion.pages[0].id as string;
    });
    const url = (path: string) => `${sb.url}${VIEW_PATH}${path}`;
    const started = performance.now();
    const checks = [
      ...checkCallDom(await dumpDom(bin, url(`/pages/${ws.callPage}`)), ws)
        .map((c) => ({ ...c, name: `call page: ${c.name}` })),
      ...checkHostileDom(await dumpDom(bin, url(`/pages/${ws.hostilePage}`)))
        .map((c) => ({ ...c, name: `hostile text: ${c.name}` })),
    ];
    await screenshot(bin, url(`/pages/${ws.callPage}?open=1`), args.out, args.size);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    for (const c of checks) {
      say(`${c.ok ? "ok  " : "FAIL"} ${c.name}${c.detail ? ` (${c.detail})` : ""}`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    say(`screenshot: ${args.out} (${(await Deno.stat(args.out)).size} bytes)`);
    say(
      `view check: ${checks.length - failed} passed, ${failed} failed (${seconds} s in Chromium)`,
    );
    if (args.serve) {
      say(`\nserving the view until Ctrl-C:`);
      say(`  ${url("")}`);
      say(`  ${url(`/databases/${ws.databases.calls.id}`)}`);
      say(`  ${url(`/pages/${ws.callPage}`)}`);
      say(`  ${url(`/pages/${ws.conversationPage}`)}`);
      await new Promise(() => {});
    }
    return failed ? 1 : 0;
  } finally {
    if (!args.serve) await sb.close();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    // deno-lint-ignore no-console
    console.error(`view check: ${e instanceof Error ? e.message : e}`);
    Deno.exit(2);
  }
}
