/**
 * The fake's seed scenario (`POST /_control/seed {"assemblyai": …}`):
 *
 *   {
 *     "apiKeys": ["key", …],            extra accepted keys
 *     "concurrency": 5,                 the account's parallel-job limit
 *     "processing": {"baseMs": 2000, "perAudioSecondMs": 20},
 *                                       simulated processing time from now on (the demo
 *                                       shortens it; a reset restores the configured one)
 *     "transcripts": [{                 finished transcripts that already exist
 *       "id": "…",                      optional (a UUID otherwise)
 *       "audio": {"durationSec": 30, "script": [{"speaker", "text", "start", "end"}]},
 *       "audio_url": "https://…",       optional
 *       "status": "completed" | "error",  "error": "…",
 *       "speaker_labels": true, "language_code": "en_us", "speech_models": ["universal-2"],
 *       "created": "2026-01-01T00:00:00Z"  optional (the clock's now otherwise)
 *     }]
 *   }
 */
import { z } from "zod";
import type { SandboxContext } from "../core/vendor.ts";
import { DEFAULT_LANGUAGE, speechModelUsed } from "./models.ts";
import type { TranscriptRecord } from "./state.ts";
import { recognize } from "./transcribe.ts";
import { validateCreate } from "./validation.ts";

const scriptLine = z.object({
  speaker: z.string().min(1),
  text: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
});

const seedTranscript = z.object({
  id: z.string().min(1).optional(),
  audio: z.object({ durationSec: z.number().nonnegative(), script: z.array(scriptLine) }),
  audio_url: z.string().optional(),
  status: z.enum(["completed", "error"]).default("completed"),
  error: z.string().optional(),
  speaker_labels: z.boolean().optional(),
  language_code: z.string().optional(),
  speech_models: z.array(z.string()).optional(),
  created: z.union([z.number(), z.string()]).optional(),
});

export const seedSchema = z.object({
  apiKeys: z.array(z.string().min(1)).optional(),
  concurrency: z.number().int().positive().optional(),
  processing: z.object({
    baseMs: z.number().int().nonnegative().optional(),
    perAudioSecondMs: z.number().nonnegative().optional(),
  }).strict().optional(),
  transcripts: z.array(seedTranscript).optional(),
}).strict();

export type AssemblyAISeed = z.infer<typeof seedSchema>;

export function seededRecord(
  t: z.infer<typeof seedTranscript>,
  ctx: SandboxContext,
  defaultModels: string[],
): TranscriptRecord {
  const id = t.id ?? crypto.randomUUID();
  const v = validateCreate({
    audio_url: t.audio_url ?? `https://sandbox.invalid/seeded/${id}.wav`,
    ...(t.speaker_labels !== undefined ? { speaker_labels: t.speaker_labels } : {}),
    ...(t.language_code !== undefined ? { language_code: t.language_code } : {}),
    ...(t.speech_models !== undefined ? { speech_models: t.speech_models } : {}),
  }, { requireSpeechModels: false });
  if (!v.ok) throw new Error(`transcript ${id}: ${v.error}`);
  const created = typeof t.created === "string" ? Date.parse(t.created) : t.created;
  if (created !== undefined && Number.isNaN(created)) throw new Error(`transcript ${id}: created`);
  const at = created ?? ctx.clock.now();
  const params = { ...v.params, speech_models: v.params.speech_models ?? defaultModels };
  const languageCode = params.language_code ?? DEFAULT_LANGUAGE;
  const ok = t.status === "completed";
  return {
    id,
    createdAt: at,
    params,
    status: t.status,
    startedAt: at,
    dueAt: at,
    completedAt: at,
    outcome: null,
    error: ok ? null : t.error ?? "Transcoding failed. File does not appear to contain audio.",
    audioDuration: ok ? Math.ceil(t.audio.durationSec) : null,
    recognition: ok ? recognize(t.audio.script, t.audio.durationSec, params) : null,
    languageCode: ok ? languageCode : null,
    speechModelUsed: ok ? speechModelUsed(params.speech_models, languageCode) : null,
    deleted: false,
    webhook: null,
  };
}
