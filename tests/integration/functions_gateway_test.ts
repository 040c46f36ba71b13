/**
 * The gateway's edge-runtime stand-in (local/gateway/functions.ts): unchanged entrypoints in
 * their own processes, the runtime's environment, and verify_jwt from config.toml.
 */
import assert from "node:assert/strict";
import { ANON_KEY, PROJECT_ROOT } from "../../local/config.ts";
import { createFunctionsGateway } from "../../local/gateway/functions.ts";
import { signJwt } from "../../local/gateway/jwt.ts";

const FIXTURE = `
Deno.serve(async (req) => Response.json({
  path: new URL(req.url).pathname,
  method: req.method,
  body: req.method === "POST" ? await req.text() : null,
  supabaseUrl: Deno.env.get("SUPABASE_URL") ?? null,
  custom: Deno.env.get("CUSTOM_SECRET") ?? null,
  leaked: Deno.env.get("SHOULD_NOT_LEAK") ?? null,
}));
`;

async function withGateway(
  fn: (gw: Awaited<ReturnType<typeof createFunctionsGateway>>) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "sb-functions-" });
  for (const name of ["guarded", "open", "defaulted"]) {
    await Deno.mkdir(`${dir}/functions/${name}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/functions/${name}/index.ts`, FIXTURE);
  }
  await Deno.writeTextFile(
    `${dir}/config.toml`,
    `[functions.guarded]\nverify_jwt = true\n\n[functions.open]\nverify_jwt = false\n`,
  );
  Deno.env.set("SHOULD_NOT_LEAK", "1");
  const gw = await createFunctionsGateway({
    functionsDir: `${dir}/functions`,
    configTomlPath: `${dir}/config.toml`,
    denoConfigPath: `${PROJECT_ROOT}/deno.json`,
    denoPath: Deno.execPath(),
    jwtSecret: "super-secret-jwt-token-with-at-least-32-characters-long",
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      SUPABASE_URL: "http://gw",
      CUSTOM_SECRET: "from-dotenv",
    },
    log: () => {},
  });
  try {
    await fn(gw);
  } finally {
    await gw.close();
    Deno.env.delete("SHOULD_NOT_LEAK");
    await Deno.remove(dir, { recursive: true });
  }
}

const call = (path: string, init: RequestInit = {}) =>
  new Request(`http://127.0.0.1/functions/v1/${path}`, init);

Deno.test("functions gateway: runs the entrypoint with the runtime's environment only", async () => {
  await withGateway(async (gw) => {
    const res = await gw.handle(
      call("open/sub/path?x=1", { method: "POST", body: "hello" }),
      "open",
      "/sub/path",
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      path: "/open/sub/path",
      method: "POST",
      body: "hello",
      supabaseUrl: "http://gw",
      custom: "from-dotenv",
      leaked: null,
    });
  });
});

Deno.test("functions gateway: verify_jwt = true requires a JWT signed with the project secret", async () => {
  await withGateway(async (gw) => {
    const none = await gw.handle(call("guarded"), "guarded", "");
    assert.equal(none.status, 401);
    assert.match((await none.json()).message, /Missing authorization header/);

    const forged = await signJwt(
      { role: "service_role" },
      "another-secret-that-is-at-least-32-characters",
    );
    const bad = await gw.handle(
      call("guarded", { headers: { authorization: `Bearer ${forged}` } }),
      "guarded",
      "",
    );
    assert.equal(bad.status, 401);
    await bad.body?.cancel();

    const good = await gw.handle(
      call("guarded", { headers: { authorization: `Bearer ${ANON_KEY}` } }),
      "guarded",
      "",
    );
    assert.equal(good.status, 200);
    await good.body?.cancel();
  });
});

Deno.test("functions gateway: verify_jwt defaults to true; unknown and private names are 404", async () => {
  await withGateway(async (gw) => {
    const res = await gw.handle(call("defaulted"), "defaulted", "");
    assert.equal(res.status, 401);
    await res.body?.cancel();
    for (const name of ["missing", "_shared", "..%2F"]) {
      const r = await gw.handle(call(name), name, "");
      assert.equal(r.status, 404, name);
      await r.body?.cancel();
    }
  });
});
