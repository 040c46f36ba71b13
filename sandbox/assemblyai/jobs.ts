/**
 * The transcription job engine: the concurrency-limited FIFO queue, reading the audio, settling
 * jobs at their due time and sending webhooks.
 *
 * Time comes only from the sandbox clock. Work that is due happens in `advance()`, which every
 * API request calls (lazy progress) and which a timer calls in real-time mode. `tick()` advances
 * and also waits for the I/O it started (audio downloads, webhook calls) until nothing is left
 * in flight, so a test that moves a ManualClock and ticks sees a deterministic state.
 *
 * A job's life: `queued` while the account's concurrency is used up, `processing` from the
 * moment a slot frees (on the clock, not when someone next polls), during which the audio is
 * fetched and read; it settles at `startedAt + processing time` to `completed` or `error`,
 * which frees the slot for the next queued job and schedules the webhook.
 */
import type { SandboxContext } from "../core/vendor.ts";
import { analyzeAudio, type AudioSample, HeadCollector } from "./audio_probe.ts";
import type { ResolvedConfig } from "./config.ts";
import {
  AUDIO_TOO_LONG,
  downloadError,
  FILE_TOO_LARGE,
  NO_SPOKEN_AUDIO,
  notAudioError,
  sandboxUndecodable,
} from "./errors.ts";
import { DEFAULT_LANGUAGE, speechModelUsed } from "./models.ts";
import type { TranscriptRecord, TranscriptStore } from "./state.ts";
import { recognize } from "./transcribe.ts";
import type { UploadStore } from "./uploads.ts";
import type { CreateParams } from "./validation.ts";
import { deliver, newWebhook } from "./webhook.ts";

type Fetched = { ok: true; sample: AudioSample } | { ok: false; message: string };

export class JobEngine {
  #inflight = new Set<Promise<void>>();
  /** Aborted work from before a reset(), still settling; close() waits for it too. */
  #draining = new Set<Promise<void>>();
  #hooksInFlight = new Set<string>();
  #abort = new AbortController();
  /** Bumped by reset(): continuations of older work must not touch the new state. */
  #generation = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #ctx: SandboxContext | null = null;

  constructor(
    readonly cfg: ResolvedConfig,
    readonly store: TranscriptStore,
    readonly uploads: UploadStore,
  ) {}

  create(params: CreateParams, ctx: SandboxContext): TranscriptRecord {
    this.advance(ctx);
    const r: TranscriptRecord = {
      id: crypto.randomUUID(),
      createdAt: ctx.clock.now(),
      params,
      status: "queued",
      startedAt: null,
      dueAt: null,
      completedAt: null,
      outcome: null,
      error: null,
      audioDuration: null,
      recognition: null,
      languageCode: null,
      speechModelUsed: null,
      deleted: false,
      webhook: null,
    };
    this.store.add(r);
    // Jobs go straight to processing unless the account is at its concurrency limit.
    this.#promote(ctx, r.createdAt);
    this.#ensureTimer();
    return r;
  }

