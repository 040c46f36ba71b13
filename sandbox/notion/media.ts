/**
 * Icons and covers: the request shapes pages, databases and callouts take, and how they are
 * answered. Emoji and external URLs are modelled; uploads and custom emoji are not.
 */
import { literal, obj, type Spec, str, union, unsupportedIfPresent } from "./validation.ts";

const opt = { optional: true };

export const iconSpec = (mods: { optional?: boolean; nullable?: boolean } = {}): Spec =>
  union([
    obj({ emoji: str(), type: literal("emoji", opt) }),
    obj({ external: obj({ url: str({ max: 2000 }) }), type: literal("external", opt) }),
    unsupportedIfPresent("file_upload", "file uploads"),
    unsupportedIfPresent("custom_emoji", "custom emoji icons"),
    unsupportedIfPresent("icon", "Notion icons"),
  ], mods);

export const coverSpec = (mods: { optional?: boolean; nullable?: boolean } = {}): Spec =>
  union([
    obj({ external: obj({ url: str({ max: 2000 }) }), type: literal("external", opt) }),
    unsupportedIfPresent("file_upload", "file uploads"),
  ], mods);

// deno-lint-ignore no-explicit-any
type Input = any;

/** A validated icon or cover request as answered (`{type, <type>: …}`), or null. */
export function toMedia(req: Input): Record<string, unknown> | null {
  if (!req) return null;
  if (req.emoji !== undefined) return { type: "emoji", emoji: req.emoji };
  return { type: "external", external: { url: req.external.url } };
}
