/**
 * Test harness for the Notion fake's contract tests: a sandbox serving only Notion on a free
 * port, the official @notionhq/client pointed at it with nothing but `baseUrl` changed, and
 * the seed helper. The SDK's console logger is silenced (no-console is on; refusals are
 * expected here).
 */
import { Client } from "@notionhq/client";
import type { Clock } from "../core/clock.ts";
import { type RunningSandbox, startSandbox } from "../server.ts";
import { createNotion, type NotionModule, type NotionOptions } from "./mod.ts";
import type { SeedResult } from "./seed.ts";

export const TOKEN = "secret_sandbox_test_token";

export interface Harness {
  sb: RunningSandbox;
  notion: NotionModule;
  base: string;
  client(opts?: { retry?: false; auth?: string }): Client;
  seed(data: unknown): Promise<SeedResult>;
  /** A raw request with the SDK's headers (override or drop them with `headers`). */
  raw(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string | null>,
  ): Promise<Response>;
}

export async function withNotion(
  fn: (h: Harness) => Promise<void>,
  opts: NotionOptions & { clock?: Clock } = {},
): Promise<void> {
  const notion = createNotion(opts);
  const sb = startSandbox({
    vendors: [notion],
    port: 0,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const base = `${sb.url}/notion`;
  const h: Harness = {
    sb,
    notion,
    base,
    client: (o = {}) =>
      new Client({
        auth: o.auth ?? TOKEN,
        baseUrl: base,
        logger: () => {},
        ...(o.retry === false ? { retry: false } : {}),
      }),
    async seed(data) {
      const res = await fetch(`${sb.url}/_control/seed`, {
        method: "POST",
        body: JSON.stringify({ notion: data }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`seed failed: ${JSON.stringify(body)}`);
      return body.notion as SeedResult;
    },
    raw(method, path, body, headers = {}) {
      const all: Record<string, string | null> = {
        authorization: `Bearer ${TOKEN}`,
        "notion-version": "2025-09-03",
        "content-type": "application/json",
        ...headers,
      };
      const sent = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)) as Record<
        string,
        string
      >;
      return fetch(`${base}${path}`, {
        method,
        headers: sent,
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
    },
  };
  try {
    await fn(h);
  } finally {
    await sb.close();
  }
}

/** Rich text for a string, as clients send it. */
export interface TextItem {
  type: "text";
  text: { content: string };
}

export const text = (content: string): TextItem[] => [{ type: "text", text: { content } }];

export const paragraph = (
  content: string,
): { type: "paragraph"; paragraph: { rich_text: TextItem[] } } => ({
  type: "paragraph" as const,
  paragraph: { rich_text: text(content) },
});

/** The three databases Switchboard keeps, roughly. */
export const CALLS_SCHEMA = {
  Name: { title: {} },
  Phone: { phone_number: {} },
  Email: { email: {} },
  Website: { url: {} },
  Notes: { rich_text: {} },
  Direction: { select: { options: [{ name: "inbound" }, { name: "outbound" }] } },
  Duration: { number: { format: "number" } },
  "Call ID": { rich_text: {} },
};
