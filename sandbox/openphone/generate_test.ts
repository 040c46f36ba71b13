/**
 * The volume generator: deterministic from its seed, and big enough that importing it goes
 * through many pages at the API's 10 req/s — checked against the sandbox's request log.
 */
import assert from "node:assert/strict";
import { jsonOf, KEY, withSandbox } from "./testing.ts";

type Json = Record<string, unknown>;
type Page = { data: Json[]; nextPageToken: string | null };
interface Generated {
  phoneNumbers: { id: string; number: string; participants: string[] }[];
  calls: number;
  messages: number;
}

const GENERATE = {
  seed: "volume-1",
  phoneNumbers: 3,
  callsPerNumber: 400,
  messagesPerNumber: 300,
  participantsPerNumber: 20,
  since: "2026-01-01T00:00:00Z",
};

Deno.test("openphone: the generator is deterministic for a seed", async () => {
  const snapshot = async (seed: string) => {
    let out: Json = {};
    await withSandbox(async (s) => {
      await s.seed({ apiKeys: [KEY], generate: { ...GENERATE, seed, callsPerNumber: 50 } });
      out = await jsonOf(await s.control("/state/openphone"), 200);
    });
    return out;
  };
  const a = await snapshot("same");
  const b = await snapshot("same");
  const c = await snapshot("other");
  assert.deepEqual(a.calls, b.calls);
  assert.deepEqual(a.messages, b.messages);
  assert.notDeepEqual(a.calls, c.calls);
  const calls = a.calls as Json[];
  assert.equal(calls.length, 150);
  const statuses = new Set(calls.map((x) => x.status));
  assert.ok(statuses.has("completed") && statuses.has("no-answer"), [...statuses].join());
  assert.ok(calls.some((x) => x.voicemail !== null));
  assert.ok(calls.some((x) => (x.recordings as Json[]).some((r) => r.status !== "completed")));
});

Deno.test("openphone: importing 2,100 generated calls and messages pages at 10 req/s", async () => {
  await withSandbox(async (s) => {
    const summary = await s.seed({ apiKeys: [KEY], generate: GENERATE });
    const gen = summary.generated as Generated;
    assert.equal(gen.calls + gen.messages, 2_100);

    const seen = new Set<string>();
    let requests = 0;
    for (const pn of gen.phoneNumbers) {
      for (const participant of pn.participants) {
        for (const kind of ["calls", "messages"]) {
          let token: string | null = null;
          do {
            const q: string = `/v1/${kind}?phoneNumberId=${pn.id}&participants[]=${
              encodeURIComponent(participant)
            }&maxResults=100${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`;
            // A client pacing itself at the documented 10 requests per second.
            const page: Page = await jsonOf<Page>(await s.api(q, { paceMs: 100 }), 200);
            requests++;
            for (const item of page.data) seen.add(item.id as string);
            token = page.nextPageToken;
          } while (token);
        }
      }
    }
    assert.equal(seen.size, 2_100);

    const log = await jsonOf<Json[]>(await s.control("/requests?vendor=openphone"), 200);
    assert.equal(log.length, requests);
    assert.ok(log.every((e) => e.status === 200 && e.key === KEY.slice(0, 8)));
    const perSecond = new Map<number, number>();
    for (const e of log) {
      const second = Math.floor((e.at as number) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    assert.ok(Math.max(...perSecond.values()) <= 10);
  });
});
