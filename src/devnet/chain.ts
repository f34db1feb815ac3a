// A deterministic L1 + L2 (OP Stack) chain model for tests and the local devnet: no I/O, no timers.
// Time only moves when `advance`/`advanceTo` is called; every block is a pure function of the seed,
// its parent and its "salt" (which rebuild of a height it is), so the same calls give the same hashes.
//
// What it models (sources: optimism @ abe047af read via EspressoSystems/optimism-espresso-integration
// @ b812d219; protocol notes §4.4, §5):
// - L1: post-Prague blocks every `l1BlockTime` s with withdrawals and OptimismPortal deposit txs;
//   the SystemConfig's unsafe block signer (readable at any L1 block).
// - L2: Isthmus (Jovian optional) blocks every `l2BlockTime` s built from op-node-style attributes,
//   L1 origins chosen by op-node's sequencer rule (op-node/rollup/sequencing/origin_selector.go
//   findL1OriginOfNextL2Block: adopt origin+1 as soon as the next L2 timestamp reaches its timestamp).
// - Heads: unsafe (tip) ≥ local-safe ≥ cross-safe ≥ finalized with configurable lags.
// - Scenarios: interop deposits-only replacement (both rules of protocol notes §5.4), L1 reorg,
//   L2 reorg, sequencer equivocation.
// - Two views: the sequencer's (what it builds, signs and publishes) and the follower's (what the
//   follower's own op-node/op-geth derived). They differ only where a scenario makes them differ:
//   a replaced block is seen by the follower as the original until the replacement is promoted, and
//   equivocating blocks exist only for the sequencer.
import type { L1BlockRef, L2BlockRef } from "../protocol/block-ref.ts";
import type { ChainConfig } from "../protocol/chain-config.ts";
import { optimisticBlockDepositTx, outputV0Preimage } from "../protocol/consolidate.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import { DA_FOOTPRINT_GAS_SCALAR_DEFAULT, decodeDepositTx, DEPOSIT_TX_TYPE } from "../protocol/l1-info.ts";
import { addressOfPrivateKey } from "../protocol/signature.ts";
import { MAX_GOSSIP_SIZE } from "../protocol/snappy.ts";
import type { Address, Hash } from "../protocol/types.ts";
import type { BaseFeeParams, BlockId, DepositTxRecord, L1Block, L2Block, ReplacementVariant } from "./block.ts";
import { DEV_ROLES } from "./dev-accounts.ts";
import { buildL1Block, type L1Params } from "./l1.ts";
import { attributeDeposits, bigBlockNeeds, buildL2Block, buildL2Genesis, type L2Attributes, type L2Params } from "./l2.ts";
import { Rng } from "./rng.ts";
import { fixedAddr, resolveOptions, type DevChainOptions, type ResolvedOptions } from "./chain-options.ts";
import type { BlockTag, ChainEvent, Heads, PayloadEnvelope, PendingReplacement, SyncStatus, ViewName } from "./chain-types.ts";
import { ChainView } from "./chain-view.ts";

export type { BlockId, L1Block, L2Block, ReplacementVariant } from "./block.ts";
export type { DevChainOptions, HeadLags, L1Lags, ResolvedOptions } from "./chain-options.ts";
export type { BlockTag, ChainEvent, Heads, PayloadEnvelope, PendingReplacement, SyncStatus, ViewName } from "./chain-types.ts";
export { ChainView } from "./chain-view.ts";

interface Known {
  block: L2Block;
  /** Blocks only the sequencer has: unpromoted replacements and equivocations. */
  sequencerOnly: boolean;
}

export class DevChain {
  readonly options: ResolvedOptions;
  /** The follower's chain config (src/protocol/chain-config.ts) for this devnet. */
  readonly chainConfig: ChainConfig;
  readonly sequencerAddress: Address;
  readonly rng: Rng;
  private readonly l1Params: L1Params;
  /** What every L2 block is built with (SystemConfig scalars and fee parameters included). */
  readonly l2Params: L2Params;

