/**
 * Database failures, classified in one place so every function answers them the same way and
 * logs them without their text: a Postgres message quotes the values it refused (a phone
 * number, a message body), so only the SQLSTATE and the names of the objects involved are safe
 * to log.
 *
 *   transient  the database could not be reached or gave up on this attempt (connection refused
 *              or lost, timeouts, serialization failures, deadlocks, shutdown and start-up,
 *              resource limits): the same request may succeed later, so it is retried.
 *   refused    the database refuses this input and always will (data exceptions, constraint
 *              violations, program limits such as an index row that is too large): retrying is
 *              futile, the input has to be set aside.
 *   other      anything else (a missing function, a permission, a bug): neither the input's fault
 *              nor transient.
 */
export type DbErrorKind = "transient" | "refused" | "other";

export interface DbErrorInfo {
  kind: DbErrorKind;
  /** The SQLSTATE when the server (or postgres.js on its behalf) reported one. */
  sqlstate: string | null;
  /** A client-side code instead (ECONNREFUSED, CONNECT_TIMEOUT, CONNECTION_CLOSED …). */
  client_code: string | null;
  constraint: string | null;
  schema: string | null;
  table: string | null;
  column: string | null;
}

/** The handler's own bound on a database call ran out (the query was cancelled). */
export class DbTimeoutError extends Error {
  readonly code = "CLIENT_TIMEOUT";
  constructor(readonly timeoutMs: number) {
    super(`Database call exceeded ${timeoutMs} ms`);
    this.name = "DbTimeoutError";
  }
}

/** SQLSTATE classes whose failures are about the attempt, not the input. */
const TRANSIENT_CLASSES = new Set([
  "08", // connection exception
  "53", // insufficient resources (too many connections, out of memory, disk full)
  "57", // operator intervention: admin/crash shutdown, cannot connect now, statement timeout
  "58", // system error (I/O)
]);
const TRANSIENT_STATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "40003", // statement_completion_unknown
  "55P03", // lock_not_available (lock_timeout)
  "55006", // object_in_use
  "25P03", // idle_in_transaction_session_timeout
  "25006", // read_only_sql_transaction: a failover left us on a standby
]);
/** SQLSTATE classes that refuse the input itself. */
const REFUSED_CLASSES = new Set([
  "22", // data exception: bad date, number out of range, \u0000, invalid JSON text …
  "23", // integrity constraint violation: check, not null, unique, foreign key
  "54", // program limit exceeded: index row too large, stack depth, too many columns
]);
const TRANSIENT_CLIENT_CODES = new Set([
  "CLIENT_TIMEOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
]);
/** Deno's own network error classes, should a driver surface them unwrapped. */
const TRANSIENT_ERROR_NAMES = new Set([
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "BrokenPipe",
  "TimedOut",
]);

// Class first: two digits, or one of the lettered classes (HV fdw, P0 plpgsql, XX internal).
const SQLSTATE = /^(?:[0-9][0-9A-Z]|HV|P0|XX|F0)[0-9A-Z]{3}$/;

function field(e: Record<string, unknown>, name: string): string | null {
  const v = e[name];
  return typeof v === "string" && v.length > 0 ? v.slice(0, 128) : null;
}

/** Classifies anything a database call threw. Never reads the error's message. */
export function classifyDbError(e: unknown): DbErrorInfo {
  const o = (e !== null && typeof e === "object" ? e : {}) as Record<string, unknown>;
  const code = field(o, "code");
  const sqlstate = code && SQLSTATE.test(code) ? code : null;
  const info: DbErrorInfo = {
    kind: "other",
    sqlstate,
    client_code: sqlstate ? null : code,
    constraint: field(o, "constraint_name"),
    schema: field(o, "schema_name"),
    table: field(o, "table_name"),
    column: field(o, "column_name"),
  };
  if (sqlstate) {
    const cls = sqlstate.slice(0, 2);
    if (TRANSIENT_CLASSES.has(cls) || TRANSIENT_STATES.has(sqlstate)) info.kind = "transient";
    else if (REFUSED_CLASSES.has(cls)) info.kind = "refused";
  } else if (code && TRANSIENT_CLIENT_CODES.has(code)) {
    info.kind = "transient";
  } else if (e instanceof Error && TRANSIENT_ERROR_NAMES.has(e.name)) {
    info.kind = "transient";
  } else if (e instanceof RangeError) {
    // The client could not even serialise the input (e.g. nesting too deep for the stack):
    // the input's fault, and it would fail the same way every time.
    info.kind = "refused";
  }
  return info;
}

/** True for errors that came from the database or the driver talking to it. */
export function isDbError(e: unknown): boolean {
  if (e instanceof DbTimeoutError) return true;
  if (e === null || typeof e !== "object") return false;
  const o = e as Record<string, unknown>;
  if (o.name === "PostgresError") return true;
  const code = typeof o.code === "string" ? o.code : "";
  return SQLSTATE.test(code) || TRANSIENT_CLIENT_CODES.has(code);
}

/**
 * What may be logged about a database error: its class, SQLSTATE or client code, and the names
 * of the constraint, schema, table and column. Never the message, detail, hint, query or
 * parameters, which quote values.
 */
export function dbErrorLogFields(e: unknown): Record<string, string> {
  const info = classifyDbError(e);
  const out: Record<string, string> = { db_error: info.kind };
  for (const k of ["sqlstate", "client_code", "constraint", "schema", "table", "column"] as const) {
    const v = info[k];
    if (v) out[k] = v;
  }
  return out;
}

/** A query that can be cancelled (postgres.js queries can). */
export interface CancellableQuery<T> extends PromiseLike<T> {
  cancel?: () => unknown;
}

/**
 * Bounds a database call: after `ms` it is cancelled (best effort: when the database is down
 * the cancel request cannot be sent either) and DbTimeoutError is thrown. The statement may
 * still commit afterwards; the caller answered non-2xx, so the sender retries and the retry
 * is deduplicated.
 */
export async function withDeadline<T>(query: CancellableQuery<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        const cancelled = query.cancel?.();
        if (cancelled instanceof Promise) cancelled.catch(() => {});
      } catch { /* the cancel itself could not be sent */ }
      reject(new DbTimeoutError(ms));
    }, Math.max(0, ms));
  });
  const settled = Promise.resolve(query);
  // The losing side of the race must not surface as an unhandled rejection.
  settled.catch(() => {});
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
