import assert from "node:assert/strict";
import postgres from "postgres";
import { UpstreamError } from "../_shared/platform/errors.ts";
import { createLogger } from "../_shared/platform/log.ts";
import type { LinkCheck, LinkRefusal } from "../_shared/platform/recording_links.ts";
import { createHandler, REFUSAL_MESSAGE, tokenOf } from "./handler.ts";
import { storageSigner } from "./wiring.ts";

const BASE = "http://fn.local/recording";

function harness(check: (token: string) => Promise<LinkCheck>, signed: string | null = "S") {
  const lines: Record<string, unknown>[] = [];
  const signs: [string, number][] = [];
  const handler = createHandler({
    log: createLogger({}, { write: (l) => lines.push(JSON.parse(l)) }),
    check,
    signedUrl: (path, ttl) => {
      signs.push([path, ttl]);
      return Promise.resolve(signed);
    },
  });
  return { handler, lines, signs };
}

const valid = (): Promise<LinkCheck> =>
  Promise.resolve({
    ok: true,
    callId: "1",
    mediaId: "10",
    storagePath: "calls/1/recording-a.mp3",
    urlTtlSeconds: 60,
  });

Deno.test("a valid link answers 302 to the signed URL, uncached, with no content", async () => {
  const seen: string[] = [];
  const { handler, lines, signs } = harness((t) => {
    seen.push(t);
    return valid();
  }, "https://ref.supabase.co/storage/v1/object/sign/recordings/x?token=y");
  for (const url of [`${BASE}?t=r1.tok`, `${BASE}/r1.tok`, `${BASE}/r1.tok/`]) {
    const res = await handler(new Request(url));
    assert.equal(res.status, 302, url);
    assert.equal(
      res.headers.get("location"),
      "https://ref.supabase.co/storage/v1/object/sign/recordings/x?token=y",
    );
    assert.match(res.headers.get("cache-control")!, /no-store/);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(await res.text(), "");
  }
  assert.deepEqual(seen, ["r1.tok", "r1.tok", "r1.tok"]);
  assert.deepEqual(signs[0], ["calls/1/recording-a.mp3", 60]);
  const head = await handler(new Request(`${BASE}?t=r1.tok`, { method: "HEAD" }));
  assert.equal(head.status, 302);
  // The log names ids, never the token.
  assert.equal(lines[0]!.msg, "Recording link followed");
  assert.equal(lines[0]!.call_id, "1");
  assert.ok(!JSON.stringify(lines).includes("r1.tok"));
});

Deno.test("every refusal is the same 403, the reason only in the log", async () => {
  const reasons: LinkRefusal[] = [
    "malformed",
    "unknown_key",
    "bad_signature",
    "expired",
    "revoked_key",
    "revoked_call",
    "no_object",
  ];
  const bodies = new Set<string>();
  for (const reason of reasons) {
    const { handler, lines, signs } = harness(() => Promise.resolve({ ok: false, reason }));
    const res = await handler(new Request(`${BASE}?t=secret-token`));
    assert.equal(res.status, 403, reason);
    assert.match(res.headers.get("cache-control")!, /no-store/);
    bodies.add(await res.text());
    assert.equal(lines[0]!.reason, reason);
    assert.ok(!JSON.stringify(lines).includes("secret-token"));
    assert.equal(signs.length, 0, "nothing is signed for a refused link");
  }
  // An object the database knows but Storage does not, and no token at all: the same answer.
  const gone = harness(valid, null);
  const res = await gone.handler(new Request(`${BASE}?t=x`));
  assert.equal(res.status, 403);
  bodies.add(await res.text());
  assert.equal(gone.lines[0]!.reason, "no_storage_object");
  for (const url of [BASE, `${BASE}?t=`, `${BASE}/`]) {
    const none = await harness(valid).handler(new Request(url));
    assert.equal(none.status, 403, url);
    bodies.add(await none.text());
  }
  assert.deepEqual([...bodies], [
    JSON.stringify({ error: { code: "forbidden", message: REFUSAL_MESSAGE } }),
  ]);
});

Deno.test("other methods get 405", async () => {
  const { handler } = harness(valid);
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const res = await handler(new Request(`${BASE}?t=x`, { method }));
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
    await res.body?.cancel();
  }
});

Deno.test("a database or Storage failure is a 503/502, never the content or a 200", async () => {
  const down = new postgres.PostgresError("connection refused") as postgres.PostgresError & {
    code: string;
  };
  Object.assign(down, { code: "57P03" });
  const db = harness(() => Promise.reject(down));
  const res = await db.handler(new Request(`${BASE}?t=x`));
  assert.equal(res.status, 503);
  assert.ok(res.headers.get("retry-after"));
  assert.match(res.headers.get("cache-control")!, /no-store/);
  await res.body?.cancel();

  const storage = createHandler({
    log: createLogger({}, { write: () => {} }),
    check: valid,
    signedUrl: () =>
      Promise.reject(new UpstreamError("storage", "http", "x", { upstreamStatus: 500 })),
  });
  const bad = await storage(new Request(`${BASE}?t=x`));
  assert.equal(bad.status, 502);
  await bad.body?.cancel();
});

Deno.test("tokenOf reads ?t= or the last path segment", () => {
  assert.equal(tokenOf(new URL("http://x/recording?t=a.b")), "a.b");
  assert.equal(tokenOf(new URL("http://x/functions/v1/recording/a.b")), "a.b");
  assert.equal(tokenOf(new URL("http://x/recording/a%2Eb")), "a.b");
  assert.equal(tokenOf(new URL("http://x/recording/%E0")), null);
  assert.equal(tokenOf(new URL("http://x/recording")), null);
});

Deno.test("storageSigner asks Storage for a signed URL and makes it absolute", async () => {
  const calls: { url: string; init: RequestInit }[] = [];
  let answer = () =>
    Response.json({ signedURL: "/object/sign/recordings/calls/1/a b.mp3?token=t" });
  const sign = storageSigner({
    supabaseUrl: "https://ref.supabase.co/",
    key: "sb_secret_x",
    bucket: "recordings",
    fetch: (input, init) => {
      calls.push({ url: String(input), init: init! });
      return Promise.resolve(answer());
    },
  });
  assert.equal(
    await sign("calls/1/a b.mp3", 60),
    "https://ref.supabase.co/storage/v1/object/sign/recordings/calls/1/a%20b.mp3?token=t",
  );
  assert.equal(
    calls[0]!.url,
    "https://ref.supabase.co/storage/v1/object/sign/recordings/calls/1/a%20b.mp3",
  );
  assert.equal(calls[0]!.init.method, "POST");
  assert.equal(calls[0]!.init.body, JSON.stringify({ expiresIn: 60 }));
  assert.equal(new Headers(calls[0]!.init.headers).get("apikey"), "sb_secret_x");

  answer = () =>
    Response.json({ statusCode: "404", error: "not_found", message: "Object not found" }, {
      status: 400,
    });
  assert.equal(await sign("calls/1/gone.mp3", 60), null);
  answer = () => new Response("bad gateway", { status: 502 });
  await assert.rejects(sign("calls/1/a.mp3", 60), UpstreamError);
});