  /** Current time (unix seconds). */
  now: bigint;
  private readonly l1: L1Block[] = [];
  private readonly l1ByHash = new Map<string, L1Block>();
  private readonly l2: L2Block[] = [];
  private readonly l2ByHash = new Map<string, Known>();
  private readonly l1Salts = new Map<bigint, number>();
  private readonly l2Salts = new Map<bigint, number>();
  private saltCounter = 0;
  private readonly pending = new Map<bigint, PendingReplacement>();
  /** Heights planned as big blocks (bigBlocks): calldata bytes, kept across rebuilds of the height. */
  private readonly calldataPlan = new Map<bigint, number>();
  private readonly replacementLog: PendingReplacement[] = [];
  private readonly equivocationLog: { canonical: L2Block; equivocating: L2Block }[] = [];
  private readonly signerHistory: { fromL1Block: bigint; address: Address }[] = [];
  private localSafe = 0n;
  private crossSafe = 0n;
  private finalized = 0n;
  autoHeads: boolean;
  private readonly listeners = new Set<(e: ChainEvent) => void>();

  constructor(opts: DevChainOptions = {}) {
    const o = resolveOptions(opts);
    this.options = o;
    this.autoHeads = o.autoHeads;
    this.rng = new Rng(o.seed);
    this.now = o.genesisTime;
    this.sequencerAddress = addressOfPrivateKey(fromHex(o.sequencerKey));
    this.signerHistory.push({ fromL1Block: 0n, address: this.sequencerAddress });
    const forks = { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 0n, granite: 0n, holocene: 0n, isthmus: 0n, ...(o.jovian ? { jovian: 0n } : {}) };
    this.chainConfig = {
      name: "op-follow-devnet",
      chainId: o.l2ChainId,
      l1ChainId: o.l1ChainId,
      blockTime: o.l2BlockTime,
      genesisL2Time: o.genesisTime,
      hardforks: forks,
      systemConfig: o.systemConfig,
      unsafeBlockSigner: this.sequencerAddress,
      batchInbox: fixedAddr("op-follow devnet BatchInbox"),
      eip1559: { ...o.eip1559 },
    };
    this.l1Params = {
      chainId: o.l1ChainId,
      genesisTime: o.genesisTime,
      blockTime: o.l1BlockTime,
      portal: o.optimismPortal,
      depositors: DEV_ROLES.depositors,
      recipients: DEV_ROLES.l2Users,
      depositChance: o.depositChance,
    };
    // Holocene+: op-geth takes the 1559 parameters from the parent's extraData; the SystemConfig
    // values we write there are the chain's Canyon ones (what zero SystemConfig params translate to).
    const feeParams: BaseFeeParams = { denominator: BigInt(o.eip1559.denominatorCanyon), elasticity: BigInt(o.eip1559.elasticity) };
    if (o.jovian) feeParams.minBaseFee = o.minBaseFee;
    this.l2Params = {
      chainConfig: this.chainConfig,
      gasLimit: o.gasLimit,
      feeParams,
      batcher: o.batcher,
      baseFeeScalar: 1368,
      blobBaseFeeScalar: 810949,
      operatorFeeScalar: 0,
      operatorFeeConstant: 0n,
      daFootprintGasScalar: o.daFootprintGasScalar ?? 0,
      messagePasserRoot: this.rng.bytes32("l2-message-passer-storage-root"),
      users: DEV_ROLES.l2Users,
      userTxs: o.userTxsPerBlock,
    };
    const l1g = buildL1Block(this.rng, this.l1Params, undefined, 0);
    this.pushL1(l1g);
    const l2g = buildL2Genesis(this.rng, this.l2Params, l1g);
    this.l2.push(l2g);
    this.l2ByHash.set(l2g.hash, { block: l2g, sequencerOnly: false });
  }

  // -------------------------------------------------------------------------------------------
  // Events

