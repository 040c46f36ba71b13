/**
 * Test support for the OpenPhone fake's contract tests: a running sandbox with this vendor, a
 * small seeded workspace, and fetch helpers. Tests talk to it with plain `fetch`, as the
 * project's client will (OpenPhone has no SDK).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { startSandbox } from "../server.ts";
import { createOpenPhone, type OpenPhoneOptions } from "./mod.ts";

export const KEY = "op_live_alpha_6a1f0c2e9b";
export const KEY_B = "op_live_bravo_77d3e1a4c0";
export const OWNER = "USowner001";
export const MEMBER = "USmember02";
export const PN_MAIN = "PNmain0001";
export const PN_OTHER = "PNother002";
export const MAIN_NUMBER = "+14155550100";
export const OTHER_NUMBER = "+14155550199";
export const ALICE = "+12025550111";
export const BOB = "+12025550122";
export const CAROL = "+12025550133";

export const CALL_ANSWERED = "AC0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01";
export const CALL_PROCESSING = "AC0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b02";
export const CALL_NO_RECORDING = "AC0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c03";
export const CALL_VOICEMAIL = "AC0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d04";
export const CALL_VOICEMAIL_PENDING = "AC0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e05";
export const MSG_IN = "AC1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a11";
export const MSG_OUT = "AC1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b12";
export const CONTACT_ALICE = "64f0a1b2c3d4e5f600000001";

/** A small workspace: two numbers, three contacts' worth of activity in known states. */
export const BASE_SCENARIO = {
  workspace: { plan: "business" },
  apiKeys: [KEY, { key: KEY_B, label: "second" }],
  users: [
    {
      id: OWNER,
      email: "owner@example.com",
      firstName: "Olivia",
      lastName: "Owner",
      role: "owner",
    },
    {
      id: MEMBER,
      email: "member@example.com",
      firstName: "Max",
      lastName: "Member",
      role: "member",
    },
  ],
  phoneNumbers: [
    { id: PN_MAIN, number: MAIN_NUMBER, name: "Main", users: [OWNER, MEMBER] },
    { id: PN_OTHER, number: OTHER_NUMBER, name: "Support", users: [MEMBER] },
  ],
  contacts: [
    {
      id: CONTACT_ALICE,
      externalId: "crm-alice",
      source: "custom-crm",
      firstName: "Alice",
      lastName: "Adams",
      phoneNumbers: [ALICE],
      emails: ["alice@example.com"],
      createdAt: "2026-01-02T09:00:00.000Z",
    },
  ],
  calls: [
    {
      id: CALL_ANSWERED,
      phoneNumberId: PN_MAIN,
      participant: ALICE,
      direction: "incoming",
      createdAt: "2026-01-05T10:00:00.000Z",
      duration: 64,
      recordings: [{ id: "CRanswer01", status: "completed" }],
      transcript: { status: "completed" },
      summary: { status: "completed" },
    },
    {
      id: CALL_PROCESSING,
      phoneNumberId: PN_MAIN,
      participant: ALICE,
      direction: "outgoing",
      createdAt: "2026-01-06T10:00:00.000Z",
      duration: 30,
      recordings: [{ id: "CRprocess2", status: "processing" }],
      transcript: { status: "in-progress" },
      summary: { status: "in-progress" },
    },
    {
      id: CALL_NO_RECORDING,
      phoneNumberId: PN_MAIN,
      participant: BOB,
      direction: "outgoing",
      status: "no-answer",
      createdAt: "2026-01-07T10:00:00.000Z",
    },
    {
      id: CALL_VOICEMAIL,
      phoneNumberId: PN_MAIN,
      participant: BOB,
      direction: "incoming",
      createdAt: "2026-01-08T10:00:00.000Z",
      voicemail: { id: "VM0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d04", status: "completed", duration: 21 },
    },
    {
      id: CALL_VOICEMAIL_PENDING,
      phoneNumberId: PN_MAIN,
      participant: CAROL,
      direction: "incoming",
      createdAt: "2026-01-09T10:00:00.000Z",
      voicemail: { status: "in-progress", duration: 12 },
    },
  ],
  messages: [
    {
      id: MSG_IN,
      phoneNumberId: PN_MAIN,
      participants: [ALICE],
      direction: "incoming",
      text: "Can we move to Tuesday?",
      createdAt: "2026-01-05T09:00:00.000Z",
    },
    {
      id: MSG_OUT,
      phoneNumberId: PN_MAIN,
      participants: [ALICE],
      direction: "outgoing",
      text: "Tuesday works.",
      createdAt: "2026-01-05T09:05:00.000Z",
    },
  ],
};

export interface TestSandbox {
  url: string;
  clock: ManualClock;
  /**
   * A request to /openphone with the API key (`key: null`: none). The clock first moves on
   * `paceMs` (default 100 ms), so tests make requests at the 10 req/s the API allows.
   */
  api(
    path: string,
    init?: RequestInit & { key?: string | null; paceMs?: number },
  ): Promise<Response>;
  /** JSON POST/GET against /_control. */
  control(path: string, body?: unknown, method?: string): Promise<Response>;
  seed(scenario: unknown): Promise<Record<string, unknown>>;
}

export async function withSandbox(
  fn: (s: TestSandbox) => Promise<void>,
  opts: {
    scenario?: unknown;
    vendor?: OpenPhoneOptions;
    fetch?: typeof fetch;
    clock?: ManualClock;
  } = {},
): Promise<void> {
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 1, 1, 12));
  const running = startSandbox({
    vendors: [createOpenPhone({ webhooks: { dispatch: "manual" }, ...opts.vendor })],
    clock,
    port: 0,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const s: TestSandbox = {
    url: running.url,
    clock,
    api: (path, init = {}) => {
      const { key = KEY, paceMs = 100, ...rest } = init;
      clock.advance(paceMs);
      const headers = new Headers(rest.headers);
      if (key !== null) headers.set("authorization", key);
      return fetch(`${running.url}/openphone${path}`, { ...rest, headers });
    },
    control: (path, body, method) =>
      fetch(`${running.url}/_control${path}`, {
        method: method ?? (body === undefined ? "GET" : "POST"),
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async seed(scenario) {
      const res = await s.control("/seed", { openphone: scenario });
      const out = await res.json();
      if (res.status !== 200) throw new Error(`Seed failed: ${JSON.stringify(out)}`);
      return out.openphone;
    },
  };
  try {
    if (opts.scenario !== undefined) await s.seed(opts.scenario);
    await fn(s);
  } finally {
    await running.close();
  }
}

/** Reads a JSON response, asserting its status first (with the body in the message). */
export async function jsonOf<T = Record<string, unknown>>(
  res: Response,
  status: number,
): Promise<T> {
  const text = await res.text();
  if (res.status !== status) {
    throw new Error(`Expected HTTP ${status}, got ${res.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** Asserts a v1 error body: `{message, code, status, docs, title}` with these values. */
export function assertV1Error(
  body: Record<string, unknown>,
  status: number,
  code: string,
  title: string,
): void {
  for (const k of ["code", "docs", "message", "status", "title"]) {
    assert.ok(k in body, `error body has ${k}`);
  }
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.title, title);
  assert.equal(body.docs, "https://openphone.com/docs");
  assert.equal(typeof body.message, "string");
}
