/**
 * OAuth scopes: which ones the token endpoint knows (an unknown scope is refused with
 * invalid_scope, as Google does), and what each lets a Drive caller do. A token for a real but
 * non-Drive scope is issued, and Drive then answers 403 insufficient scopes, as in production.
 */
const AUTH = "https://www.googleapis.com/auth/";

export const DRIVE = `${AUTH}drive`;
export const DRIVE_READONLY = `${AUTH}drive.readonly`;
export const DRIVE_FILE = `${AUTH}drive.file`;
export const DRIVE_METADATA_READONLY = `${AUTH}drive.metadata.readonly`;

/** Scopes that read file contents (files.get alt=media). */
const CONTENT = new Set([DRIVE, DRIVE_READONLY]);
/** Scopes that read metadata of every file the principal can access. */
const METADATA = new Set([...CONTENT, `${AUTH}drive.metadata`, DRIVE_METADATA_READONLY]);
/**
 * Drive scopes limited to files the calling app created or opened (drive.file), its app-data
 * folder or photos: valid for the API, but none of the seeded recordings fall under them.
 */
const NARROW = new Set([
  DRIVE_FILE,
  `${AUTH}drive.appdata`,
  `${AUTH}drive.photos.readonly`,
  `${AUTH}drive.apps.readonly`,
  `${AUTH}drive.scripts`,
  `${AUTH}drive.activity`,
  `${AUTH}drive.activity.readonly`,
]);

const OTHER_GOOGLE = [
  "openid",
  "email",
  "profile",
  `${AUTH}userinfo.email`,
  `${AUTH}userinfo.profile`,
  `${AUTH}cloud-platform`,
  `${AUTH}cloud-platform.read-only`,
  `${AUTH}spreadsheets`,
  `${AUTH}spreadsheets.readonly`,
  `${AUTH}documents`,
  `${AUTH}documents.readonly`,
  `${AUTH}calendar`,
  `${AUTH}calendar.readonly`,
  `${AUTH}gmail.readonly`,
  `${AUTH}devstorage.read_only`,
  `${AUTH}devstorage.read_write`,
];

const KNOWN = new Set([...METADATA, ...NARROW, ...OTHER_GOOGLE]);

export function isKnownScope(scope: string): boolean {
  return KNOWN.has(scope);
}

export type DriveAccess = "content" | "metadata" | "narrow" | "none";

/** The widest Drive access a set of scopes grants. */
export function driveAccess(scopes: ReadonlySet<string>): DriveAccess {
  const has = (set: Set<string>) => [...scopes].some((s) => set.has(s));
  if (has(CONTENT)) return "content";
  if (has(METADATA)) return "metadata";
  if (has(NARROW)) return "narrow";
  return "none";
}
