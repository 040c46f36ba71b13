/**
 * Query-parameter parsing shared by the Drive routes, failing with the errors Drive gives for
 * out-of-range or malformed values.
 */
import { invalidValue, sharedDriveNotFound } from "./errors.ts";

/** pageSize: an integer in [1, 1000]; 100 when absent. */
export function pageSize(params: URLSearchParams): number {
  const raw = params.get("pageSize");
  if (raw === null) return 100;
  if (!/^-?\d+$/.test(raw.trim())) throw invalidValue("pageSize", `Invalid value '${raw}'.`);
  const n = Number(raw);
  if (n < 1 || n > 1000) {
    throw invalidValue(
      "pageSize",
      `Invalid value '${raw}'. Values must be within the range: [1, 1000]`,
    );
  }
  return n;
}

export function booleanParam(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw invalidValue(name, `Invalid value '${raw}'. Valid values are: [true, false]`);
}

/**
 * The corpus parameters every list method takes. There are no shared drives in the sandbox:
 * `corpora=drive` needs a driveId, and any driveId is unknown.
 */
export function checkCorpus(params: URLSearchParams, method: "files" | "changes"): void {
  const flags = [
    "supportsAllDrives",
    "supportsTeamDrives",
    "includeItemsFromAllDrives",
    "includeTeamDriveItems",
    "includeCorpusRemovals",
    "restrictToMyDrive",
  ];
  for (const name of flags) booleanParam(params, name, false);
  const spaces = params.get("spaces");
  if (spaces !== null) {
    for (const s of spaces.split(",")) {
      if (!["drive", "appDataFolder", "photos"].includes(s.trim())) throw invalidValue("spaces");
    }
  }
  const driveId = params.get("driveId") ?? params.get("teamDriveId");
  if (method === "files") {
    const corpora = params.get("corpora");
    if (corpora !== null && !["user", "drive", "domain", "allDrives"].includes(corpora)) {
      throw invalidValue("corpora");
    }
    if ((corpora === "drive") !== (driveId !== null)) {
      throw invalidValue(
        "corpora",
        "The driveId parameter must be specified if and only if corpora is set to drive.",
      );
    }
  }
  if (driveId !== null) throw sharedDriveNotFound(driveId);
}

/** Whether the request searches the ordinary Drive space (appDataFolder alone holds nothing). */
export function searchesDriveSpace(params: URLSearchParams): boolean {
  const spaces = params.get("spaces");
  return spaces === null || spaces.split(",").some((s) => s.trim() === "drive");
}
