/**
 * Test helpers for the Drive fake's contract tests: a sandbox with the fake on a free port and a
 * manual clock, and a JWT signer that works exactly as the production adapter will (WebCrypto,
 * PKCS#8 import of the service-account JSON's private_key, RS256), with plain `fetch`.
 */
import { ManualClock } from "../core/clock.ts";
import { type RunningSandbox, startSandbox } from "../server.ts";
import { generateServiceAccount, type ServiceAccountKeyFile } from "./keys.ts";
import { createGDrive, type GDriveOptions } from "./mod.ts";
import { pemToDer, RSA_ALGORITHM } from "./keys.ts";

export const DRIVE_READONLY = "https://www.googleapis.com/auth/drive.readonly";
/** 2026-03-04T15:00:00Z: after the seeded calls. */
export const T0 = Date.UTC(2026, 2, 4, 15, 0, 0);

/** One key pair for the whole run: RSA generation is the slow part of these tests. */
export const account = await generateServiceAccount({
  clientEmail: "pipeline@switchboard-test.iam.gserviceaccount.com",
});
export const stranger = await generateServiceAccount({
  clientEmail: "stranger@other-project.iam.gserviceaccount.com",
});

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const enc = new TextEncoder();

/** Signs claims with a service account's PKCS#8 private key, as the production adapter does. */
export async function signJwt(
  key: ServiceAccountKeyFile,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "RS256", typ: "JWT", kid: key.private_key_id },
): Promise<string> {
  const privateKey = await crypto.subtle.importKey(
    "pkcs8",
    pemToDer(key.private_key, "PRIVATE KEY"),
    RSA_ALGORITHM,
    false,
    ["sign"],
  );
  const input = `${b64url(enc.encode(JSON.stringify(header)))}.${
    b64url(enc.encode(JSON.stringify(claims)))
  }`;
  const sig = new Uint8Array(
    await crypto.subtle.sign(RSA_ALGORITHM, privateKey, enc.encode(input)),
  );
  return `${input}.${b64url(sig)}`;
}

export interface Harness {
  url: string;
  clock: ManualClock;
  running: RunningSandbox;
  tokenUrl: string;
  /** Standard claims for `account` at the clock's time, with overrides. */
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  postToken(body: string | URLSearchParams): Promise<Response>;
  /** A fresh access token for `account` (drive.readonly unless told). */
  token(scope?: string): Promise<string>;
  drive(pathAndQuery: string, token: string | null, init?: RequestInit): Promise<Response>;
  control(path: string, body?: unknown, method?: string): Promise<Response>;
  seed(scenario: unknown): Promise<SeedSummary>;
  close(): Promise<void>;
}

export interface SeedSummary {
  folders: {
    id: string;
    name: string;
    files: { id: string; name: string; mimeType: string; sidecar?: { id: string; name: string } }[];
  }[];
  startPageToken: string;
}

export function startDrive(opts: GDriveOptions = {}): Harness {
  const clock = new ManualClock(T0);
  const running = startSandbox({ vendors: [createGDrive(opts)], clock, port: 0 });
  const url = running.url;
  const tokenUrl = `${url}/gdrive/token`;
  const h: Harness = {
    url,
    clock,
    running,
    tokenUrl,
    claims: (overrides = {}) => {
      const iat = Math.floor(clock.now() / 1000);
      return {
        iss: account.key.client_email,
        scope: DRIVE_READONLY,
        aud: tokenUrl,
        iat,
        exp: iat + 3600,
        ...overrides,
      };
    },
    postToken: (body) =>
      fetch(tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: typeof body === "string" ? body : body.toString(),
      }),
    async token(scope = DRIVE_READONLY) {
      const assertion = await signJwt(account.key, h.claims({ scope }));
      const res = await h.postToken(
        new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          assertion,
        }),
      );
      const body = await res.json();
      if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token as string;
    },
    drive: (pathAndQuery, token, init = {}) =>
      fetch(`${url}/gdrive/drive/v3${pathAndQuery}`, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    control: (path, body, method = "POST") =>
      fetch(`${url}/_control${path}`, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    async seed(scenario) {
      const res = await h.control("/seed", { gdrive: scenario });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`seed: ${res.status} ${JSON.stringify(body)}`);
      return body.gdrive as SeedSummary;
    },
    close: () => running.close(),
  };
  return h;
}

/**
 * The call-recordings folder most tests use (five recordings in five naming styles, one sidecar,
 * a stray PDF) and a folder the service account has no access to.
 */
export function recordingsScenario(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serviceAccounts: [
      {
        client_email: account.key.client_email,
        public_key_pem: account.publicKeyPem,
        private_key_id: account.key.private_key_id,
      },
    ],
    folders: [
      {
        id: "folderRecordings",
        name: "Call recordings",
        createdTime: "2026-01-10T09:00:00Z",
        files: [
          {
            id: "rec1",
            recording: {
              number: "+15550100123",
              direction: "incoming",
              startTime: "2026-03-01T14:05:22Z",
              durationSec: 95,
              contactName: "John Smith",
              style: "labelled",
            },
            sidecar: true,
            createdTime: "2026-03-01T14:08:00Z",
          },
          {
            id: "rec2",
            recording: {
              number: "+15550100456",
              direction: "outgoing",
              startTime: "2026-03-02T10:00:00Z",
              durationSec: 30,
              style: "compact",
            },
            createdTime: "2026-03-02T10:01:00Z",
          },
          {
            id: "rec3",
            recording: {
              number: "+15550100789",
              direction: "incoming",
              startTime: "2026-03-03T16:30:00Z",
              durationSec: 12,
              contactName: "Ana Lopez",
              style: "samsung",
            },
            createdTime: "2026-03-03T16:31:00Z",
            modifiedTime: "2026-03-04T10:00:00Z",
          },
          {
            id: "rec4",
            recording: {
              number: "+15550100321",
              direction: "outgoing",
              startTime: "2026-03-04T09:15:00Z",
              durationSec: 61,
              contactName: "Bob Stone",
              style: "bcr",
            },
            createdTime: "2026-03-04T09:17:00Z",
          },
          {
            id: "rec5",
            recording: {
              number: "+15550100654",
              direction: "incoming",
              startTime: "2026-03-04T11:40:00Z",
              durationSec: 45,
              contactName: "Chen Wei",
              style: "huawei",
            },
            createdTime: "2026-03-04T11:41:00Z",
          },
          {
            id: "notes",
            name: "Quote for Ana.pdf",
            text: "%PDF-1.4 not really",
            createdTime: "2026-02-20T12:00:00Z",
          },
        ],
      },
      {
        id: "folderPrivate",
        name: "Private",
        sharedWith: ["someone@else.example"],
        createdTime: "2026-01-05T09:00:00Z",
        files: [
          {
            id: "oldRec",
            recording: {
              number: "+15550100999",
              direction: "incoming",
              startTime: "2026-02-01T11:00:00Z",
              durationSec: 20,
              style: "lineage",
            },
            createdTime: "2026-02-01T11:01:00Z",
          },
        ],
      },
    ],
    ...extra,
  };
}

/** Reads a JSON error body, for assertions on Drive's error shape. */
export async function driveError(res: Response): Promise<{
  code: number;
  message: string;
  errors: { message: string; domain: string; reason: string; location?: string }[];
  status: string;
  details?: { reason: string }[];
}> {
  return (await res.json()).error;
}
