/**
 * The sandbox pipeline with a minimal vendor defined here: routing, the guard, the vendor's
 * error shape for 404/405 and injected faults, drop-after (write applied, answer lost), the
 * request log and the control API.
 */
import assert from "node:assert/strict";
import { json, readJson } from "./core/json.ts";
import { Router } from "./core/router.ts";
import type { SandboxContext, VendorModule } from "./core/vendor.ts";
import { startSandbox } from "./server.ts";

function createCounter(): VendorModule & { items: string[] } {
  const items: string[] = [];
  return {
    name: "counter",
    items,
    router: new Router<SandboxContext>()
      .post("/v1/items", async (req) => {
        const body = await readJson(req) as { name?: string } | null;
        items.push(body?.name ?? "unnamed");
        return json({ id: items.length }, 201);
      })
      .get("/v1/items", () => json({ items })),
    guard: (req) => req.headers.get("authorization") === "key" ? null : json({ err: "auth" }, 401),
    errorResponse: (status, message, retryAfter) =>
      json(
        { err: message, status },
        status,
        retryAfter ? { "retry-after": String(retryAfter) } : {},
      ),
    reset: () => items.splice(0),
    seed: (data) => {
      for (const n of (data as { names: string[] }).names) items.push(n);
      return { count: items.length };
    },
    state: () => ({ items: [...items] }),
  };
}

const auth = { authorization: "key" };

Deno.test("sandbox: routes through the guard to the vendor, with its error shape for 404 and 405", async () => {
  const vendor = createCounter();
  const sb = startSandbox({ vendors: [vendor] });
  try {
    assert.equal((await (await fetch(`${sb.url}/counter/v1/items`)).json()).err, "auth");
    const created = await fetch(`${sb.url}/counter/v1/items`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "a" }),
    });
    assert.equal(created.status, 201);
    await created.body?.cancel();
    const missing = await fetch(`${sb.url}/counter/v1/nope`, { headers: auth });
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).err, /Invalid request URL/);
    const wrong = await fetch(`${sb.url}/counter/v1/items`, { method: "DELETE", headers: auth });
    assert.equal(wrong.status, 405);
    await wrong.body?.cancel();
  } finally {
    await sb.close();
  }
});

Deno.test("sandbox: injected faults answer in the vendor's shape, and drop-after still applies the write", async () => {
  const vendor = createCounter();
  const sb = startSandbox({ vendors: [vendor] });
  const control = (path: string, init?: RequestInit) => fetch(`${sb.url}/_control${path}`, init);
  try {
    const add = await control("/faults", {
      method: "POST",
      body: JSON.stringify({
        vendor: "counter",
        method: "POST",
        status: 503,
        retryAfter: 7,
        times: 1,
      }),
    });
    assert.equal(add.status, 201);
    await add.body?.cancel();
    const faulted = await fetch(`${sb.url}/counter/v1/items`, {
      method: "POST",
      headers: auth,
      body: "{}",
    });
    assert.equal(faulted.status, 503);
    assert.equal(faulted.headers.get("retry-after"), "7");
    assert.deepEqual(await faulted.json(), { err: "Injected fault", status: 503 });
    assert.equal(vendor.items.length, 0, "a status fault does not reach the vendor");

    (await control("/faults", {
      method: "POST",
      body: JSON.stringify({
        vendor: "counter",
        path: "^/v1/items$",
        method: "POST",
        drop: "after",
        times: 1,
      }),
    })).body?.cancel();
    const dropped = await fetch(`${sb.url}/counter/v1/items`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "ambiguous" }),
    });
    await assert.rejects(dropped.text());
    assert.deepEqual(
      vendor.items,
      ["ambiguous"],
      "the write was applied although the answer was lost",
    );

    const log = await (await control("/requests?vendor=counter")).json();
    assert.deepEqual(
      log.map((e: { status: number; fault: string | null }) => [e.status, e.fault]),
      [
        [503, "status-503"],
        [200, "drop-after"],
      ],
    );
    assert.equal(log[1].route, "/v1/items");
    assert.equal(log[1].key, "key");
  } finally {
    await sb.close();
  }
});

Deno.test("sandbox: control API seeds, shows state, resets and refuses unknown vendors", async () => {
  const sb = startSandbox({ vendors: [createCounter()] });
  const control = (path: string, init?: RequestInit) => fetch(`${sb.url}/_control${path}`, init);
  try {
    const seeded = await control("/seed", {
      method: "POST",
      body: JSON.stringify({ counter: { names: ["x", "y"] } }),
    });
    assert.deepEqual(await seeded.json(), { counter: { count: 2 } });
    assert.deepEqual(await (await control("/state/counter")).json(), { items: ["x", "y"] });
    const unknown = await control("/seed", { method: "POST", body: JSON.stringify({ nope: {} }) });
    assert.equal(unknown.status, 400);
    await unknown.body?.cancel();
    (await control("/reset", { method: "POST" })).body?.cancel();
    assert.deepEqual(await (await control("/state/counter")).json(), { items: [] });
    assert.deepEqual(await (await control("/requests")).json(), []);
  } finally {
    await sb.close();
  }
});
