// One node pair's view of the devnet chain: the sequencer's or the follower's op-geth + op-node.
import type { L1BlockRef, L2BlockRef } from "../protocol/block-ref.ts";
import type { L1Block, L2Block } from "./block.ts";
import type { DevChain } from "./chain.ts";
import type { BlockTag, SyncStatus, ViewName } from "./chain-types.ts";

/** One node pair's view of the L2 chain (op-geth + op-node) with the shared L1. */
export class ChainView {
  readonly chain: DevChain;
  readonly name: ViewName;

  constructor(chain: DevChain, name: ViewName) {
    this.chain = chain;
    this.name = name;
  }

  /** The block this view holds at height n (the follower sees an unpromoted replacement's original). */
  blockByNumber(n: bigint): L2Block | undefined {
    if (this.name === "follower") {
      const p = this.chain.pendingAt(n);
      if (p) return p.original;
    }
    return this.chain.canonicalL2(n);
  }

  blockByHash(hash: string): L2Block | undefined {
    const k = this.chain.knownL2(hash);
    if (!k) return undefined;
    if (k.sequencerOnly && this.name === "follower") return undefined;
    return k.block;
  }

  head(): L2Block {
    return this.blockByNumber(this.chain.heads().unsafe)!;
  }

  localSafe(): L2Block {
    return this.blockByNumber(this.chain.heads().localSafe)!;
  }

  crossSafe(): L2Block {
    return this.blockByNumber(this.chain.heads().crossSafe)!;
  }

  /** What this node's op-node calls safe_l2 (and its op-geth the `safe` tag). */
  safe(): L2Block {
    const h = this.chain.heads();
    const useLocal = this.name === "follower" && this.chain.options.followerSafeL2 === "local-safe";
    return this.blockByNumber(useLocal ? h.localSafe : h.crossSafe)!;
  }

  finalized(): L2Block {
    return this.blockByNumber(this.chain.heads().finalized)!;
  }

  blockByTag(tag: BlockTag): L2Block {
    switch (tag) {
      case "safe":
        return this.safe();
      case "finalized":
        return this.finalized();
      case "earliest":
        return this.blockByNumber(0n)!;
      default:
        return this.head();
    }
  }

  syncStatus(): SyncStatus {
    const c = this.chain;
    const ref = (b: L2Block): L2BlockRef => c.l2BlockRef(b);
    const l1 = (b: L1Block): L1BlockRef => c.l1BlockRef(b);
    const head = this.head();
    const localSafe = this.localSafe();
    return {
      // Verifier confirmation depth 0: the derivation has read up to the L1 head.
      current_l1: l1(c.l1Head()),
      current_l1_finalized: l1(c.l1Finalized()),
      head_l1: l1(c.l1Head()),
      safe_l1: l1(c.l1Safe()),
      finalized_l1: l1(c.l1Finalized()),
      unsafe_l2: ref(head),
      safe_l2: ref(this.safe()),
      finalized_l2: ref(this.finalized()),
      pending_safe_l2: ref(localSafe),
      local_safe_l2: ref(localSafe),
    };
  }
}
