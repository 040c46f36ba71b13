/**
 * The AssemblyAI fake: v2 pre-recorded transcription (upload, create, get, list, delete) with the
 * account's concurrency queue, audio read back from the sandbox's WAV files, completion webhooks
 * with the real retry rules, and the real auth, rate limit and error bodies. See README.md.
 */
import type { SandboxContext, VendorModule } from "../core/vendor.ts";
import { Guard } from "./auth.ts";
import { type AssemblyAIOptions, DEFAULT_API_KEY, resolveConfig } from "./config.ts";
import { createControl } from "./control.ts";
import { aaiError } from "./errors.ts";
import { JobEngine } from "./jobs.ts";
import { renderTranscript } from "./render.ts";
import { createRoutes } from "./routes.ts";
import { seededRecord, seedSchema } from "./seed.ts";
import { TranscriptStore } from "./state.ts";
import { UploadStore } from "./uploads.ts";

export type { AssemblyAIOptions } from "./config.ts";
export { DEFAULT_API_KEY };

export function createAssemblyAI(opts: AssemblyAIOptions = {}): VendorModule {
  const cfg = resolveConfig(opts);
  const initialConcurrency = cfg.concurrency;
  const initialProcessing = { ...cfg.processing };
  const store = new TranscriptStore();
  const uploads = new UploadStore();
  const engine = new JobEngine(cfg, store, uploads);
  const guard = new Guard(cfg.apiKeys, cfg.rateLimit);

  return {
    name: "assemblyai",
    router: createRoutes({ cfg, engine, uploads }),
    guard: (req: Request, _path: string, ctx: SandboxContext) => guard.check(req, ctx),
    errorResponse(status, message, retryAfterSec) {
      return aaiError(
        status,
        message,
        retryAfterSec !== undefined ? { "retry-after": String(retryAfterSec) } : {},
      );
    },
    control: createControl(engine),
    reset() {
      engine.reset();
      store.clear();
      uploads.clear();
      guard.reset(cfg.apiKeys);
      engine.concurrency = initialConcurrency;
      cfg.processing = { ...initialProcessing };
    },
    seed(data, ctx) {
      const parsed = seedSchema.safeParse(data ?? {});
      if (!parsed.success) {
        throw new Error(
          parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        );
      }
      const s = parsed.data;
      // Build every record first so a bad entry leaves the state untouched.
      const records = (s.transcripts ?? []).map((t) =>
        seededRecord(t, ctx, cfg.defaultSpeechModels)
      );
      const seen = new Set<string>();
      for (const r of records) {
        if (store.get(r.id) || seen.has(r.id)) throw new Error(`transcript ${r.id} exists`);
        seen.add(r.id);
      }
      for (const k of s.apiKeys ?? []) guard.keys.add(k);
      if (s.concurrency !== undefined) engine.concurrency = s.concurrency;
      if (s.processing) {
        cfg.processing = {
          baseMs: s.processing.baseMs ?? cfg.processing.baseMs,
          perAudioSecondMs: s.processing.perAudioSecondMs ?? cfg.processing.perAudioSecondMs,
        };
      }
      for (const r of records) store.add(r);
      return {
        apiKeys: guard.keys.size,
        concurrency: cfg.concurrency,
        processing: cfg.processing,
        transcripts: records.map((r) => r.id),
      };
    },
    state() {
      return {
        concurrency: cfg.concurrency,
        transcripts: store.all().map((r) => ({
          ...renderTranscript(r),
          _sandbox: {
            createdAt: r.createdAt,
            startedAt: r.startedAt,
            dueAt: r.dueAt,
            completedAt: r.completedAt,
            deleted: r.deleted,
            webhook: r.webhook && {
              url: r.webhook.url,
              outcome: r.webhook.outcome,
              nextAt: r.webhook.nextAt,
              attempts: r.webhook.attempts,
            },
          },
        })),
        queue: store.withStatus("queued").map((r) => r.id),
        uploads: uploads.list(),
      };
    },
    close: () => engine.close(),
  };
}
