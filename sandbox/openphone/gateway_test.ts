/** Contract tests for what guards the v1 API: the raw API key, the per-key limit, faults. */
import assert from "node:assert/strict";
import {
  ALICE,
  BASE_SCENARIO,
  CALL_ANSWERED,
  jsonOf,
  KEY,
  KEY_B,
  PN_MAIN,
  withSandbox,
} from "./testing.ts";

type Json = Record<string, unknown>;

Deno.test("openphone: a Bearer-prefixed, unknown or missing key is 401", async () => {
  await withSandbox(async (s) => {
    for (const key of [`Bearer ${KEY}`, "op_live_nobody", `bearer ${KEY}`, null]) {
      const body = await jsonOf(await s.api(`/v1/calls/${CALL_ANSWERED}`, { key }), 401);
      assert.deepEqual(body, {
        message: "You are unauthorized to access the call",
        code: "0100401",
        status: 401,
        docs: "https://openphone.com/docs",
        title: "Unauthorized",
      });
    }
    const recordings = await jsonOf(
      await s.api(`/v1/call-recordings/${CALL_ANSWERED}`, { key: "nope" }),
      401,
    );
    assert.equal(recordings.code, "0900401");
    const ok = await s.api(`/v1/calls/${CALL_ANSWERED}`);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: in Kong gateway style, 401 and 429 bodies are Kong's", async () => {
  await withSandbox(async (s) => {
    const missing = await s.api(`/v1/calls/${CALL_ANSWERED}`, { key: null });
    assert.equal(missing.headers.get("www-authenticate"), 'Key realm="kong"');
    assert.deepEqual(await jsonOf(missing, 401), { message: "No API key found in request" });
    assert.deepEqual(
      await jsonOf(await s.api(`/v1/calls/${CALL_ANSWERED}`, { key: `Bearer ${KEY}` }), 401),
      { message: "Invalid authentication credentials" },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await s.api(`/v1/calls/${CALL_ANSWERED}`, { paceMs: 0 });
      statuses.push(res.status);
      if (res.status === 429) {
        assert.deepEqual(await res.json(), { message: "API rate limit exceeded" });
      } else await res.body?.cancel();
    }
    assert.ok(statuses.includes(429));
  }, { scenario: { ...BASE_SCENARIO, workspace: { gateway: "kong" } } });
});

Deno.test("openphone: more than 10 req/s on one key is 429 while another key is unaffected", async () => {
  await withSandbox(async (s) => {
    const path = `/v1/calls/${CALL_ANSWERED}`;
    // 19 requests within one second (every 50 ms, 20 req/s) on KEY.
    const a: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < 19; i++) {
      const res = await s.api(path, { paceMs: 50 });
      a.push(res.status);
      if (res.status === 429 && !limited) limited = res;
      else await res.body?.cancel();
    }
    const admitted = a.filter((x) => x === 200).length;
    assert.ok(admitted <= 10, `at most 10 admitted in a second, got ${admitted}`);
    assert.ok(a.filter((x) => x === 429).length >= 9);
    assert.deepEqual(a.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(limited);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal(limited.headers.get("x-ratelimit-limit-second"), "10");
    assert.equal(limited.headers.get("x-ratelimit-remaining-second"), "0");
    assert.deepEqual(await jsonOf<Json>(limited, 429), {
      message: "API rate limit exceeded",
      code: "0100429",
      status: 429,
      docs: "https://openphone.com/docs",
      title: "Too Many Requests",
    });
    // The other key has its own budget, at the same instant.
    const b = await s.api(path, { key: KEY_B, paceMs: 0 });
    assert.equal(b.status, 200);
    assert.equal(b.headers.get("x-ratelimit-limit-second"), "10");
    await b.body?.cancel();
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: a client pacing 10 req/s is never limited; a burst of 10 at once is", async () => {
  await withSandbox(async (s) => {
    const path = `/v1/calls?phoneNumberId=${PN_MAIN}&participants[]=${
      encodeURIComponent(ALICE)
    }&maxResults=5`;
    for (let i = 0; i < 50; i++) {
      const res = await s.api(path, { paceMs: 100 });
      assert.equal(res.status, 200, `request ${i}`);
      await res.body?.cancel();
    }
    s.clock.advance(2_000);
    const burst: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await s.api(path, { paceMs: 0 });
      burst.push(res.status);
      await res.body?.cancel();
    }
    // The small GCRA burst (5) admits part of a simultaneous burst, then asks to slow down.
    assert.deepEqual(burst, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    const log = await (await s.control("/requests?vendor=openphone")).json() as Json[];
    assert.ok(log.every((e) => e.key === KEY.slice(0, 8)));
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: injected faults answer in the vendor's error shape or drop the connection", async () => {
  await withSandbox(async (s) => {
    const rule = await s.control("/faults", {
      vendor: "openphone",
      path: "^/v1/calls/",
      status: 503,
      retryAfter: 7,
      times: 1,
    });
    assert.equal(rule.status, 201);
    await rule.body?.cancel();
    const faulted = await s.api(`/v1/calls/${CALL_ANSWERED}`);
    assert.equal(faulted.headers.get("retry-after"), "7");
    const body = await jsonOf(faulted, 503);
    assert.equal(body.status, 503);
    assert.equal(body.code, "0100503", "the calls family code");
    assert.equal(body.docs, "https://openphone.com/docs");
    const after = await s.api(`/v1/calls/${CALL_ANSWERED}`);
    assert.equal(after.status, 200);
    await after.body?.cancel();

    const drop = await s.control("/faults", { vendor: "openphone", drop: "before", times: 1 });
    await drop.body?.cancel();
    await assert.rejects(async () => {
      const res = await s.api(`/v1/calls/${CALL_ANSWERED}`);
      await res.text();
    });
    const log = await (await s.control("/requests?vendor=openphone")).json() as Json[];
    assert.deepEqual(log.map((e) => e.fault).filter(Boolean), ["status-503", "drop-before"]);
  }, { scenario: BASE_SCENARIO });
});
