// The Durable Object's own peer scores (apart from each relay's gossipsub scores): bounded in count
// and bytes, decayed lazily, the peers nearest neutral forgotten first so the graylisted are
// remembered longest. Part of the chain state machine (machine.ts), which owns the Changes it fills.
import { LIMITS, type Changes } from "./machine-types.ts";
import type { PeerScore } from "./types.ts";

/** A peer record's size beyond its id, as counted against LIMITS.peerBytes (its JSON row is about this). */
export const PEER_RECORD_BYTES = 96;
const peerBytes = (id: string): number => id.length + PEER_RECORD_BYTES;

export const SCORING = {
  reject: -10,
  firstDelivery: 1,
  max: 10,
  min: -100,
  /** op-node's graylist threshold (peer_params.go). */
  graylist: -40,
  /** Scores halve every this many ms (applied lazily and by the alarm). */
  halfLifeMs: 10 * 60_000,
} as const;

export function decayed(p: PeerScore, now: number): number {
  const dt = now - p.updatedAt;
  if (dt <= 0 || p.score === 0) return p.score;
  return p.score * Math.pow(0.5, dt / SCORING.halfLifeMs);
}

export function isGraylisted(score: number): boolean {
  return score <= SCORING.graylist;
}

export class PeerBook {
  readonly #peers = new Map<string, PeerScore>();
  #bytes = 0; // Σ peerBytes(id) over #peers
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  /**
   * Loads stored records (copies: scoring updates records in place, which must not reach a
   * snapshot). Over the bounds (a table filled before ids were checked): keeps the strongest
   * scores and deletes the rest from storage.
   */
  restore(peers: readonly PeerScore[]): void {
    for (const p of [...peers].sort((a, b) => Math.abs(b.score) - Math.abs(a.score))) {
      if (this.#peers.size < LIMITS.peers && this.#bytes + peerBytes(p.peerId) <= LIMITS.peerBytes) {
        this.#peers.set(p.peerId, { ...p });
        this.#bytes += peerBytes(p.peerId);
      } else this.#changes().peersDelete.push(p.peerId);
    }
  }

  snapshot(): PeerScore[] {
    return [...this.#peers.values()].map((p) => ({ ...p }));
  }

  list(now: number): PeerScore[] {
    return [...this.#peers.values()].map((p) => ({ ...p, score: decayed(p, now) }));
  }

  /** The stored record (score as of `updatedAt`, not decayed to now): what gets persisted. */
  raw(id: string): PeerScore | undefined {
    const p = this.#peers.get(id);
    return p && { ...p };
  }

  get(id: string, now: number): PeerScore | undefined {
    const p = this.#peers.get(id);
    return p && { ...p, score: decayed(p, now) };
  }

  score(peerId: string, delta: number, now: number, what: "accepted" | "rejected"): void {
    let p = this.#peers.get(peerId);
    if (!p) {
      if (peerBytes(peerId) > LIMITS.peerBytes) return; // cannot be one (ids are checked at ingest)
      while (this.#peers.size >= LIMITS.peers || this.#bytes + peerBytes(peerId) > LIMITS.peerBytes) this.#evict(now);
      p = { peerId, score: 0, accepted: 0, rejected: 0, updatedAt: now };
      this.#peers.set(peerId, p);
      this.#bytes += peerBytes(peerId);
    }
    p.score = Math.min(SCORING.max, Math.max(SCORING.min, decayed(p, now) + delta));
    p.updatedAt = now;
    p[what]++;
    this.#changes().peersPut.push(peerId);
  }

  /** Forgets one peer, or every peer; returns how many were forgotten. */
  purge(peer?: string): number {
    const ids = peer === undefined ? [...this.#peers.keys()] : this.#peers.has(peer) ? [peer] : [];
    for (const id of ids) this.#drop(id);
    return ids.length;
  }

  /** Applies decay to every record (the alarm's upkeep), so stored scores drift back to neutral. */
  decayAll(now: number): void {
    for (const p of this.#peers.values()) {
      const s = decayed(p, now);
      if (s !== p.score) {
        p.score = Math.abs(s) < 0.01 ? 0 : s;
        p.updatedAt = now;
        this.#changes().peersPut.push(p.peerId);
      }
    }
  }

  /** Forgets the peer whose score is closest to neutral (graylisted peers are remembered longest). */
  #evict(now: number): void {
    let victim: PeerScore | null = null;
    for (const p of this.#peers.values()) {
      if (!victim || Math.abs(decayed(p, now)) < Math.abs(decayed(victim, now))) victim = p;
    }
    if (victim) this.#drop(victim.peerId);
  }

  #drop(id: string): void {
    if (!this.#peers.delete(id)) return;
    this.#bytes -= peerBytes(id);
    this.#changes().peersDelete.push(id);
  }
}
