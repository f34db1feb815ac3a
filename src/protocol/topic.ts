// Gossip topic names (protocol notes §1.1, §6.1):
//   /optimism/<chainId>/<0..3>/blocks      blocksv1..v4 (op-node rules unchanged)
//   /optimism/<chainId>/0/cross-safe-blocks Following Mode, blocksv4 encoding
import type { BlockVersion } from "./types.ts";

export type TopicKind = "blocks" | "cross-safe";

export interface Topic {
  chainId: bigint;
  kind: TopicKind;
  version: BlockVersion;
}

const RE = /^\/optimism\/(\d{1,20})\/([0-3])\/(blocks|cross-safe-blocks)$/;

export function parseTopic(topic: string): Topic | undefined {
  const m = RE.exec(topic);
  if (!m) return undefined;
  const chainId = BigInt(m[1]!);
  if (m[3] === "cross-safe-blocks") return m[2] === "0" ? { chainId, kind: "cross-safe", version: 4 } : undefined;
  return { chainId, kind: "blocks", version: (Number(m[2]) + 1) as BlockVersion };
}

export function formatTopic(chainId: bigint, kind: TopicKind, version: BlockVersion = 4): string {
  return kind === "cross-safe" ? `/optimism/${chainId}/0/cross-safe-blocks` : `/optimism/${chainId}/${version - 1}/blocks`;
}

export function crossSafeTopic(chainId: bigint): string {
  return formatTopic(chainId, "cross-safe");
}
