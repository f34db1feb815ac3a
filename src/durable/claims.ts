// Claims on new blocks (issue 15 item 1): one check per block, however many relays deliver it.
//
// The first copy of a new block (by block hash) claims it in the chain's Durable Object before its
// RPC checks; the claim names its owner (the ingest request's nonce key) and holds a lease bounded by
// the RPC timeouts. Copies arriving while the claim is live are told to retry (never a final IGNORE:
// the owner may still fail). The claim ends when its owner settles (the block is decided or held
// pending), is released by the Worker that knows its check failed, or lapses at the end of its lease
// (a Worker cancelled or killed mid-check): then the next copy takes over and runs the checks.
//
// The reverted claim-first path (3dc5544) answered copies "already-seen" while a claimant that never
// settled held the block: a lapse could not hand the block to anyone. Here the state a copy sees is
// either live-claim (retry) or the machine's own (decided, pending, or new → this copy owns it).
//
// Pure and in memory: claims are not persisted (a Durable Object restart forgets them, and the next
// copy claims afresh; its nonce table, persisted, still refuses replays). They live outside the chain
// machine so that a failed storage write, which reloads the machine, does not drop live claims.
import type { Hash } from "../protocol/types.ts";

export interface Claim {
  number: bigint;
  /** The owning request: its nonce key (relay id : nonce), unique per ingest request. */
  owner: string;
  /** Lease end (ms): past it the claim has lapsed and a copy may take over. */
  until: number;
}

export const CLAIMS = {
  /** Claims held at once (each is a check in progress); beyond it a block proceeds unclaimed (checked by each copy, as before). */
  max: 4_096,
  /** Time for the settle call and the Worker's own work, on top of the checks' RPC calls. */
  leaseMarginMs: 2_000,
  /**
   * A lease never exceeds this: a copy waiting on a dead owner must take over well inside the
   * relay's per-message deadline (60 s by default), even with RPC_TIMEOUT_MS at its 30 s maximum.
   * A slower owner still alive past it only means a second check, never a lost block.
   */
  leaseMaxMs: 20_000,
  /** How long the object holds a copy's request waiting for the owner (below the relay's 10 s request timeout). */
  holdMs: 4_000,
  /** After a hold that ended with the claim still live: the relay retries this soon (and is held again). */
  retryAfterMs: 100,
} as const;

/**
 * The lease for a check with this per-call RPC timeout: the checks (src/checks/pipeline.ts) make at
 * most three calls in sequence after the claim — the chain-id check, the block (the three look-ups
 * run in parallel), one transaction look-up — plus a margin for the settle call.
 */
export function leaseMs(rpcTimeoutMs: number): number {
  return Math.min(3 * rpcTimeoutMs + CLAIMS.leaseMarginMs, CLAIMS.leaseMaxMs);
}

export class ClaimBook {
  readonly #claims = new Map<Hash, Claim>();

  /** The live claim on a block, if any (a lapsed one is forgotten here). */
  live(hash: Hash, now: number): Claim | undefined {
    const c = this.#claims.get(hash);
    if (c && now >= c.until) {
      this.#claims.delete(hash);
      return undefined;
    }
    return c;
  }

  /** Makes `owner` the owner of `hash` until `until`; false when the book is full (the block proceeds unclaimed). */
  take(hash: Hash, number: bigint, owner: string, until: number, now: number): boolean {
    if (!this.#claims.has(hash) && this.#claims.size >= CLAIMS.max) this.expire(now);
    if (!this.#claims.has(hash) && this.#claims.size >= CLAIMS.max) return false;
    this.#claims.set(hash, { number, owner, until });
    return true;
  }

  /** Ends `owner`'s claim (its check failed, or it settled): true if it held one. */
  release(hash: Hash, owner: string): boolean {
    const c = this.#claims.get(hash);
    if (!c || c.owner !== owner) return false;
    this.#claims.delete(hash);
    return true;
  }

  /** Ends any claim on a decided block (a lapsed owner may settle after a copy took over: either result decides it). */
  drop(hash: Hash): Claim | undefined {
    const c = this.#claims.get(hash);
    this.#claims.delete(hash);
    return c;
  }

  expire(now: number): void {
    for (const [h, c] of this.#claims) if (now >= c.until) this.#claims.delete(h);
  }

  get size(): number {
    return this.#claims.size;
  }
}
