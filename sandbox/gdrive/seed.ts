/**
 * Seeding (`POST /_control/seed {"gdrive": <scenario>}`) and the file builder the control
 * routes share with it.
 *
 * Scenario:
 *   {
 *     serviceAccounts?: [{client_email, public_key_pem, private_key_id?}],
 *     owner?: {displayName?, emailAddress?},
 *     folders?: [{id?, name, parentId?, sharedWith?: [email], createdTime?, files?: [FileSeed]}]
 *   }
 * FileSeed is one of
 *   {recording: {number, direction, startTime, durationSec, contactName?, style?,
 *                utcOffsetMinutes?}, sidecar?: true, name?}  — a call recorder's upload
 *   {name, durationSec, mimeType?}                               — other audio
 *   {name, text, mimeType?}                                      — a text/JSON file
 * plus id?, createdTime?, modifiedTime?, description?, starred?, trashed?.
 * A top-level folder without `sharedWith` is shared with every service account.
 */
import { z } from "zod";
import { scriptFor } from "../core/audio.ts";
import type { Content } from "./content.ts";
import {
  type CallRecordingSpec,
  mimeTypeForName,
  RECORDER_STYLES,
  recordingFileName,
  sidecarFor,
  sidecarName,
} from "./naming.ts";
import type { OAuthServer } from "./oauth.ts";
import { type DriveNode, type DriveStore, FOLDER_MIME } from "./state.ts";

const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), {
  message: "must be an ISO 8601 date-time",
});

export const RecordingSeed = z.object({
  number: z.string().regex(/^\+[1-9]\d{5,14}$/, "must be an E.164 number"),
  direction: z.enum(["incoming", "outgoing"]),
  startTime: instant,
  durationSec: z.number().positive().max(24 * 3600),
  contactName: z.string().min(1).nullable().optional(),
  style: z.enum(RECORDER_STYLES).optional(),
  utcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
}).strict();

export const FileSeed = z.object({
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  mimeType: z.string().min(1).optional(),
  recording: RecordingSeed.optional(),
  sidecar: z.boolean().optional(),
  durationSec: z.number().positive().max(24 * 3600).optional(),
  text: z.string().optional(),
  createdTime: instant.optional(),
  modifiedTime: instant.optional(),
  description: z.string().optional(),
  starred: z.boolean().optional(),
  trashed: z.boolean().optional(),
}).strict().superRefine((f, ctx) => {
  const kinds = [f.recording, f.durationSec, f.text].filter((v) => v !== undefined).length;
  if (kinds !== 1) {
    ctx.addIssue({ code: "custom", message: "give exactly one of recording, durationSec, text" });
  }
  if (!f.recording && !f.name) ctx.addIssue({ code: "custom", message: "name is required" });
  if (f.sidecar && !f.recording) {
    ctx.addIssue({ code: "custom", message: "sidecar only goes with a recording" });
  }
});
export type FileSeed = z.infer<typeof FileSeed>;

export const FolderSeed = z.object({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  parentId: z.string().min(1).optional(),
  sharedWith: z.array(z.string().min(1)).optional(),
  createdTime: instant.optional(),
  files: z.array(FileSeed).optional(),
}).strict();
export type FolderSeed = z.infer<typeof FolderSeed>;

const Scenario = z.object({
  serviceAccounts: z.array(
    z.object({
      client_email: z.string().min(3),
      public_key_pem: z.string().min(1),
      private_key_id: z.string().min(1).optional(),
    }).strict(),
  ).optional(),
  owner: z.object({
    displayName: z.string().min(1).optional(),
    emailAddress: z.string().min(3).optional(),
  }).strict().optional(),
  folders: z.array(FolderSeed).optional(),
}).strict();

export interface AddedFile {
  id: string;
  name: string;
  mimeType: string;
  sidecar?: { id: string; name: string };
}

/** Checks a body against a schema, with zod's complaint as the message. */
export function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new TypeError(
    issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid body",
  );
}

function recordingSpec(r: z.infer<typeof RecordingSeed>): CallRecordingSpec {
  return {
    number: r.number,
    direction: r.direction,
    startTime: r.startTime,
    durationSec: r.durationSec,
    contactName: r.contactName ?? null,
    ...(r.style ? { style: r.style } : {}),
    ...(r.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: r.utcOffsetMinutes } : {}),
  };
}

/** Adds one file (and its sidecar) to a folder. Times default to `now`. */
export function addFile(store: DriveStore, folderId: string, f: FileSeed, now: number): AddedFile {
  const spec = f.recording ? recordingSpec(f.recording) : null;
  const name = f.name ?? recordingFileName(spec!);
  let content: Content;
  if (spec || f.durationSec !== undefined) {
    const durationSec = spec?.durationSec ?? f.durationSec!;
    content = { kind: "audio", spec: { durationSec, script: scriptFor(name, durationSec) } };
  } else {
    content = { kind: "bytes", bytes: new TextEncoder().encode(f.text ?? "") };
  }
  const createdTime = f.createdTime ? Date.parse(f.createdTime) : now;
  const modifiedTime = f.modifiedTime ? Date.parse(f.modifiedTime) : createdTime;
  const node = store.create({
    ...(f.id ? { id: f.id } : {}),
    name,
    mimeType: f.mimeType ?? mimeTypeForName(name),
    parentId: folderId,
    createdTime,
    modifiedTime,
    content,
    description: f.description ?? null,
    starred: f.starred ?? false,
  }, now);
  const out: AddedFile = { id: node.id, name: node.name, mimeType: node.mimeType };
  if (spec && f.sidecar) {
    const side = store.create({
      name: sidecarName(name),
      mimeType: "application/json",
      parentId: folderId,
      createdTime,
      modifiedTime,
      content: {
        kind: "bytes",
        bytes: new TextEncoder().encode(JSON.stringify(sidecarFor(spec), null, 2) + "\n"),
      },
    }, now);
    out.sidecar = { id: side.id, name: side.name };
  }
  if (f.trashed) store.setTrashed(node.id, true, now);
  return out;
}

export function addFolder(store: DriveStore, f: FolderSeed, now: number): DriveNode {
  return store.create({
    ...(f.id ? { id: f.id } : {}),
    name: f.name,
    mimeType: FOLDER_MIME,
    parentId: f.parentId ?? null,
    createdTime: f.createdTime ? Date.parse(f.createdTime) : now,
    sharedWith: f.sharedWith ?? null,
    content: null,
  }, now);
}

export async function applySeed(
  data: unknown,
  deps: { store: DriveStore; oauth: OAuthServer },
  now: number,
): Promise<unknown> {
  const scenario = parseOrThrow(Scenario, data);
  for (const sa of scenario.serviceAccounts ?? []) {
    try {
      await deps.oauth.register(sa.client_email, sa.public_key_pem, sa.private_key_id);
    } catch {
      throw new TypeError(`${sa.client_email}: public_key_pem is not an RSA SPKI PEM key`);
    }
  }
  if (scenario.owner) {
    const { displayName, emailAddress } = scenario.owner;
    deps.store.setOwner({
      ...(displayName ? { displayName } : {}),
      ...(emailAddress ? { emailAddress } : {}),
    });
  }
  const folders: { id: string; name: string; files: AddedFile[] }[] = [];
  for (const f of scenario.folders ?? []) {
    const folder = addFolder(deps.store, f, now);
    const files = (f.files ?? []).map((file) => addFile(deps.store, folder.id, file, now));
    folders.push({ id: folder.id, name: folder.name, files });
  }
  return {
    serviceAccounts: deps.oauth.accounts(),
    folders,
    startPageToken: String(deps.store.startPageToken()),
  };
}
