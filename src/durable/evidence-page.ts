// Equivocation evidence as the read API pages it: summaries without the raw messages (each can be
// up to the 10 MiB gossip limit), in id order after a cursor, and one raw message at a time. A
// single answer holding everything once came to 56.6 MB (issue 10).
import type { Hash } from "../protocol/types.ts";
import type { Evidence } from "./types.ts";

export const EVIDENCE_PAGE = { default: 20, max: 100 } as const;

export const EVIDENCE_ROLES = ["existing", "conflicting"] as const;
export type EvidenceRole = (typeof EVIDENCE_ROLES)[number];

export interface EvidenceSummary {
  id: number;
  at: number;
  number: bigint;
  /** `bytes`: the stored gossip message's size, null when it was not kept (fetch it by role). */
  existing: { hash: Hash; messageId: string; bytes: number | null };
  conflicting: { hash: Hash; messageId: string; peer: string; bytes: number };
}

export interface EvidencePage {
  evidence: EvidenceSummary[];
  /** The cursor for the next page (the last id here), or null after the last record. */
  next: number | null;
}

export function summarise(e: Evidence): EvidenceSummary {
  return {
    id: e.id,
    at: e.at,
    number: e.number,
    existing: { hash: e.existing.hash, messageId: e.existing.messageId, bytes: e.existing.bytes },
    conflicting: { hash: e.conflicting.hash, messageId: e.conflicting.messageId, peer: e.conflicting.peer, bytes: e.conflicting.bytes },
  };
}

/** Records with an id above `after`, oldest first, at most `limit` (clamped to 1…EVIDENCE_PAGE.max). */
export function evidencePage(all: readonly Evidence[], after: number, limit: number): EvidencePage {
  const n = Math.min(EVIDENCE_PAGE.max, Math.max(1, Math.floor(limit)));
  const rest = all.filter((e) => e.id > after).sort((a, b) => a.id - b.id);
  const page = rest.slice(0, n);
  return { evidence: page.map(summarise), next: rest.length > n ? page.at(-1)!.id : null };
}