  on(listener: (e: ChainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ChainEvent): void {
    for (const l of this.listeners) l(e);
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** Moves time forward by `seconds`, producing every L1 and L2 block that falls due. */
  advance(seconds: number | bigint): { l1: L1Block[]; l2: L2Block[] } {
    return this.advanceTo(this.now + BigInt(seconds));
  }

  /** Produces blocks up to and including timestamp `t` (L1 first when both are due at once). */
  advanceTo(t: bigint): { l1: L1Block[]; l2: L2Block[] } {
    const out = { l1: [] as L1Block[], l2: [] as L2Block[] };
    for (;;) {
      const nextL1 = this.l1Head().timestamp + BigInt(this.options.l1BlockTime);
      const nextL2 = this.l2Tip().timestamp + BigInt(this.options.l2BlockTime);
      if (nextL1 <= t && nextL1 <= nextL2) out.l1.push(this.produceL1());
      else if (nextL2 <= t) out.l2.push(this.produceL2());
      else break;
    }
    if (t > this.now) this.now = t;
    return out;
  }

  /** Advances time until `n` more L2 blocks exist. */
  advanceBlocks(n: number): { l1: L1Block[]; l2: L2Block[] } {
    const target = this.l2Tip().timestamp + BigInt(n * this.options.l2BlockTime);
    return this.advanceTo(target > this.now ? target : this.now);
  }

  private produceL1(): L1Block {
    const parent = this.l1Head();
    const b = buildL1Block(this.rng, this.l1Params, parent, this.l1Salts.get(parent.number + 1n) ?? 0);
    this.pushL1(b);
    this.emit({ type: "l1-block", block: b });
    return b;
  }

  private pushL1(b: L1Block): void {
    this.l1[Number(b.number)] = b;
    this.l1.length = Number(b.number) + 1;
    this.l1ByHash.set(b.hash, b);
  }

  private produceL2(): L2Block {
    const b = this.buildNext(this.l2Tip(), "normal");
    this.setCanonical(b);
    this.emit({ type: "l2-block", block: b });
    if (this.autoHeads) this.followTip();
    return b;
  }

  private setCanonical(b: L2Block, sequencerOnly = false): void {
    this.l2[Number(b.number)] = b; // replaces in place; the chain never gets shorter
    this.l2ByHash.set(b.hash, { block: b, sequencerOnly });
  }

  // -------------------------------------------------------------------------------------------
  // Building

  /** The last canonical L1 block with timestamp <= t: what a sequencer could have seen at t. */
  private l1HeadAt(t: bigint): L1Block {
    const n = Number((t - this.options.genesisTime) / BigInt(this.options.l1BlockTime));
    return this.l1[Math.min(n, this.l1.length - 1)]!;
  }

  /** op-node findL1OriginOfNextL2Block (recover mode off, origins known up to head - confs). */
  private selectOrigin(parent: L2Block, timestamp: bigint): { origin: L1Block; seq: bigint } {
    const current = this.l1ByHash.get(parent.l1Origin.hash)!;
    const visible = this.l1HeadAt(timestamp).number - BigInt(this.options.sequencerL1Confs);
    const next = current.number + 1n <= visible ? this.l1[Number(current.number + 1n)] : undefined;
    // A next origin that does not build on the current one (the current one was reorged out and
    // the sequencer was told to keep its chain) is not adopted: ErrNextL1OriginOrphaned.
    if (next && next.parentHash === current.hash && timestamp >= next.timestamp) return { origin: next, seq: 0n };
    return { origin: current, seq: parent.sequenceNumber + 1n };
  }

  private attributes(parent: L2Block, timestamp: bigint, salt: number): L2Attributes {
    const { origin, seq } = this.selectOrigin(parent, timestamp);
    const bulk = this.calldataPlan.get(parent.number + 1n);
    return {
      timestamp,
      origin,
      sequenceNumber: seq,
      deposits: attributeDeposits(this.l2Params, origin, seq, timestamp),
      userTxs: true,
      ...(bulk ? { calldataBytes: bulk } : {}),
      kind: "normal",
      salt,
    };
  }

  /**
   * Makes the next `count` L2 blocks big: instead of transfers, user transactions carrying `bytes`
   * of incompressible calldata in all (l2.ts BULK_TX_CALLDATA per transaction). Refused, with the
   * setting to change, when such a block would not fit the chain's gas limit (EIP-7623 floor: 40
   * gas per non-zero byte), its Jovian DA footprint, or a gossip envelope (MAX_GOSSIP_SIZE, before
   * and after snappy). Returns the heights.
   */
  bigBlocks(bytes: number, count = 1): bigint[] {
    const need = bigBlockNeeds(bytes, this.options.daFootprintGasScalar || DA_FOOTPRINT_GAS_SCALAR_DEFAULT);
    const limit = this.options.gasLimit;
    if (!Number.isSafeInteger(count) || count < 1 || count > 64) throw new Error(`bigBlocks: count must be 1..64, got ${count}`);
    if (need.envelopeBytes > MAX_GOSSIP_SIZE)
      throw new Error(`bigBlocks: ${bytes} bytes of calldata make an envelope of up to ${need.envelopeBytes} bytes, over the gossip limit of ${MAX_GOSSIP_SIZE}`);
    if (need.gas > limit) throw new Error(`bigBlocks: ${bytes} bytes of calldata need up to ${need.gas} gas, over the devnet's gas limit ${limit} (reset it with a larger gasLimit, at most SystemConfig's 500000000)`);
    if (this.options.jovian && need.daFootprint > limit)
      throw new Error(`bigBlocks: ${bytes} bytes of incompressible calldata have a Jovian DA footprint of up to ${need.daFootprint}, over the gas limit ${limit} (lower daFootprintGasScalar)`);
    const tip = this.l2Tip().number;
    const heights = Array.from({ length: count }, (_, i) => tip + 1n + BigInt(i));
    for (const h of heights) this.calldataPlan.set(h, bytes);
    return heights;
  }

  private buildNext(parent: L2Block, kind: "normal", salt?: number): L2Block {
    const number = parent.number + 1n;
    const timestamp = parent.timestamp + BigInt(this.options.l2BlockTime);
    const a = this.attributes(parent, timestamp, salt ?? this.l2Salts.get(number) ?? 0);
    a.kind = kind;
    return buildL2Block(this.rng, this.l2Params, parent, a);
  }

  /** Rebuilds canonical L2 blocks `from..tip` on top of block from-1 (same timestamps). */
  private rebuildL2From(from: bigint): void {
    const tip = this.l2Tip().number;
    for (let n = from; n <= tip; n++) this.setCanonical(this.buildNext(this.l2[Number(n - 1n)]!, "normal"));
  }

  // -------------------------------------------------------------------------------------------
  // Heads

  heads(): Heads {
    return { unsafe: this.l2Tip().number, localSafe: this.localSafe, crossSafe: this.crossSafe, finalized: this.finalized };
  }

  /** Sets heads explicitly (clamped so that unsafe ≥ localSafe ≥ crossSafe ≥ finalized). */
  setHeads(h: Partial<Omit<Heads, "unsafe">>): Heads {
    const tip = this.l2Tip().number;
    const clamp = (v: bigint, hi: bigint): bigint => (v < 0n ? 0n : v > hi ? hi : v);
    if (h.localSafe !== undefined) this.localSafe = clamp(h.localSafe, tip);
    if (h.crossSafe !== undefined) this.crossSafe = clamp(h.crossSafe, this.localSafe);
    if (h.finalized !== undefined) this.finalized = clamp(h.finalized, this.crossSafe);
    this.crossSafe = clamp(this.crossSafe, this.localSafe);
    this.finalized = clamp(this.finalized, this.crossSafe);
    this.afterHeadsMoved();
    return this.heads();
  }

  private followTip(): void {
    const { lags } = this.options;
    const tip = this.l2Tip().number;
    const up = (cur: bigint, target: bigint): bigint => (target > cur ? target : cur);
    this.localSafe = up(this.localSafe, tip - BigInt(lags.localSafe));
    this.crossSafe = up(this.crossSafe, this.localSafe - BigInt(lags.crossSafe));
    this.finalized = up(this.finalized, this.crossSafe - BigInt(lags.finalized));
    this.afterHeadsMoved();
  }

  private afterHeadsMoved(): void {
    if (this.options.autoPromoteReplacements) {
      for (const p of this.pending.values()) if (!p.promoted && this.crossSafe >= p.height) this.promoteReplacement(p.height);
    }
    this.emit({ type: "heads", heads: this.heads() });
  }

  private clampHeadsBelow(height: bigint): void {
    const cap = height - 1n;
    if (this.localSafe > cap) this.localSafe = cap;
    if (this.crossSafe > cap) this.crossSafe = cap;
    if (this.finalized > cap) this.finalized = cap;
  }

  // -------------------------------------------------------------------------------------------
  // L1 access

  l1Head(): L1Block {
    return this.l1[this.l1.length - 1]!;
  }

  l1Safe(): L1Block {
    return this.l1[Math.max(0, this.l1.length - 1 - this.options.l1Lags.safe)]!;
  }

  l1Finalized(): L1Block {
    return this.l1[Math.max(0, this.l1.length - 1 - this.options.l1Lags.finalized)]!;
  }

  /** Canonical L1 block at `n`. */
  l1BlockByNumber(n: bigint): L1Block | undefined {
    return n >= 0n ? this.l1[Number(n)] : undefined;
  }

  /** Any L1 block ever produced, canonical or reorged out (geth keeps side blocks by hash). */
  l1BlockByHash(hash: string): L1Block | undefined {
    return this.l1ByHash.get(hash.toLowerCase());
  }

  isCanonicalL1(id: BlockId): boolean {
    return this.l1[Number(id.number)]?.hash === id.hash.toLowerCase();
  }

  l1BlockByTag(tag: BlockTag): L1Block {
    if (tag === "safe") return this.l1Safe();
    if (tag === "finalized") return this.l1Finalized();
    if (tag === "earliest") return this.l1[0]!;
    return this.l1Head();
  }

  /** SystemConfig.unsafeBlockSigner() as of L1 block `l1Number`. */
  unsafeBlockSignerAt(l1Number: bigint): Address {
    let a = this.signerHistory[0]!.address;
    for (const s of this.signerHistory) if (s.fromL1Block <= l1Number) a = s.address;
    return a;
  }

  /** Rotates the SystemConfig unsafe block signer from the current L1 head on. */
  setUnsafeBlockSigner(address: Address): void {
    const fromL1Block = this.l1Head().number;
    this.signerHistory.push({ fromL1Block, address });
    this.emit({ type: "signer", address, fromL1Block });
  }

  // -------------------------------------------------------------------------------------------
  // L2 access

  /** The sequencer's tip (unsafe head). */
  l2Tip(): L2Block {
    return this.l2[this.l2.length - 1]!;
  }

  view(name: ViewName): ChainView {
    return new ChainView(this, name);
  }

  /** @internal used by ChainView */
  canonicalL2(n: bigint): L2Block | undefined {
    return n >= 0n ? this.l2[Number(n)] : undefined;
  }

  /** @internal used by ChainView */
  knownL2(hash: string): Known | undefined {
    return this.l2ByHash.get(hash.toLowerCase());
  }

  /** @internal used by ChainView */
  pendingAt(n: bigint): PendingReplacement | undefined {
    const p = this.pending.get(n);
    return p && !p.promoted ? p : undefined;
  }

  pendingReplacements(): PendingReplacement[] {
    return [...this.pending.values()].filter((p) => !p.promoted);
  }

  replacements(): readonly PendingReplacement[] {
    return this.replacementLog;
  }

  equivocations(): readonly { canonical: L2Block; equivocating: L2Block }[] {
    return this.equivocationLog;
  }

  /** Any L2 block by hash, whoever knows it. */
  l2BlockByHash(hash: string): L2Block | undefined {
    return this.knownL2(hash)?.block;
  }

  l2BlockRef(b: L2Block): L2BlockRef {
    return { hash: b.hash, number: b.number, parentHash: b.parentHash, timestamp: b.timestamp, l1origin: { ...b.l1Origin }, sequenceNumber: b.sequenceNumber };
  }

  l1BlockRef(b: L1Block): L1BlockRef {
    return { hash: b.hash, number: b.number, parentHash: b.parentHash, timestamp: b.timestamp };
  }

  /** The v4 payload + parent beacon block root of a block, ready for encodeEnvelope/sign. */
  payloadOf(b: L2Block): PayloadEnvelope {
    return { version: 4, payload: b.payload, parentBeaconBlockRoot: b.parentBeaconBlockRoot };
  }

  /** op-service/eth/output.go OutputV0 root: keccak256(0 ‖ stateRoot ‖ messagePasserStorageRoot ‖ blockHash). */
  outputRoot(b: L2Block): { outputRoot: Hash; preimage: Uint8Array } {
    const preimage = outputV0Preimage(b.payload.stateRoot, b.payload.withdrawalsRoot!, fromHex(b.hash));
    return { outputRoot: toHex(keccak256(preimage)), preimage };
  }

  // -------------------------------------------------------------------------------------------
  // Scenarios

  /**
   * The sequencer's supervisor invalidates block `height`; it is replaced by a deposits-only block
   * (same parent, timestamp, prevRandao, fee recipient, gas limit, extraData, parent beacon root;
   * transactions = the original's deposits, plus, for variant "op-node", the optimistic-block deposit
   * of op-node's AttributesToReplaceInvalidBlock). Later blocks are rebuilt on the replacement.
   * The follower keeps seeing the original at `height` until `promoteReplacement(height)`.
   * The height must not be cross-safe yet (only a block that never became cross-safe is replaced).
   */
  replaceWithDepositsOnly(height: bigint, variant: ReplacementVariant = "spec"): PendingReplacement {
    const tip = this.l2Tip().number;
    if (height < 1n || height > tip) throw new Error(`replaceWithDepositsOnly: height ${height} is not in 1..${tip}`);
    if (height <= this.crossSafe) throw new Error(`replaceWithDepositsOnly: height ${height} is already cross-safe (${this.crossSafe})`);
    if (this.pending.has(height)) throw new Error(`replaceWithDepositsOnly: height ${height} was already replaced`);
    const original = this.l2[Number(height)]!;
    const parent = this.l2[Number(height - 1n)]!;
    const origin = this.l1ByHash.get(original.l1Origin.hash)!;
    const deposits = original.txs.filter((t): t is DepositTxRecord => t.type === DEPOSIT_TX_TYPE).map((t) => ({ deposit: t.deposit, role: t.role }));
    if (variant === "op-node") {
      const raw = optimisticBlockDepositTx({ stateRoot: toHex(original.payload.stateRoot), withdrawalsRoot: toHex(original.payload.withdrawalsRoot!), hash: original.hash });
      const dec = raw && decodeDepositTx(raw);
      if (!dec || !dec.ok) throw new Error("replaceWithDepositsOnly: cannot build the optimistic-block deposit");
      deposits.push({ deposit: dec.value, role: "optimistic-block" });
    }
    const replacement = buildL2Block(this.rng, this.l2Params, parent, {
      timestamp: original.timestamp,
      origin,
      sequenceNumber: original.sequenceNumber,
      deposits,
      userTxs: false,
      kind: "replacement",
      salt: original.salt,
      replaces: original,
      variant,
    });
    this.dropPendingFrom(height + 1n); // later replacements were built on the chain being replaced
    this.setCanonical(replacement, true);
    this.rebuildL2From(height + 1n);
    const p: PendingReplacement = { height, original, replacement, variant, promoted: false };
    this.pending.set(height, p);
    this.replacementLog.push(p);
    this.emit({ type: "replaced", replacement: p });
    if (this.options.autoPromoteReplacements && this.crossSafe >= height) this.promoteReplacement(height);
    return p;
  }

  /** The follower's node adopts the replacement at `height` (as it would once told the block is cross-safe). */
  promoteReplacement(height: bigint): PendingReplacement {
    const p = this.pending.get(height);
    if (!p) throw new Error(`promoteReplacement: no replacement at height ${height}`);
    if (!p.promoted) {
      p.promoted = true;
      const k = this.l2ByHash.get(p.replacement.hash);
      if (k) k.sequencerOnly = false;
      this.emit({ type: "promoted", replacement: p });
    }
    return p;
  }

  /**
   * Replaces the newest `depth` L1 blocks with different ones (same numbers and timestamps).
   * l2 "rebuild" (default): L2 blocks whose L1 origin was reorged out are rebuilt on the new L1
   * blocks and the L2 heads fall back below them, as after an op-node reset. l2 "keep": the L2
   * chain keeps pointing at the orphaned L1 blocks (a node that has not noticed the reorg yet).
   */
  reorgL1(depth: number, opts: { l2?: "rebuild" | "keep" } = {}): { from: bigint; orphaned: L1Block[]; l2RebuiltFrom?: bigint } {
    const head = this.l1Head().number;
    if (depth < 1 || BigInt(depth) > head) throw new Error(`reorgL1: depth ${depth} must be in 1..${head}`);
    const from = head - BigInt(depth) + 1n;
    if (from <= this.l1Finalized().number) throw new Error(`reorgL1: L1 block ${from} is finalized`);
    const orphaned = this.l1.slice(Number(from));
    const salt = ++this.saltCounter;
    for (let n = from; n <= head; n++) {
      this.l1Salts.set(n, salt);
      this.pushL1(buildL1Block(this.rng, this.l1Params, this.l1[Number(n - 1n)]!, salt));
    }
    const result: { from: bigint; orphaned: L1Block[]; l2RebuiltFrom?: bigint } = { from, orphaned };
    if ((opts.l2 ?? "rebuild") === "rebuild") {
      const first = this.l2.find((b) => b.l1Origin.number >= from);
      if (first) {
        if (first.number <= this.finalized) throw new Error(`reorgL1: L2 block ${first.number} (finalized) depends on reorged L1 block`);
        this.dropPendingFrom(first.number);
        this.rebuildL2From(first.number);
        this.clampHeadsBelow(first.number);
        result.l2RebuiltFrom = first.number;
      }
    }
    const ev: ChainEvent = { type: "l1-reorg", depth, from };
    if (result.l2RebuiltFrom !== undefined) ev.l2RebuiltFrom = result.l2RebuiltFrom;
    this.emit(ev);
    if (this.autoHeads) this.emit({ type: "heads", heads: this.heads() });
    return result;
  }

  /**
   * After reorgL1(…, { l2: "keep" }): what an op-node reset does once it notices — rebuild L2 from the
   * first block whose L1 origin is no longer canonical (same sequencer transactions), heads falling
   * back below it. Returns that height, or undefined when every origin is canonical.
   */
  resyncL2(): bigint | undefined {
    const first = this.l2.find((b) => !this.isCanonicalL1(b.l1Origin));
    if (!first) return undefined;
    if (first.number <= this.finalized) throw new Error(`resyncL2: L2 block ${first.number} (finalized) has a reorged-out L1 origin`);
    this.dropPendingFrom(first.number);
    this.rebuildL2From(first.number);
    this.clampHeadsBelow(first.number);
    this.emit({ type: "l2-reorg", from: first.number });
    this.emit({ type: "heads", heads: this.heads() });
    return first.number;
  }

  /**
   * The L2 chain reorgs from `fromHeight`: every block from there to the tip is rebuilt with
   * different sequencer transactions (new hashes), and the safe heads fall back below it.
   */
  reorgL2(fromHeight: bigint): { from: bigint; orphaned: L2Block[] } {
    const tip = this.l2Tip().number;
    if (fromHeight < 1n || fromHeight > tip) throw new Error(`reorgL2: height ${fromHeight} is not in 1..${tip}`);
    if (fromHeight <= this.finalized) throw new Error(`reorgL2: height ${fromHeight} is finalized (${this.finalized})`);
    const orphaned = this.l2.slice(Number(fromHeight));
    const salt = ++this.saltCounter;
    for (let n = fromHeight; n <= tip; n++) this.l2Salts.set(n, salt);
    this.dropPendingFrom(fromHeight);
    this.rebuildL2From(fromHeight);
    this.clampHeadsBelow(fromHeight);
    this.emit({ type: "l2-reorg", from: fromHeight });
    this.emit({ type: "heads", heads: this.heads() });
    return { from: fromHeight, orphaned };
  }

  /**
   * The sequencer contradicts its own attestation at an already cross-safe height: it builds the
   * deposits-only replacement of the block it attested (what its supervisor would produce had it
   * judged the block invalid). Both consolidate against the follower's chain, so signing both in the
   * attestation domain is the one conflict only the sequencer can cause (protocol notes §8.7). It is
   * not canonical; only the sequencer view knows it. Sign it with payloadOf() to produce the evidence.
   */
  equivocate(height: bigint): L2Block {
    if (height < 1n || height > this.crossSafe) throw new Error(`equivocate: height ${height} is not cross-safe (cross-safe head ${this.crossSafe})`);
    const canonical = this.l2[Number(height)]!;
    const parent = this.l2[Number(height - 1n)]!;
    const b = buildL2Block(this.rng, this.l2Params, parent, {
      timestamp: canonical.timestamp,
      origin: this.l1ByHash.get(canonical.l1Origin.hash)!,
      sequenceNumber: canonical.sequenceNumber,
      deposits: canonical.txs.filter((t): t is DepositTxRecord => t.type === DEPOSIT_TX_TYPE).map((t) => ({ deposit: t.deposit, role: t.role })),
      userTxs: false,
      kind: "equivocation",
      salt: canonical.salt,
    });
    if (b.hash === canonical.hash) throw new Error("equivocate: rebuilt block is identical");
    this.l2ByHash.set(b.hash, { block: b, sequencerOnly: true });
    this.equivocationLog.push({ canonical, equivocating: b });
    this.emit({ type: "equivocation", canonical, equivocating: b });
    return b;
  }

  /**
   * A second, different, validly built block at `height` (same parent and attributes, other
   * sequencer transactions), known to the sequencer only: what a stale or foreign attestation looks
   * like to a follower (signed by the sequencer, but it does not consolidate against its chain).
   */
  conflictingBlock(height: bigint): L2Block {
    const tip = this.l2Tip().number;
    if (height < 1n || height > tip) throw new Error(`conflictingBlock: height ${height} is not in 1..${tip}`);
    const b = this.buildNext(this.l2[Number(height - 1n)]!, "normal", ++this.saltCounter);
    if (b.hash === this.l2[Number(height)]!.hash) throw new Error("conflictingBlock: rebuilt block is identical");
    this.l2ByHash.set(b.hash, { block: b, sequencerOnly: true });
    return b;
  }

  private dropPendingFrom(height: bigint): void {
    for (const h of [...this.pending.keys()]) if (h >= height) this.pending.delete(h);
  }

  // -------------------------------------------------------------------------------------------
  // Sync status

  syncStatus(view: ViewName): SyncStatus {
    return this.view(view).syncStatus();
  }
}
