import assert from "node:assert/strict";
import { DB_RETRY_AFTER_SECONDS, errorResponse } from "./http.ts";
import { DbTimeoutError } from "./db_errors.ts";
import { AuthError, ServiceUnavailableError } from "./errors.ts";
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

function capture(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger({}, { write: (l) => lines.push(JSON.parse(l)) }) };
}

/** A postgres.js server error whose message and detail quote the refused row. */
const refused = () =>
  Object.assign(new Error('new row for relation "calls" violates check constraint +15555550100'), {
    name: "PostgresError",
    code: "23514",
    detail: "Failing row contains (+15555550100, call me back).",
    constraint_name: "calls_duration_sec_check",
    table_name: "calls",
    schema_name: "switchboard",
  });

Deno.test("errorResponse() logs a database error's SQLSTATE and names, never its text", async () => {
  const { lines, log } = capture();
  const res = errorResponse(refused(), log);
  assert.equal(res.status, 500);
  assert.doesNotMatch(await res.text(), /5555550100|violates/);
  assert.equal(lines.length, 1);
  assert.doesNotMatch(JSON.stringify(lines), /5555550100|call me back|violates|Failing/);
  assert.equal(lines[0]!.sqlstate, "23514");
  assert.equal(lines[0]!.constraint, "calls_duration_sec_check");
  assert.equal(lines[0]!.table, "calls");
});

Deno.test("errorResponse() answers a database that cannot be reached with 503 and Retry-After", async () => {
  const { lines, log } = capture();
  for (
    const e of [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("terminating connection due to administrator command"), {
        name: "PostgresError",
        code: "57P01",
      }),
      new DbTimeoutError(4000),
    ]
  ) {
    const res = errorResponse(e, log);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), String(DB_RETRY_AFTER_SECONDS));
    assert.equal((await res.json()).error.code, "unavailable");
  }
  assert.doesNotMatch(JSON.stringify(lines), /127\.0\.0\.1|administrator/);
});

Deno.test("errorResponse() answers ServiceUnavailableError with its Retry-After", async () => {
  const res = errorResponse(
    new ServiceUnavailableError("Try later", { retryAfterSeconds: 9, cause: refused() }),
    capture().log,
  );
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "9");
  assert.deepEqual(await res.json(), { error: { code: "unavailable", message: "Try later" } });
});

Deno.test("errorResponse() logs an unknown error's name and frames, not its message", () => {
  const { lines, log } = capture();
  let e: unknown;
  try {
    JSON.parse('{"to": "+15555550100", oops}');
  } catch (err) {
    e = err;
  }
  errorResponse(e, log);
  assert.equal(lines[0]!.error, "SyntaxError");
  assert.doesNotMatch(JSON.stringify(lines), /5555550100/);
});
