/**
 * The function secrets that point a gateway's functions at the provider sandbox, and the accounts
 * the sandbox must know about for them (it keeps its state in memory, so they are registered again
 * after every sandbox start or reset).
 *
 * Used by `deno task start` (.local/functions.env) and by the demo test's own gateway.
 */
import { DEFAULT_API_KEY as ASSEMBLYAI_SANDBOX_KEY } from "../sandbox/assemblyai/config.ts";
import { generateServiceAccount } from "../sandbox/gdrive/keys.ts";
import { SANDBOX_OPENAI_KEY } from "../sandbox/openai/keys.ts";

/** The OpenPhone API key the local functions use (registered in the sandbox on every start). */
export const SANDBOX_OPENPHONE_KEY = "sandbox-openphone-key";
/** The Drive folder the local drive-discover watches (created in the sandbox on every start). */
export const SANDBOX_DRIVE_FOLDER_ID = "switchboard-call-recordings";
export const SANDBOX_DRIVE_FOLDER_NAME = "Call recordings";

function random(n: number): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))));
}

/**
 * Function secrets for functions talking to the sandbox at `sandboxUrl`. Secrets already in
 * `existing` (webhook signing secrets, the Notion token, the Drive service account) are kept, so
 * a restart does not invalidate what was configured against them.
 */
export async function sandboxFunctionsEnv(
  sandboxUrl: string,
  existing: Record<string, string> = {},
): Promise<Record<string, string>> {
  const sandbox = sandboxUrl.replace(/\/+$/, "");
  const serviceAccount = existing.GDRIVE_SERVICE_ACCOUNT_JSON ??
    JSON.stringify(
      (await generateServiceAccount({ tokenUri: `${sandbox}/gdrive/token` })).key,
    );
  return {
    OPENPHONE_API_BASE_URL: `${sandbox}/openphone`,
    OPENPHONE_API_KEY: SANDBOX_OPENPHONE_KEY,
    OPENPHONE_WEBHOOK_SECRETS: existing.OPENPHONE_WEBHOOK_SECRETS ?? `whsec_${random(24)}`,
    OPENPHONE_LEGACY_WEBHOOK_KEYS: existing.OPENPHONE_LEGACY_WEBHOOK_KEYS ?? random(32),
    GDRIVE_API_BASE_URL: `${sandbox}/gdrive`,
    GDRIVE_TOKEN_URL: `${sandbox}/gdrive/token`,
    GDRIVE_SERVICE_ACCOUNT_JSON: serviceAccount,
    GDRIVE_FOLDER_ID: existing.GDRIVE_FOLDER_ID ?? SANDBOX_DRIVE_FOLDER_ID,
    ASSEMBLYAI_API_BASE_URL: `${sandbox}/assemblyai`,
    ASSEMBLYAI_API_KEY: ASSEMBLYAI_SANDBOX_KEY,
    OPENAI_BASE_URL: `${sandbox}/openai/v1`,
    OPENAI_API_KEY: SANDBOX_OPENAI_KEY,
    NOTION_API_BASE_URL: `${sandbox}/notion`,
    // The sandbox takes any secret_/ntn_ token as its integration's.
    NOTION_TOKEN: existing.NOTION_TOKEN ?? `secret_${random(18).replace(/[^A-Za-z0-9]/g, "x")}`,
  };
}

/** The SPKI public key of a PKCS#8 RSA private key (PEM in, PEM out). */
async function publicKeyPem(privateKeyPem: string): Promise<string> {
  const der = Uint8Array.from(
    atob(privateKeyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")),
    (c) => c.charCodeAt(0),
  );
  const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await crypto.subtle.importKey("pkcs8", der, alg, true, ["sign"]);
  const { n, e } = await crypto.subtle.exportKey("jwk", key);
  if (!n || !e) throw new Error("not an RSA private key");
  const pub = await crypto.subtle.importKey("jwk", { kty: "RSA", n, e, ext: true }, alg, true, [
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pub));
  const b64 = btoa(String.fromCharCode(...spki)).replace(/(.{64})/g, "$1\n").trim();
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/**
 * Registers what the functions' secrets refer to in the sandbox: the OpenPhone API key, the
 * Drive service account (its public key) and the watched folder, shared with it. Idempotent
 * enough for every start: a folder that already exists is left alone.
 */
export async function registerSandboxAccounts(
  sandboxUrl: string,
  env: Record<string, string>,
): Promise<void> {
  const control = `${sandboxUrl.replace(/\/+$/, "")}/_control`;
  const post = async (body: unknown) => {
    const res = await fetch(`${control}/seed`, { method: "POST", body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox seed: ${res.status} ${text.slice(0, 300)}`);
  };
  await post({ openphone: { apiKeys: [env.OPENPHONE_API_KEY ?? SANDBOX_OPENPHONE_KEY] } });
  if (!env.GDRIVE_SERVICE_ACCOUNT_JSON) return;
  const sa = JSON.parse(env.GDRIVE_SERVICE_ACCOUNT_JSON) as {
    client_email: string;
    private_key: string;
    private_key_id?: string;
  };
  const state = await fetch(`${control}/state/gdrive`).then((r) => r.json()) as {
    files?: { id: string }[];
  };
  const folderId = env.GDRIVE_FOLDER_ID ?? SANDBOX_DRIVE_FOLDER_ID;
  const hasFolder = (state.files ?? []).some((f) => f.id === folderId);
  await post({
    gdrive: {
      serviceAccounts: [{
        client_email: sa.client_email,
        public_key_pem: await publicKeyPem(sa.private_key),
        ...(sa.private_key_id ? { private_key_id: sa.private_key_id } : {}),
      }],
      ...(hasFolder ? {} : {
        folders: [{ id: folderId, name: SANDBOX_DRIVE_FOLDER_NAME, sharedWith: [sa.client_email] }],
      }),
    },
  });
}
