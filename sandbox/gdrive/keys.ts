/**
 * Service-account keys. The fake token endpoint holds only public keys (seeded per
 * client_email); tests and the demo need the other half, so `generateServiceAccount` makes an
 * RSA key pair and returns it as the JSON file Google's console hands out (PKCS#8 PEM private
 * key, token_uri …), ready for the production adapter to load unchanged.
 */

export interface ServiceAccountKeyFile {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

export interface GeneratedServiceAccount {
  key: ServiceAccountKeyFile;
  /** SPKI PEM, what the fake's seed (`serviceAccounts[].public_key_pem`) takes. */
  publicKeyPem: string;
}

export const RSA_ALGORITHM = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

export function derToPem(der: ArrayBuffer, label: string): string {
  const bytes = new Uint8Array(der);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  const lines = btoa(bin).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER bytes of the first PEM block labelled `label`; throws when there is none. */
export function pemToDer(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!m) throw new TypeError(`Expected a PEM block "${label}"`);
  const bin = atob(m[1]!.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function importPublicKeyPem(pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "spki",
    pemToDer(pem, "PUBLIC KEY"),
    RSA_ALGORITHM,
    false,
    ["verify"],
  );
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

function randomDigits(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return String(1 + (bytes[0]! % 9)) + Array.from(bytes.slice(1), (b) => b % 10).join("");
}

export async function generateServiceAccount(opts: {
  clientEmail?: string;
  projectId?: string;
  /** Where the key's owner sends JWTs: the sandbox's `/gdrive/token`, or Google's. */
  tokenUri?: string;
} = {}): Promise<GeneratedServiceAccount> {
  const projectId = opts.projectId ?? "switchboard-sandbox";
  const clientEmail = opts.clientEmail ?? `switchboard-drive@${projectId}.iam.gserviceaccount.com`;
  const pair = await crypto.subtle.generateKey(
    { ...RSA_ALGORITHM, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  );
  const privateKey = derToPem(
    await crypto.subtle.exportKey("pkcs8", pair.privateKey),
    "PRIVATE KEY",
  );
  const publicKeyPem = derToPem(
    await crypto.subtle.exportKey("spki", pair.publicKey),
    "PUBLIC KEY",
  );
  return {
    publicKeyPem,
    key: {
      type: "service_account",
      project_id: projectId,
      private_key_id: randomHex(20),
      private_key: privateKey,
      client_email: clientEmail,
      client_id: randomDigits(21),
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: opts.tokenUri ?? "https://oauth2.googleapis.com/token",
      auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${
        encodeURIComponent(clientEmail)
      }`,
      universe_domain: "googleapis.com",
    },
  };
}
