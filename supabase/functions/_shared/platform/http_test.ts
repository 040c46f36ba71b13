import assert from "node:assert/strict";
import { errorResponse } from "./http.ts";
import { AuthError } from "./errors.ts";
import { createLogger } from "./log.ts";

Deno.test("errorResponse() answers AppErrors with their status, code and message", async () => {
  const res = errorResponse(
    new AuthError("Invalid worker secret"),
    createLogger({}, { write: () => {} }),
  );
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    error: { code: "unauthorized", message: "Invalid worker secret" },
  });
});

Deno.test("errorResponse() hides unknown errors behind a generic 500 and logs them", async () => {
  const lines: string[] = [];
  const res = errorResponse(
    new Error("db password is hunter2"),
    createLogger({}, { write: (l) => lines.push(l) }),
  );
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.doesNotMatch(body, /hunter2/);
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!).level, "error");
});