  /** Does everything that is due at the clock's current time; never waits for I/O. */
  advance(ctx: SandboxContext): void {
    this.#ctx = ctx;
    const now = ctx.clock.now();
    for (;;) {
      const due = this.store.withStatus("processing")
        .filter((r) => r.outcome !== null && r.dueAt !== null && r.dueAt <= now)
        .sort((a, b) => a.dueAt! - b.dueAt! || a.createdAt - b.createdAt)[0];
      if (!due) break;
      this.#settle(due);
      this.#promote(ctx, due.dueAt!);
    }
    this.#promote(ctx, now);
    for (const r of this.store.all()) {
      const hook = r.webhook;
      if (!hook || hook.nextAt === null || hook.nextAt > now || this.#hooksInFlight.has(r.id)) {
        continue;
      }
      this.#hooksInFlight.add(r.id);
      const gen = this.#generation;
      this.#track(
        deliver(r.id, hook, ctx, this.cfg.webhook, this.#abort.signal).finally(() => {
          if (gen === this.#generation) this.#hooksInFlight.delete(r.id);
        }),
      );
    }
    this.#ensureTimer();
  }

  /** advance(), then wait for the downloads and webhook calls it started, until all is quiet. */
  async tick(ctx: SandboxContext): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      this.advance(ctx);
      if (this.#inflight.size === 0) return;
      await Promise.allSettled([...this.#inflight]);
    }
  }

  set concurrency(n: number) {
    this.cfg.concurrency = n;
  }

  get pendingWork(): boolean {
    return this.#inflight.size > 0 ||
      this.store.all().some((r) =>
        r.status === "queued" || r.status === "processing" || r.webhook?.outcome === "pending"
      );
  }

  reset(): void {
    this.#stopTimer();
    this.#abort.abort();
    this.#abort = new AbortController();
    this.#generation++;
    for (const p of this.#inflight) {
      this.#draining.add(p);
      p.finally(() => this.#draining.delete(p));
    }
    this.#inflight = new Set();
    this.#hooksInFlight = new Set();
  }

  async close(): Promise<void> {
    this.#stopTimer();
    this.#abort.abort();
    await Promise.allSettled([...this.#inflight, ...this.#draining]);
  }

  #promote(ctx: SandboxContext, at: number): void {
    let running = this.store.withStatus("processing").length;
    for (const r of this.store.withStatus("queued")) {
      if (running >= this.cfg.concurrency) break;
      r.status = "processing";
      r.startedAt = Math.max(at, r.createdAt);
      running++;
      this.#track(this.#read(r, ctx, this.#generation));
    }
  }

  async #read(r: TranscriptRecord, ctx: SandboxContext, gen: number): Promise<void> {
    const fetched = await this.#fetchAudio(r.params.audio_url, ctx);
    if (gen !== this.#generation) return;
    const { baseMs, perAudioSecondMs } = this.cfg.processing;
    const started = r.startedAt!;
    const fail = (message: string) => {
      r.outcome = { kind: "error", message };
      r.dueAt = started + baseMs;
    };
    if (!fetched.ok) return fail(fetched.message);
    const audio = analyzeAudio(fetched.sample);
    if (audio.kind === "not-audio") return fail(notAudioError(audio.fileType));
    if (audio.kind === "undecodable") return fail(sandboxUndecodable(audio.fileType));
    if (audio.durationSec > this.cfg.maxDurationSec) return fail(AUDIO_TOO_LONG);

    const p = r.params;
    const recognition = recognize(audio.script, audio.durationSec, p);
    if (p.language_detection && recognition.words.length === 0) return fail(NO_SPOKEN_AUDIO);
    r.outcome = {
      kind: "completed",
      durationSec: audio.durationSec,
      recognition,
      // Language detection finds the scripts' language; otherwise the requested one is echoed.
      languageCode: p.language_detection ? "en" : p.language_code ?? DEFAULT_LANGUAGE,
    };
    r.dueAt = started + baseMs + Math.round(audio.durationSec * perAudioSecondMs);
  }

  async #fetchAudio(url: string, ctx: SandboxContext): Promise<Fetched> {
    const upload = this.uploads.resolve(url, ctx.baseUrl());
    if (upload) return { ok: true, sample: upload };
    if (upload === null) return { ok: false, message: downloadError(url) };

    const abort = new AbortController();
    const outer = this.#abort.signal;
    const onAbort = () => abort.abort();
    outer.addEventListener("abort", onAbort);
    const timer = setTimeout(() => abort.abort(), this.cfg.downloadTimeoutMs);
    try {
      const res = await ctx.fetch(url, { signal: abort.signal });
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        return { ok: false, message: downloadError(url) };
      }
      if (Number(res.headers.get("content-length") ?? 0) > this.cfg.maxFileBytes) {
        await res.body.cancel();
        return { ok: false, message: FILE_TOO_LARGE };
      }
      // Read the whole file (a connection that drops half-way is a download error, as it is
      // for the real service) while keeping only its head.
      const collector = new HeadCollector();
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        collector.push(value);
        if (collector.size > this.cfg.maxFileBytes) {
          await reader.cancel();
          return { ok: false, message: FILE_TOO_LARGE };
        }
      }
      return { ok: true, sample: collector.sample() };
    } catch {
      return { ok: false, message: downloadError(url) };
    } finally {
      clearTimeout(timer);
      outer.removeEventListener("abort", onAbort);
    }
  }

  #settle(r: TranscriptRecord): void {
    const outcome = r.outcome!;
    r.completedAt = r.dueAt;
    if (outcome.kind === "completed") {
      r.status = "completed";
      r.recognition = outcome.recognition;
      r.languageCode = outcome.languageCode;
      // audio_duration is whole seconds, rounded up (1.28 s of audio reports 2).
      r.audioDuration = Math.ceil(Math.round(outcome.durationSec * 1000) / 1000);
      r.speechModelUsed = speechModelUsed(
        r.params.speech_models ?? this.cfg.defaultSpeechModels,
        outcome.languageCode,
      );
    } else {
      r.status = "error";
      r.error = outcome.message;
    }
    r.webhook = newWebhook(r, r.status, r.dueAt!);
  }

  #track(p: Promise<void>): void {
    const tracked: Promise<void> = p.catch(() => {}).finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }

  #ensureTimer(): void {
    if (this.#timer !== null || this.cfg.autoTickMs <= 0 || !this.pendingWork) return;
    this.#timer = setInterval(() => {
      if (!this.#ctx || !this.pendingWork) return this.#stopTimer();
      this.advance(this.#ctx);
    }, this.cfg.autoTickMs);
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
