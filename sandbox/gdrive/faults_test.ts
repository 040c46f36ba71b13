/**
 * Failure paths a Drive client must survive: injected 429/5xx in Drive's error shape with
 * Retry-After, dropped connections, and Drive's own per-user quota (403 userRateLimitExceeded).
 */
import assert from "node:assert/strict";
import { driveError, recordingsScenario, startDrive } from "./testkit.ts";

Deno.test("gdrive: injected 429 and 500 answer in Drive's error shape with Retry-After", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    for (
      const [status, reason, canonical] of [
        [429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"],
        [500, "backendError", "INTERNAL"],
      ] as const
    ) {
      const rule = await h.control("/faults", {
        vendor: "gdrive",
        method: "GET",
        path: "^/drive/v3/files$",
        status,
        retryAfter: 7,
        times: 1,
      });
      assert.equal(rule.status, 201);
      await rule.body?.cancel();
      const res = await h.drive("/files", token);
      assert.equal(res.status, status);
      assert.equal(res.headers.get("retry-after"), "7");
      const e = await driveError(res);
      assert.equal(e.code, status);
      assert.equal(e.status, canonical);
      assert.equal(e.errors[0]?.reason, reason);
      // One time only: the retry goes through.
      const retry = await h.drive("/files", token);
      assert.equal(retry.status, 200);
      await retry.body?.cancel();
    }
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: a dropped connection fails the download mid-response", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    const rule = await h.control("/faults", {
      vendor: "gdrive",
      path: "^/drive/v3/files/rec1$",
      drop: "before",
      times: 1,
    });
    await rule.body?.cancel();
    await assert.rejects(async () => {
      const res = await h.drive("/files/rec1?alt=media", token);
      await res.arrayBuffer();
    });
    const log = await (await h.control("/requests?vendor=gdrive", undefined, "GET")).json();
    assert.equal(log.at(-1).fault, "drop-before");
    const ok = await h.drive("/files/rec1?alt=media", token, { headers: { range: "bytes=0-3" } });
    assert.equal(await ok.text(), "RIFF");
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: Drive's per-user quota answers 403 userRateLimitExceeded", async () => {
  const h = startDrive({ rateLimitPerMinute: 2 });
  try {
    await h.seed(recordingsScenario());
    const token = await h.token();
    for (let i = 0; i < 2; i++) {
      const res = await h.drive("/files", token);
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const limited = await h.drive("/files", token);
    assert.equal(limited.status, 403);
    const e = await driveError(limited);
    assert.equal(e.errors[0]?.domain, "usageLimits");
    assert.equal(e.errors[0]?.reason, "userRateLimitExceeded");
    // The token endpoint is not part of Drive's quota, and the quota refills with time.
    assert.ok(await h.token());
    h.clock.advance(30_000);
    const refilled = await h.drive("/files", token);
    assert.equal(refilled.status, 200);
    await refilled.body?.cancel();
  } finally {
    await h.close();
  }
});
