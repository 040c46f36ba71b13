/**
 * Google Drive v3, the calls discovery needs: the changes feed, folder listings, file metadata
 * and small downloads (sidecars). Plain fetch with zod-validated responses; the base URL, token
 * provider, fetch and clock are arguments, so the same code talks to Google and to the sandbox.
 */
import { z } from "zod";
import { httpJson } from "../http_json.ts";
import { UpstreamError } from "../../platform/errors.ts";

export const DriveFileSchema = z.object({
  id: z.string(),
  name: z.string(),
  mimeType: z.string(),
  parents: z.array(z.string()).optional(),
  createdTime: z.string().optional(),
  modifiedTime: z.string().optional(),
  size: z.string().optional(),
  md5Checksum: z.string().optional(),
  trashed: z.boolean().optional(),
});
export type DriveFile = z.infer<typeof DriveFileSchema>;

const FILE_FIELDS = "id,name,mimeType,parents,createdTime,modifiedTime,size,md5Checksum,trashed";

const ChangeList = z.object({
  changes: z.array(z.object({
    fileId: z.string().optional(),
    removed: z.boolean().optional(),
    time: z.string().optional(),
    file: DriveFileSchema.optional(),
  })),
  nextPageToken: z.string().optional(),
  newStartPageToken: z.string().optional(),
});
export type ChangePage = z.infer<typeof ChangeList>;

const FileList = z.object({
  files: z.array(DriveFileSchema),
  nextPageToken: z.string().optional(),
});
export type FilePage = z.infer<typeof FileList>;

export interface DriveClientOptions {
  /** https://www.googleapis.com, or the sandbox's /gdrive. */
  baseUrl: string;
  accessToken: () => Promise<string>;
  fetch: typeof fetch;
  now: () => number;
  timeoutMs?: number;
}

export interface DriveClient {
  startPageToken(): Promise<string>;
  changes(pageToken: string, pageSize?: number): Promise<ChangePage>;
  listFiles(q: string, pageToken?: string, pageSize?: number): Promise<FilePage>;
  downloadText(fileId: string, maxBytes?: number): Promise<string>;
}

export function createDriveClient(opts: DriveClientOptions): DriveClient {
  const base = `${opts.baseUrl.replace(/\/$/, "")}/drive/v3`;
  const timeoutMs = opts.timeoutMs ?? 30_000;

  async function get<S extends z.ZodType>(path: string, params: Record<string, string>, schema: S) {
    const url = `${base}${path}?${new URLSearchParams(params)}`;
    return await httpJson({
      vendor: "gdrive",
      fetch: opts.fetch,
      url,
      headers: { authorization: `Bearer ${await opts.accessToken()}` },
      timeoutMs,
      schema,
      now: opts.now,
    });
  }

  return {
    async startPageToken() {
      const r = await get(
        "/changes/startPageToken",
        { supportsAllDrives: "true" },
        z.object({ startPageToken: z.string() }),
      );
      return r.startPageToken;
    },
    changes(pageToken, pageSize = 100) {
      return get("/changes", {
        pageToken,
        pageSize: String(pageSize),
        includeRemoved: "true",
        supportsAllDrives: "true",
        includeItemsFromAllDrives: "true",
        fields: `changes(fileId,removed,time,file(${FILE_FIELDS})),nextPageToken,newStartPageToken`,
      }, ChangeList);
    },
    listFiles(q, pageToken, pageSize = 100) {
      return get("/files", {
        q,
        pageSize: String(pageSize),
        orderBy: "createdTime",
        supportsAllDrives: "true",
        includeItemsFromAllDrives: "true",
        fields: `nextPageToken,files(${FILE_FIELDS})`,
        ...(pageToken ? { pageToken } : {}),
      }, FileList);
    },
    async downloadText(fileId, maxBytes = 256 * 1024) {
      let res: Response;
      try {
        res = await opts.fetch(`${base}/files/${encodeURIComponent(fileId)}?alt=media`, {
          headers: {
            authorization: `Bearer ${await opts.accessToken()}`,
            range: `bytes=0-${maxBytes - 1}`,
          },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        throw new UpstreamError("gdrive", "network", "gdrive is unreachable", { cause: e });
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new UpstreamError("gdrive", "http", `gdrive answered ${res.status}`, {
          upstreamStatus: res.status,
        });
      }
      return await res.text();
    },
  };
}

/** Quotes a value for a Drive `q` string literal. */
export function driveQuote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
