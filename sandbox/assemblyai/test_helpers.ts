/**
 * Shared fixtures for the AssemblyAI contract tests: a sandbox on a ManualClock with the real SDK
 * pointed at it, a tiny server for audio files and one for webhook deliveries.
 */
import { AssemblyAI } from "assemblyai";
import { audioResponse, type AudioSpec } from "../core/audio.ts";
import { ManualClock } from "../core/clock.ts";
import { startSandbox } from "../server.ts";
import { type AssemblyAIOptions, createAssemblyAI, DEFAULT_API_KEY } from "./mod.ts";

/** Two speakers, four lines; the third and fourth are one utterance of speaker "agent". */
export const CALL: AudioSpec = {
  durationSec: 12.5,
  script: [
    { speaker: "agent", text: "Hi, thanks for calling Acme.", start: 0.5, end: 3 },
    { speaker: "caller", text: "I need to move my appointment.", start: 3.5, end: 6 },
    { speaker: "agent", text: "Sure, which day works?", start: 6.5, end: 8 },
    { speaker: "agent", text: "We have Tuesday open.", start: 8.2, end: 10 },
  ],
};
export const CALL_TEXT = "Hi, thanks for calling Acme. I need to move my appointment. " +
  "Sure, which day works? We have Tuesday open.";

export const MODELS = ["universal-3-5-pro", "universal-2"];

export interface Fake {
  url: string;
  base: string;
  clock: ManualClock;
  client: AssemblyAI;
  /** POST /_control/assemblyai/tick. */
  tick(): Promise<void>;
  /** Moves the clock, then ticks. */
  advance(ms: number): Promise<void>;
  state(): Promise<FakeState>;
  close(): Promise<void>;
}

export interface FakeState {
  concurrency: number;
  queue: string[];
  transcripts: (Record<string, unknown> & {
    id: string;
    status: string;
    _sandbox: {
      webhook: { outcome: string; nextAt: number | null; attempts: unknown[] } | null;
    };
  })[];
  uploads: { id: string; bytes: number }[];
}

export function startFake(opts: AssemblyAIOptions = {}): Fake {
  const clock = new ManualClock();
  const running = startSandbox({
    vendors: [createAssemblyAI({ autoTickMs: 0, ...opts })],
    clock,
    port: 0,
  });
  const base = `${running.url}/assemblyai`;
  const control = async (method: string, path: string) => {
    const res = await fetch(`${running.url}/_control${path}`, { method });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return await res.json();
  };
  const fake: Fake = {
    url: running.url,
    base,
    clock,
    client: new AssemblyAI({ apiKey: DEFAULT_API_KEY, baseUrl: base }),
    tick: async () => void await control("POST", "/assemblyai/tick"),
    advance: async (ms) => {
      clock.advance(ms);
      await fake.tick();
    },
    state: () => control("GET", "/state/assemblyai"),
    close: () => running.close(),
  };
  return fake;
}

/** Serves WAV files by name, plus an HTML page, a 404 and a connection that drops mid-file. */
export function startAudioServer(files: Record<string, AudioSpec>): {
  url(name: string): string;
  hits: string[];
  close(): Promise<void>;
} {
  const hits: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    const { pathname } = new URL(req.url);
    hits.push(pathname);
    const name = pathname.slice(1);
    if (name === "page.html") {
      return new Response("<!DOCTYPE html><html><body>Sign in</body></html>", {
        headers: { "content-type": "text/html" },
      });
    }
    const spec = files[name];
    return spec ? audioResponse(req, spec) : new Response("Not Found", { status: 404 });
  });
  return {
    url: (name) => `http://127.0.0.1:${server.addr.port}/${name}`,
    hits,
    close: () => server.shutdown(),
  };
}

export interface Delivery {
  at: number;
  headers: Headers;
  body: unknown;
}

/** Records webhook deliveries and answers each with the next scripted status (then 200). */
export function startWebhookReceiver(statuses: number[] = []): {
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
} {
  const deliveries: Delivery[] = [];
  const script = [...statuses];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async (req) => {
      deliveries.push({ at: Date.now(), headers: req.headers, body: await req.json() });
      return new Response(null, { status: script.shift() ?? 200 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hooks/assemblyai?call=42`,
    deliveries,
    close: () => server.shutdown(),
  };
}

/** The SDK's error message for a failing call (it throws a plain Error). */
export async function sdkError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error("expected the SDK call to fail");
}

/** A raw request to the fake with the default key. */
export function raw(fake: Fake, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", DEFAULT_API_KEY);
  return fetch(`${fake.base}${path}`, { ...init, headers });
}
