// Gossip verdicts and their stable, machine-readable reason codes. The verdict values are exactly
// what gossipsub's async validation takes (accept → propagate, reject → penalise the propagation
// source, ignore → drop). Which rule yields REJECT and which IGNORE follows op-node
// (protocol notes §4.1, §8.2).

export type Verdict = "accept" | "reject" | "ignore";

export const REASONS = {
  // encoding (op-node gossip.go BuildBlocksValidator step 1, 3)
  "message-too-large": "reject",
  "snappy-bad-length": "reject",
  "snappy-too-large": "reject",
  "snappy-corrupt": "reject",
  "too-short": "reject",
  "ssz-invalid": "reject",
  "unknown-topic": "reject",
  // signature (step 2)
  "no-signer-configured": "ignore",
  "signature-invalid": "reject",
  "wrong-signer": "reject",
  // cross-safe only: the sequencer's unsafe-block signature where an attestation belongs (§8.8), and
  // a malleated (high-s) signature (§8.7). The latter is IGNOREd, not REJECTed: op-node accepts and
  // forwards high-s twins, so the peer that hands us one may be an honest op-node
  // (docs/protocol-decisions.md §2).
  "block-domain-signature": "reject",
  "signature-high-s": "ignore",
  // timestamps (steps 4, 5)
  "timestamp-too-old": "reject",
  "timestamp-in-future": "reject",
  // block hash (step 6)
  "block-hash-mismatch": "reject",
  // per-version fields (steps 7–11; "withdrawals on v1" and "blob gas on v1/v2" cannot be
  // expressed in those layouts, so they surface as ssz-invalid)
  "withdrawals-missing": "reject",
  "withdrawals-not-empty": "reject",
  "blob-gas-missing": "reject",
  "blob-gas-used-nonzero": "reject",
  "excess-blob-gas-nonzero": "reject",
  "parent-beacon-root-missing": "reject",
  "withdrawals-root-missing": "reject",
  // seen cache (step 12)
  "too-many-blocks-at-height": "reject",
  "already-seen": "ignore",
  // a bug or unexpected input inside validation: op-node's guardGossipValidator REJECTs on panic
  "internal-error": "reject",
  "valid": "accept",
} as const satisfies Record<string, Verdict>;

export type GossipReason = keyof typeof REASONS;

export function verdictOf(reason: GossipReason): Verdict {
  return REASONS[reason];
}
