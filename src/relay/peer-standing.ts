// A propagation peer's standing for the forward queue (fair-queue.ts): "low" when its gossipsub score
// is below 0 or one of its messages was REJECTed (by the relay's own checks or the Worker) within the
// last `rememberMs`, else "good". An honest op-node forwards only messages it validated itself, so a
// REJECT marks a faulty or hostile peer; a score below 0 is what gossipsub itself holds against it.
// Only the order and the Worker share of its messages change: a low peer is still served.
import type { Standing } from "./fair-queue.ts";

export interface PeerStandingOptions {
  /** the peer's gossipsub score (default: none known, 0) */
  score?: (peer: string) => number;
  now?: () => number;
  /** how long a REJECT keeps a peer low (default 10 min) */
  rememberMs?: number;
  /** peers remembered; the oldest REJECT is forgotten first (a peer-id flood must not grow memory) */
  maxPeers?: number;
}

export class PeerStanding {
  private readonly rejectedAt = new Map<string, number>();
  private readonly score: (peer: string) => number;
  private readonly now: () => number;
  private readonly rememberMs: number;
  private readonly maxPeers: number;

  constructor(o: PeerStandingOptions = {}) {
    this.score = o.score ?? (() => 0);
    this.now = o.now ?? Date.now;
    this.rememberMs = o.rememberMs ?? 10 * 60_000;
    this.maxPeers = o.maxPeers ?? 4096;
  }

  /** A message this peer propagated was REJECTed. */
  rejected(peer: string): void {
    this.rejectedAt.delete(peer); // re-inserted as the newest
    this.rejectedAt.set(peer, this.now());
    if (this.rejectedAt.size > this.maxPeers) this.rejectedAt.delete(this.rejectedAt.keys().next().value!);
  }

  of(peer: string): Standing {
    const at = this.rejectedAt.get(peer);
    if (at !== undefined) {
      if (this.now() - at < this.rememberMs) return "low";
      this.rejectedAt.delete(peer);
    }
    let score = 0;
    try {
      score = this.score(peer);
    } catch {
      // a peer gossipsub no longer knows: no score against it
    }
    return score < 0 ? "low" : "good";
  }
}
