/**
 * POST /functions/v1/notion-contacts-sync (pg_cron every 3 minutes, with the worker secret): one
 * run of the contacts mirror's sync (sync.ts). Body `{}` (the schedule decides the pass), or
 * `{"mode": "full"}` / `{"mode": "incremental"}` to force one.
 */
import { ValidationError } from "../_shared/platform/errors.ts";
import { json } from "../_shared/platform/http.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { workerEndpoint } from "../_shared/platform/worker_endpoint.ts";
import type { SyncReport } from "./sync.ts";

export type SyncMode = "full" | "incremental" | null;

export interface ContactsSyncDeps {
  authenticate: (req: Request) => Promise<void>;
  sync: (mode: SyncMode) => Promise<SyncReport | { skipped: string }>;
  log: Logger;
}

export function parseMode(body: unknown): SyncMode {
  const mode = body && typeof body === "object" ? (body as { mode?: unknown }).mode : undefined;
  if (mode === undefined || mode === null) return null;
  if (mode === "full" || mode === "incremental") return mode;
  throw new ValidationError('mode must be "full" or "incremental"');
}

export function createHandler(deps: ContactsSyncDeps): (req: Request) => Promise<Response> {
  return workerEndpoint(deps, async (body) => json(await deps.sync(parseMode(body))));
}
