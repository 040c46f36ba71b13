import assert from "node:assert/strict";
import { createOpenPhoneClient } from "./client.ts";

function harness(opts: { stallOnce?: number; statuses?: number[] } = {}) {
  let clock = 0;
  let tat = 0;
  let reservations = 0;
  const sent: number[] = [];
  const blocks: number[] = [];
  let stall = opts.stallOnce ?? 0;
  const statuses = [...(opts.statuses ?? [])];
  const client = createOpenPhoneClient({
    baseUrl: "http://op",
    apiKey: "k",
    now: () => clock,
    sleep: (ms) => {
      clock += ms + stall;
      stall = 0;
      return Promise.resolve();
    },
    budget: {
      // 10 per second, burst 1: each reservation is the next 100 ms slot.
      reserve: () => {
        reservations++;
        tat = Math.max(tat, clock) + 100;
        return Promise.resolve(Math.max(0, tat - 100 - clock));
      },
      block: (until) => {
        blocks.push(until);
        tat = Math.max(tat, until);
        return Promise.resolve();
      },
    },
    fetch: (_input, init) => {
      assert.equal(new Headers(init?.headers).get("authorization"), "k", "the raw key, no Bearer");
      sent.push(clock);
      const status = statuses.shift() ?? 200;
      return Promise.resolve(
        status === 200
          ? Response.json({ data: [], totalItems: 0, nextPageToken: null })
          : new Response("{}", { status, headers: { "retry-after": "2" } }),
      );
    },
  });
  return { client, sent, blocks, reservations: () => reservations };
}

Deno.test("OpenPhone client paces requests one reserved slot apart", async () => {
  const { client, sent } = harness();
  for (let i = 0; i < 4; i++) await client.phoneNumbers();
  assert.deepEqual(sent, [0, 100, 200, 300]);
});

Deno.test("OpenPhone client takes a fresh slot after a stall instead of bursting", async () => {
  const { client, sent, reservations } = harness({ stallOnce: 500 });
  await client.phoneNumbers(); // slot 0, no sleep
  await client.phoneNumbers(); // slot 100; the sleep overshoots by 500 ms: the slot is missed
  // It gives up the stale slot, reserves again, and goes in the next free one (600).
  assert.equal(reservations(), 3);
  assert.deepEqual(sent, [0, 600]);
});

Deno.test("OpenPhone client answers a 429 by pausing the shared budget, then retries", async () => {
  const { client, sent, blocks } = harness({ statuses: [429] });
  await client.phoneNumbers();
  assert.deepEqual(blocks, [2000], "Retry-After: 2 blocks every caller for two seconds");
  assert.deepEqual(sent, [0, 2000]);
});
