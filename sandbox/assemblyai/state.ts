/**
 * The fake's transcript records. A record is the request as validated plus the job's progress;
 * the public JSON is rendered from it on every read (render.ts), so what a client sees always
 * matches the job's current state.
 */
import type { Recognition } from "./transcribe.ts";
import type { CreateParams } from "./validation.ts";

export type TranscriptStatus = "queued" | "processing" | "completed" | "error";

export interface WebhookAttempt {
  attempt: number;
  /** Sandbox clock time the attempt was sent. */
  at: number;
  status: number | null;
  /** Network failure or timeout (no HTTP status). */
  error?: string;
}

export interface WebhookState {
  url: string;
  headerName: string | null;
  headerValue: string | null;
  /** The notification body's status: the transcript's terminal status. */
  payloadStatus: "completed" | "error";
  attempts: WebhookAttempt[];
  /** Clock time of the next attempt; null when delivered, refused with a 4xx, or given up. */
  nextAt: number | null;
  outcome: "pending" | "delivered" | "rejected" | "exhausted";
  /** Last HTTP status received, shown as `webhook_status_code`. */
  lastStatus: number | null;
}

export interface TranscriptRecord {
  id: string;
  createdAt: number;
  params: CreateParams;
  status: TranscriptStatus;
  /** Clock time processing started (the job left the queue). */
  startedAt: number | null;
  /** Clock time the job settles to completed/error, known once the audio has been read. */
  dueAt: number | null;
  completedAt: number | null;
  /** The job's outcome, computed when the audio was read and revealed at `dueAt`. */
  outcome:
    | { kind: "completed"; durationSec: number; recognition: Recognition; languageCode: string }
    | { kind: "error"; message: string }
    | null;
  error: string | null;
  audioDuration: number | null;
  recognition: Recognition | null;
  languageCode: string | null;
  speechModelUsed: string | null;
  deleted: boolean;
  webhook: WebhookState | null;
}

export class TranscriptStore {
  #records = new Map<string, TranscriptRecord>();

  add(r: TranscriptRecord): void {
    this.#records.set(r.id, r);
  }

  get(id: string): TranscriptRecord | undefined {
    return this.#records.get(id);
  }

  /** Creation order (oldest first), which is also the FIFO queue order. */
  all(): TranscriptRecord[] {
    return [...this.#records.values()];
  }

  withStatus(status: TranscriptStatus): TranscriptRecord[] {
    return this.all().filter((r) => r.status === status);
  }

  clear(): void {
    this.#records.clear();
  }
}
