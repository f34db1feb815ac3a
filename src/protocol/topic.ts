// Gossip topic names (protocol notes §1.1, §6.1):
//   /optimism/<chainId>/<0..3>/blocks       blocksv1..v4, op-node `blocksTopicV1..V4` (rules unchanged)
//   /optimism/<chainId>/0/cross-safe-blocks Following Mode (design-docs PR #293), blocksv4 encoding
import type { BlockVersion } from "./types.ts";

export type TopicKind = "blocks" | "cross-safe";

/** The cross-safe topic carries the blocksv4 encoding (design-docs PR #293). */
export const CROSS_SAFE_VERSION = 4 as const;

export interface Topic {
  chainId: bigint;
  kind: TopicKind;
  version: BlockVersion;
}

/** Inverse of formatTopic; undefined for anything else (including non-canonical chain ids like "010"). */
export function parseTopic(topic: string): Topic | undefined {
  const m = /^\/optimism\/(0|[1-9][0-9]{0,19})\/([0-3])\/(blocks|cross-safe-blocks)$/.exec(topic);
  if (!m) return undefined;
  const chainId = BigInt(m[1]!);
  const n = Number(m[2]);
  if (m[3] === "cross-safe-blocks") return n === 0 ? { chainId, kind: "cross-safe", version: CROSS_SAFE_VERSION } : undefined;
  return { chainId, kind: "blocks", version: (n + 1) as BlockVersion };
}

export function formatTopic(chainId: bigint, kind: TopicKind, version?: BlockVersion): string {
  if (kind === "cross-safe") {
    if (version !== undefined && version !== 4) throw new Error(`cross-safe-blocks carries v4 payloads only, not v${version}`);
    return `/optimism/${chainId}/0/cross-safe-blocks`;
  }
  if (version === undefined) throw new Error("a blocks topic needs a version (see blockVersionAt)");
  if (version < 1 || version > 4) throw new Error(`no blocks topic for version ${String(version)}`);
  return `/optimism/${chainId}/${version - 1}/blocks`;
}

export function crossSafeTopic(chainId: bigint): string {
  return formatTopic(chainId, "cross-safe");
}
