/**
 * The Google Drive v3 fake (base path /gdrive): the REST routes Switchboard uses to find call
 * recordings in a Drive folder, the changes feed, downloads, and the OAuth token endpoint that
 * service accounts get their access tokens from. See README.md.
 */
import { RateLimiter } from "../core/rate_limit.ts";
import type { VendorModule } from "../core/vendor.ts";
import { createControl } from "./controls.ts";
import { genericError } from "./errors.ts";
import { OAuthServer } from "./oauth.ts";
import { createGuard, createRouter } from "./routes.ts";
import { applySeed } from "./seed.ts";
import { DriveStore } from "./state.ts";

export { generateServiceAccount, type ServiceAccountKeyFile } from "./keys.ts";
export { RECORDER_STYLES, type RecorderStyle } from "./naming.ts";
export { GOOGLE_TOKEN_URL } from "./oauth.ts";

export interface GDriveOptions {
  /**
   * Drive's per-user quota, in queries per minute (Drive's published default: 12,000 per 60 s
   * per user). Benchmarks lower it to see the 403 userRateLimitExceeded path.
   */
  rateLimitPerMinute?: number;
}

export function createGDrive(opts: GDriveOptions = {}): VendorModule {
  const perMinute = opts.rateLimitPerMinute ?? 12_000;
  const store = new DriveStore();
  const oauth = new OAuthServer();
  // A whole minute's quota may arrive at once; it refills continuously (GCRA).
  const limiter = new RateLimiter(perMinute / 60, perMinute);
  const deps = { store, oauth, limiter };

  return {
    name: "gdrive",
    router: createRouter(deps),
    guard: createGuard(deps),
    errorResponse: genericError,
    control: createControl(deps),
    reset() {
      store.reset();
      oauth.reset();
      limiter.reset();
    },
    seed: (data, ctx) => applySeed(data, deps, ctx.clock.now()),
    state: () => ({
      serviceAccounts: oauth.accounts(),
      accessTokensIssued: oauth.issuedTokens(),
      owner: { ...store.owner },
      files: store.nodes().map((n) => ({
        id: n.id,
        name: n.name,
        mimeType: n.mimeType,
        parents: [...n.parents],
        sharedWith: [...n.sharedWith],
        trashed: n.trashed,
        createdTime: new Date(n.createdTime).toISOString(),
        modifiedTime: new Date(n.modifiedTime).toISOString(),
        version: n.version,
      })),
      changes: store.changes().map((c) => ({
        id: c.id,
        fileId: c.fileId,
        time: new Date(c.time).toISOString(),
      })),
      startPageToken: String(store.startPageToken()),
    }),
  };
}
