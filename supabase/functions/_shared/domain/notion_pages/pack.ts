/**
 * Packing a page's blocks into requests, each within Notion's limits by construction:
 * ≤ 100 top-level blocks, ≤ 1,000 blocks with nested ones, ≤ 450 KB of JSON (Notion: 500 KB),
 * two levels of nesting (every unit is one block whose children have none).
 *
 *   planCreate: how many transcript units ride along in the page create (properties + overview
 *               + as many units as fit: a typical call is one request);
 *   nextBatch:  the units of the next append, from a given unit on, in order.
 */
import { type Block, countBlocks, depth, jsonBytes } from "./blocks.ts";
import { NOTION_LIMITS, PACK_LIMITS, type PackLimits } from "./limits.ts";

export interface Measured {
  blocks: number;
  bytes: number;
}

export function measure(units: readonly Block[]): Measured[] {
  return units.map((u) => {
    if (depth([u]) > NOTION_LIMITS.nesting) throw new Error("a unit nests deeper than two levels");
    return { blocks: countBlocks([u]), bytes: jsonBytes(u) + 1 };
  });
}

/**
 * The end (exclusive) of the largest run of units from `from` that fits a request which already
 * holds `base` (top-level blocks, blocks, bytes). At least one unit when any remain and the
 * request is otherwise empty.
 */
export function fit(
  m: readonly Measured[],
  from: number,
  base: { topLevel: number; blocks: number; bytes: number },
  limits: PackLimits = PACK_LIMITS,
): number {
  let { topLevel, blocks, bytes } = base;
  let i = from;
  while (i < m.length) {
    const u = m[i]!;
    if (
      topLevel + 1 > limits.topLevel || blocks + u.blocks > limits.blocks ||
      bytes + u.bytes > limits.bytes
    ) {
      break;
    }
    topLevel++;
    blocks += u.blocks;
    bytes += u.bytes;
    i++;
  }
  if (i === from && from < m.length && base.topLevel === 0) {
    throw new Error("a unit does not fit an empty request");
  }
  return i;
}

/** Transcript units that fit in the create beside the properties and the overview. */
export function planCreate(
  properties: Record<string, unknown>,
  overview: Block | null,
  m: readonly Measured[],
  limits: PackLimits = PACK_LIMITS,
): number {
  const base = {
    topLevel: overview ? 1 : 0,
    blocks: overview ? countBlocks([overview]) : 0,
    // parent, properties, the children array's brackets
    bytes: jsonBytes(properties) + 200 + (overview ? jsonBytes(overview) + 1 : 0),
  };
  if (base.topLevel > limits.topLevel || base.blocks > limits.blocks || base.bytes > limits.bytes) {
    throw new Error("the overview alone does not fit a request");
  }
  return fit(m, 0, base, limits);
}

/** The next append's units: [from, end). */
export function nextBatch(
  m: readonly Measured[],
  from: number,
  limits: PackLimits = PACK_LIMITS,
): number {
  return fit(m, from, { topLevel: 0, blocks: 0, bytes: 20 }, limits);
}
