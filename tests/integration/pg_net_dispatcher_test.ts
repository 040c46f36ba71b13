/**
 * The local pg_net worker (local/gateway/pg_net_dispatcher.ts), through the public net.* API:
 * what it sends, and what it records when the target is slow or unreachable.
 */
import assert from "node:assert/strict";
import { eventually, platformAvailable, testDb } from "../support/platform.ts";

interface ResponseRow {
  status_code: number | null;
  content: string | null;
  timed_out: boolean | null;
  error_msg: string | null;
  headers: Record<string, string> | null;
}

async function responseFor(sql: ReturnType<typeof testDb>, id: string): Promise<ResponseRow> {
  return await eventually(async () => {
    const [row] = await sql<ResponseRow[]>`
      select status_code, content, timed_out, error_msg, headers
      from net._http_response where id = ${id}::bigint`;
    return row;
  });
}

Deno.test({
  name: "pg_net dispatcher: sends method, url parameters, headers and JSON body as queued",
  ignore: !platformAvailable,
  async fn() {
    const seen: { method: string; url: string; auth: string | null; body: unknown }[] = [];
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        seen.push({
          method: req.method,
          url: req.url,
          auth: req.headers.get("x-token"),
          body: req.method === "POST" ? await req.json() : null,
        });
        return Response.json({ echoed: true }, { headers: { "x-answer": "42" } });
      },
    );
    const sql = testDb();
    try {
      const base = `http://127.0.0.1:${server.addr.port}/hook`;
      const [post] = await sql<{ id: string }[]>`
        select net.http_post(
          url := ${base},
          body := '{"call": "c_1"}'::jsonb,
          params := '{"a b": "x/y"}'::jsonb,
          headers := '{"x-token": "t0k"}'::jsonb
        )::text as id`;
      const [get] = await sql<{ id: string }[]>`
        select net.http_get(${base}, params := '{"page": "2"}'::jsonb)::text as id`;
      const postRes = await responseFor(sql, post!.id);
      const getRes = await responseFor(sql, get!.id);
      assert.equal(postRes.status_code, 200);
      assert.equal(postRes.content, '{"echoed":true}');
      assert.equal(postRes.headers?.["x-answer"], "42");
      assert.equal(getRes.status_code, 200);
      const sentPost = seen.find((s) => s.method === "POST")!;
      assert.equal(sentPost.url, `${base}?a%20b=x%2Fy`);
      assert.equal(sentPost.auth, "t0k");
      assert.deepEqual(sentPost.body, { call: "c_1" });
      assert.equal(seen.find((s) => s.method === "GET")!.url, `${base}?page=2`);
    } finally {
      await sql.end();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "pg_net dispatcher: honours timeout_milliseconds and records unreachable targets",
  ignore: !platformAvailable,
  async fn() {
    const release = Promise.withResolvers<void>();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
      await release.promise;
      return new Response("late");
    });
    const sql = testDb();
    try {
      const [slow] = await sql<{ id: string }[]>`
        select net.http_post(${`http://127.0.0.1:${server.addr.port}/slow`},
          timeout_milliseconds := 200)::text as id`;
      // Port 9 (discard) has no listener on loopback: connection refused.
      const [down] = await sql<{ id: string }[]>`
        select net.http_get('http://127.0.0.1:9/')::text as id`;
      const slowRes = await responseFor(sql, slow!.id);
      assert.equal(slowRes.status_code, null);
      assert.equal(slowRes.timed_out, true);
      assert.equal(slowRes.error_msg, "Timeout of 200 ms reached");
      const downRes = await responseFor(sql, down!.id);
      assert.equal(downRes.status_code, null);
      assert.match(downRes.error_msg ?? "", /^Couldn't connect to server/);
    } finally {
      release.resolve();
      await sql.end();
      await server.shutdown();
    }
  },
});
