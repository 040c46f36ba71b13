import assert from "node:assert/strict";
import { Router } from "./router.ts";

Deno.test("Router matches params and rest segments and tells 404 from 405", () => {
  const r = new Router<null>()
    .get("/v1/calls/:id", () => new Response("call"))
    .get("/media/*path", () => new Response("media"));
  const call = r.match("GET", "/v1/calls/AC%201");
  assert.ok(call && !("methodNotAllowed" in call));
  assert.deepEqual(call.params, { id: "AC 1" });
  assert.equal(call.pattern, "/v1/calls/:id");
  const media = r.match("HEAD", "/media/a/b.wav");
  assert.ok(media && !("methodNotAllowed" in media));
  assert.equal(media.params.path, "a/b.wav");
  assert.deepEqual(r.match("POST", "/v1/calls/x"), { methodNotAllowed: true });
  assert.equal(r.match("GET", "/v2/nothing"), null);
});
