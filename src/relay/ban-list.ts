// Banned peers, enforced by libp2p's connection gater so a banned peer can neither dial in nor be
// dialled (op-node's ConnectionGater + --p2p.ban.duration). Kept across restarts by ban-file.ts when
// the node has a --ban-file.
import type { ConnectionGater } from "@libp2p/interface";

/** Most bans kept; beyond it the soonest-expiring is dropped (a peer-id flood must not grow memory). */
export const MAX_BANS = 8192;

export class BanList {
  private readonly until = new Map<string, number>();
  private readonly now: () => number;
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Bans (or extends the ban of) a peer. Returns true if it was not banned before. */
  ban(peerId: string, durationMs: number): boolean {
    const prev = this.until.get(peerId);
    const fresh = prev === undefined || prev <= this.now();
    const end = this.now() + durationMs;
    if (prev === undefined || end > prev) this.until.set(peerId, end);
    if (this.until.size > MAX_BANS) this.evict();
    return fresh;
  }

  /** Unexpired bans: peer id → ban end (ms since epoch). */
  entries(): [string, number][] {
    const now = this.now();
    return [...this.until].filter(([, end]) => end > now);
  }

  unban(peerId: string): void {
    this.until.delete(peerId);
  }

  isBanned(peerId: string): boolean {
    const end = this.until.get(peerId);
    if (end === undefined) return false;
    if (end > this.now()) return true;
    this.until.delete(peerId);
    return false;
  }

  get size(): number {
    return this.until.size;
  }

  private evict(): void {
    let victim: string | undefined;
    let soonest = Infinity;
    for (const [p, end] of this.until) {
      if (end < soonest) {
        soonest = end;
        victim = p;
      }
    }
    if (victim !== undefined) this.until.delete(victim);
  }

  gater(): ConnectionGater {
    const denied = (peerId: { toString(): string }): boolean => this.isBanned(peerId.toString());
    return {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
    };
  }
}
