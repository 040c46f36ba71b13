import assert from "node:assert/strict";
import {
  classifyDbError,
  dbErrorLogFields,
  DbTimeoutError,
  isDbError,
  withDeadline,
} from "./db_errors.ts";

/** What postgres.js throws for a server error: a PostgresError with the server's fields. */
function pgError(code: string, extra: Record<string, string> = {}): Error {
  return Object.assign(new Error("new row violates check constraint, value +15555550100"), {
    name: "PostgresError",
    code,
    severity: "ERROR",
    detail: "Failing row contains (+15555550100, hello).",
    ...extra,
  });
}

/** What it throws for a connection failure. */
function clientError(code: string): Error {
  return Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code, errno: code });
}

Deno.test("classifyDbError(): transient, refused or other, by SQLSTATE or client code", () => {
  const cases: [unknown, string][] = [
    [pgError("08006"), "transient"],
    [pgError("40001"), "transient"],
    [pgError("40P01"), "transient"],
    [pgError("57P01"), "transient"],
    [pgError("57P03"), "transient"],
    [pgError("57014"), "transient"],
    [pgError("53300"), "transient"],
    [pgError("55P03"), "transient"],
    [clientError("ECONNREFUSED"), "transient"],
    [clientError("ECONNRESET"), "transient"],
    [clientError("CONNECT_TIMEOUT"), "transient"],
    [clientError("CONNECTION_CLOSED"), "transient"],
    [new DbTimeoutError(4000), "transient"],
    [Object.assign(new Error("refused"), { name: "ConnectionRefused" }), "transient"],
    [pgError("22P05"), "refused"],
    [pgError("22007"), "refused"],
    [pgError("22003"), "refused"],
    [pgError("23514", { constraint_name: "calls_duration_sec_check" }), "refused"],
    [pgError("23505"), "refused"],
    [pgError("54000"), "refused"],
    [pgError("54001"), "refused"],
    [new RangeError("Maximum call stack size exceeded"), "refused"],
    [pgError("42883"), "other"],
    [pgError("P0001"), "other"],
    [pgError("XX000"), "other"],
    [pgError("28P01"), "other"],
    [new TypeError("x is undefined"), "other"],
    ["a string", "other"],
    [null, "other"],
  ];
  for (const [e, kind] of cases) {
    assert.equal(classifyDbError(e).kind, kind, String((e as { code?: string })?.code ?? e));
  }
  assert.equal(classifyDbError(clientError("EPIPE")).sqlstate, null, "EPIPE is not a SQLSTATE");
  assert.equal(classifyDbError(clientError("EPIPE")).kind, "transient");
});

Deno.test("dbErrorLogFields() names the SQLSTATE and objects, never the message or detail", () => {
  const e = pgError("23514", {
    constraint_name: "calls_duration_sec_check",
    schema_name: "switchboard",
    table_name: "calls",
  });
  const fields = dbErrorLogFields(e);
  assert.deepEqual(fields, {
    db_error: "refused",
    sqlstate: "23514",
    constraint: "calls_duration_sec_check",
    schema: "switchboard",
    table: "calls",
  });
  assert.doesNotMatch(JSON.stringify(fields), /5555550100|hello|Failing/);
  assert.deepEqual(dbErrorLogFields(clientError("ECONNREFUSED")), {
    db_error: "transient",
    client_code: "ECONNREFUSED",
  });
});

Deno.test("isDbError() recognises server, driver and timeout errors only", () => {
  assert.ok(isDbError(pgError("22P02")));
  assert.ok(isDbError(clientError("ECONNREFUSED")));
  assert.ok(isDbError(new DbTimeoutError(1)));
  assert.ok(!isDbError(new Error("plain")));
  assert.ok(!isDbError(Object.assign(new Error("x"), { code: "ERR_SOMETHING" })));
  assert.ok(!isDbError(undefined));
});

Deno.test("withDeadline() passes results and errors through, and cancels a call that overruns", async () => {
  assert.equal(await withDeadline(Promise.resolve(7), 50), 7);
  await assert.rejects(withDeadline(Promise.reject(pgError("22P02")), 50), /check constraint/);

  let cancelled = 0;
  let release: (v: number) => void = () => {};
  const slow = Object.assign(new Promise<number>((r) => release = r), {
    cancel: () => {
      cancelled++;
      return Promise.reject(new Error("the cancel request could not be sent"));
    },
  });
  const started = performance.now();
  await assert.rejects(withDeadline(slow, 40), DbTimeoutError);
  const took = performance.now() - started;
  assert.ok(took >= 35 && took < 1000, `took ${took} ms`);
  assert.equal(cancelled, 1);
  release(1); // settling late surfaces nowhere
});
