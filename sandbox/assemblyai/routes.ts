/**
 * The v2 REST routes (paths as the `assemblyai` SDK calls them, relative to /assemblyai):
 *
 *   POST   /v2/upload              raw bytes → {upload_url}
 *   POST   /v2/transcript          create → Transcript (processing, or queued at the limit)
 *   GET    /v2/transcript          list (limit, status, created_on, before_id, after_id)
 *   GET    /v2/transcript/:id      the Transcript
 *   DELETE /v2/transcript/:id      redact a completed/error transcript → Transcript
 *
 * Every handler first lets due work happen (jobs.ts), so polling alone moves jobs along.
 */
import { json } from "../core/json.ts";
import { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import type { ResolvedConfig } from "./config.ts";
import {
  aaiError,
  DELETE_IN_PROGRESS,
  INVALID_SCHEMA,
  TRANSCRIPT_NOT_FOUND,
  UPLOAD_TOO_LARGE,
} from "./errors.ts";
import type { JobEngine } from "./jobs.ts";
import { renderListItem, renderTranscript } from "./render.ts";
import type { TranscriptRecord, TranscriptStatus } from "./state.ts";
import type { UploadStore } from "./uploads.ts";
import { validateCreate } from "./validation.ts";

export function createRoutes(deps: {
  cfg: ResolvedConfig;
  engine: JobEngine;
  uploads: UploadStore;
}): Router<SandboxContext> {
  const { cfg, engine, uploads } = deps;
  const find = (id: string) => engine.store.get(id);

  return new Router<SandboxContext>()
    .post("/v2/upload", async (req, _p, ctx) => {
      const result = await uploads.ingest(req.body, {
        baseUrl: ctx.baseUrl(),
        now: ctx.clock.now(),
        maxBytes: cfg.maxUploadBytes,
      });
      if (!result.ok) {
        return result.reason === "too-large"
          ? aaiError(400, UPLOAD_TOO_LARGE)
          : aaiError(400, "Upload error, the request body could not be read");
      }
      return json({ upload_url: result.upload.url });
    })
    .post("/v2/transcript", async (req, _p, ctx) => {
      const text = await req.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        return aaiError(400, INVALID_SCHEMA);
      }
      const v = validateCreate(body, { requireSpeechModels: cfg.requireSpeechModels });
      if (!v.ok) return aaiError(400, v.error);
      // Left out (when allowed), the account's default models are filled in and echoed back.
      const params = {
        ...v.params,
        speech_models: v.params.speech_models ?? cfg.defaultSpeechModels,
      };
      const record = engine.create(params, ctx);
      return json(renderTranscript(record));
    })
    .get("/v2/transcript", (req, _p, ctx) => {
      engine.advance(ctx);
      return listTranscripts(new URL(req.url), engine.store.all(), ctx);
    })
    .get("/v2/transcript/:id", (_req, p, ctx) => {
      engine.advance(ctx);
      const r = find(p.id!);
      return r ? json(renderTranscript(r)) : aaiError(400, TRANSCRIPT_NOT_FOUND);
    })
    .delete("/v2/transcript/:id", (_req, p, ctx) => {
      engine.advance(ctx);
      const r = find(p.id!);
      if (!r) return aaiError(400, TRANSCRIPT_NOT_FOUND);
      if (r.status === "queued" || r.status === "processing") {
        return aaiError(400, DELETE_IN_PROGRESS);
      }
      r.deleted = true;
      return json(renderTranscript(r));
    });
}

const STATUSES: readonly TranscriptStatus[] = ["queued", "processing", "completed", "error"];

/**
 * Newest first. `before_id` pages to older transcripts (prev_url), `after_id` to newer ones
 * (next_url), as in openapi.yml's PageDetails.
 */
function listTranscripts(url: URL, records: TranscriptRecord[], ctx: SandboxContext): Response {
  const q = url.searchParams;
  const limitRaw = q.get("limit");
  const limit = limitRaw === null ? 10 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    return aaiError(400, "limit must be an Integer between 1 and 200");
  }
  const status = q.get("status");
  if (status !== null && !(STATUSES as readonly string[]).includes(status)) {
    return aaiError(400, `status must be one of: ${STATUSES.join(", ")}`);
  }
  const createdOn = q.get("created_on");
  if (createdOn !== null && !/^\d{4}-\d{2}-\d{2}$/.test(createdOn)) {
    return aaiError(400, "created_on must be a date in the format YYYY-MM-DD");
  }

  let list = records.slice().sort((a, b) => b.createdAt - a.createdAt);
  if (status) list = list.filter((r) => r.status === status);
  if (createdOn) {
    list = list.filter((r) => new Date(r.createdAt).toISOString().slice(0, 10) === createdOn);
  }
  for (const [param, older] of [["before_id", true], ["after_id", false]] as const) {
    const id = q.get(param);
    if (id === null) continue;
    const pivot = records.find((r) => r.id === id);
    if (!pivot) return aaiError(400, TRANSCRIPT_NOT_FOUND);
    list = list.filter((r) =>
      older ? r.createdAt < pivot.createdAt : r.createdAt > pivot.createdAt
    );
  }
  // after_id walks towards newer transcripts: take the ones just after the pivot.
  const page = q.get("after_id") !== null && q.get("before_id") === null
    ? list.slice(-limit)
    : list.slice(0, limit);

  const base = `${ctx.baseUrl()}/assemblyai`;
  const link = (extra: Record<string, string>) => {
    const u = new URLSearchParams({ limit: String(limit), ...extra });
    return `${base}/v2/transcript?${u}`;
  };
  const oldest = page.at(-1);
  const newest = page[0];
  const hasOlder = oldest !== undefined &&
    records.some((r) => r.createdAt < oldest.createdAt && (!status || r.status === status));
  return json({
    page_details: {
      limit,
      result_count: page.length,
      current_url: `${base}/v2/transcript${url.search}`,
      prev_url: hasOlder ? link({ before_id: oldest.id }) : null,
      next_url: newest ? link({ after_id: newest.id }) : null,
    },
    transcripts: page.map((r) => renderListItem(r, base)),
  });
}
