/**
 * Control routes, mounted at /_control/gdrive/…: what the phone, the owner and the test harness
 * do to Drive between polls. Each edit appends to the changes feed, at the sandbox clock's time.
 *
 *   POST   /folders                    {id?, name, parentId?, sharedWith?, createdTime?}
 *   POST   /files                      {folderId, ...FileSeed}        a recorder's upload
 *   POST   /files/:fileId/move         {folderId, keepOtherParents?}  createdTime stays
 *   POST   /files/:fileId/rename       {name}
 *   POST   /files/:fileId/trash        {trashed?: boolean}            false restores
 *   DELETE /files/:fileId                                             permanent delete
 *   POST   /service-accounts           {client_email?} → {key}: a new key pair, registered
 *   POST   /expire-tokens              every access token issued so far expires now
 */
import { z } from "zod";
import { json, readJson } from "../core/json.ts";
import { Router } from "../core/router.ts";
import type { SandboxContext } from "../core/vendor.ts";
import { generateServiceAccount } from "./keys.ts";
import type { OAuthServer } from "./oauth.ts";
import { addFile, addFolder, FileSeed, FolderSeed, parseOrThrow } from "./seed.ts";
import { type DriveStore, StateError } from "./state.ts";

type Handler = (
  req: Request,
  params: Record<string, string>,
  ctx: SandboxContext,
) => Promise<Response> | Response;

/** Bad bodies and unknown ids answer {error} with 400/404, like the rest of /_control. */
function controlled(handler: Handler): Handler {
  return async (req, params, ctx) => {
    try {
      return await handler(req, params, ctx);
    } catch (e) {
      if (e instanceof StateError) {
        return json({ error: e.message }, e.message.startsWith("No file") ? 404 : 400);
      }
      if (e instanceof TypeError) return json({ error: e.message }, 400);
      throw e;
    }
  };
}

const AddFileBody = z.object({ folderId: z.string().min(1) }).loose();
const MoveBody = z.object({ folderId: z.string().min(1), keepOtherParents: z.boolean().optional() })
  .strict();
const RenameBody = z.object({ name: z.string().min(1) }).strict();
const TrashBody = z.object({ trashed: z.boolean().optional() }).strict();
const AccountBody = z.object({ client_email: z.string().min(3).optional() }).strict();

export function createControl(
  deps: { store: DriveStore; oauth: OAuthServer },
): Router<SandboxContext> {
  const { store, oauth } = deps;
  const body = async (req: Request) => (await readJson(req)) ?? {};
  const resource = (id: string) => {
    const n = store.get(id)!;
    return {
      id: n.id,
      name: n.name,
      mimeType: n.mimeType,
      parents: n.parents,
      trashed: n.trashed,
      createdTime: new Date(n.createdTime).toISOString(),
      modifiedTime: new Date(n.modifiedTime).toISOString(),
    };
  };

  return new Router<SandboxContext>()
    .post(
      "/folders",
      controlled(async (req, _p, ctx) => {
        const f = parseOrThrow(FolderSeed.omit({ files: true }), await body(req));
        return json(resource(addFolder(store, f, ctx.clock.now()).id), 201);
      }),
    )
    .post(
      "/files",
      controlled(async (req, _p, ctx) => {
        const { folderId, ...rest } = parseOrThrow(AddFileBody, await body(req));
        const f = parseOrThrow(FileSeed, rest);
        return json(addFile(store, folderId, f, ctx.clock.now()), 201);
      }),
    )
    .post(
      "/files/:fileId/move",
      controlled(async (req, p, ctx) => {
        const b = parseOrThrow(MoveBody, await body(req));
        store.move(p.fileId!, b.folderId, ctx.clock.now(), b.keepOtherParents ?? false);
        return json(resource(p.fileId!));
      }),
    )
    .post(
      "/files/:fileId/rename",
      controlled(async (req, p, ctx) => {
        const b = parseOrThrow(RenameBody, await body(req));
        store.rename(p.fileId!, b.name, ctx.clock.now());
        return json(resource(p.fileId!));
      }),
    )
    .post(
      "/files/:fileId/trash",
      controlled(async (req, p, ctx) => {
        const b = parseOrThrow(TrashBody, await body(req));
        store.setTrashed(p.fileId!, b.trashed ?? true, ctx.clock.now());
        return json(resource(p.fileId!));
      }),
    )
    .delete(
      "/files/:fileId",
      controlled((_req, p, ctx) => json({ deleted: store.delete(p.fileId!, ctx.clock.now()) })),
    )
    .post(
      "/service-accounts",
      controlled(async (req, _p, ctx) => {
        const b = parseOrThrow(AccountBody, await body(req));
        const generated = await generateServiceAccount({
          ...(b.client_email ? { clientEmail: b.client_email } : {}),
          tokenUri: `${ctx.baseUrl()}/gdrive/token`,
        });
        await oauth.register(
          generated.key.client_email,
          generated.publicKeyPem,
          generated.key.private_key_id,
        );
        return json({ key: generated.key }, 201);
      }),
    )
    .post("/expire-tokens", (_req, _p, ctx) => {
      oauth.expireAll(ctx.clock.now());
      return json({ ok: true });
    });
}
