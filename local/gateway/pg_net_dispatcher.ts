/**
 * The local platform's pg_net worker. pg_net sends queued requests from a background worker
 * inside Postgres; the compat SQL (local/sql/pg_net.sql) queues them the same way and notifies
 * `pg_net_request` on commit, and this dispatcher delivers them:
 *
 * - wakes on LISTEN/NOTIFY (and once at start and after every reconnect), never on a timer;
 * - takes up to `batchSize` requests at a time (pg_net.batch_size, default 200) and deletes
 *   them as it takes them: at most once, as pg_net;
 * - sends each with its own `timeout_milliseconds`;
 * - records every outcome in net._http_response (status, headers, body; or error_msg and
 *   timed_out), and drops responses older than the TTL (pg_net.ttl, default 6 hours).
 */
import postgres from "postgres";

export interface DispatcherOptions {
  dbUrl: string;
  batchSize?: number;
  ttl?: string;
  log: (line: Record<string, unknown>) => void;
}

export interface DispatcherStats {
  listening: boolean;
  delivered: number;
  failed: number;
  inFlight: number;
}

export interface Dispatcher {
  stats(): DispatcherStats;
  close(): Promise<void>;
}

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string> | null;
  body: Uint8Array<ArrayBuffer> | null;
  timeout_milliseconds: number;
}

interface ResponseRow {
  id: string;
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean | null;
  error_msg: string | null;
}

async function send(req: QueuedRequest): Promise<ResponseRow> {
  const base = { id: req.id, status_code: null, content_type: null, headers: null, content: null };
  try {
    const res = await fetch(req.url, {
      method: req.method.toUpperCase(),
      headers: req.headers ?? {},
      ...(req.body ? { body: req.body } : {}),
      signal: AbortSignal.timeout(req.timeout_milliseconds),
    });
    const content = await res.text();
    return {
      id: req.id,
      status_code: res.status,
      content_type: res.headers.get("content-type"),
      headers: Object.fromEntries(res.headers),
      content,
      timed_out: false,
      error_msg: null,
    };
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === "TimeoutError";
    return {
      ...base,
      timed_out: timedOut,
      error_msg: timedOut
        ? `Timeout of ${req.timeout_milliseconds} ms reached`
        : `Couldn't connect to server: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

export async function startDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  const batchSize = opts.batchSize ?? 200;
  const ttl = opts.ttl ?? "6 hours";
  // application_name lets health checks find this worker as they find pg_net's.
  const sql = postgres(opts.dbUrl, {
    max: 4,
    onnotice: () => {},
    connection: { application_name: "pg_net worker" },
  });
  const stats: DispatcherStats = { listening: false, delivered: 0, failed: 0, inFlight: 0 };
  let draining: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let lastTtlSweep = 0;

  async function drainOnce(): Promise<number> {
    const batch = await sql<QueuedRequest[]>`
      with next as (
        select id from net.http_request_queue order by id limit ${batchSize} for update skip locked
      )
      delete from net.http_request_queue q using next where q.id = next.id
      returning q.id::text as id, q.method, q.url, q.headers, q.body, q.timeout_milliseconds`;
    if (batch.length === 0) return 0;
    stats.inFlight += batch.length;
    const rows = await Promise.all(batch.map(send));
    stats.inFlight -= batch.length;
    for (const r of rows) r.status_code === null ? stats.failed++ : stats.delivered++;
    await sql`
      insert into net._http_response
        (id, status_code, content_type, headers, content, timed_out, error_msg)
      select * from jsonb_to_recordset(${sql.json(rows as unknown as postgres.JSONValue)})
        as r(id bigint, status_code integer, content_type text, headers jsonb, content text,
             timed_out boolean, error_msg text)`;
    return batch.length;
  }

  async function drainLoop(): Promise<void> {
    do {
      again = false;
      try {
        while (!closed && (await drainOnce()) > 0) { /* keep going while there is work */ }
        if (Date.now() - lastTtlSweep > 60_000) {
          lastTtlSweep = Date.now();
          await sql`delete from net._http_response where created < now() - ${ttl}::interval`;
        }
      } catch (e) {
        if (!closed) opts.log({ msg: "pg_net dispatch failed", error: String(e) });
      }
    } while (again && !closed);
  }

  function kick(): void {
    if (closed) return;
    if (draining) {
      again = true; // a notification arrived mid-drain: drain once more when done
      return;
    }
    draining = drainLoop().finally(() => draining = null);
  }

  await sql.listen("pg_net_request", () => kick(), () => {
    // Called on the first listen and after every reconnect: catch up on anything queued while
    // no one was listening.
    stats.listening = true;
    kick();
  });

  return {
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      if (draining) await draining;
      await sql.end({ timeout: 2 });
      stats.listening = false;
    },
  };
}
