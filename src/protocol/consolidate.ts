// L1 consolidation of a sequencer-signed cross-safe block against the block our own node derived
// from L1 at the same height, and the interop block-replacement retry (protocol notes §5, §8.5).
//
// The comparison is op-node's `AttributesMatchBlock` (op-node/rollup/attributes/engine_consolidate.go,
// optimism @ abe047af = EspressoSystems/optimism-espresso-integration @ b812d219, l.29-82), field by
// field and in its order. Roles: op-node compares the attributes it derived from L1 ("expected")
// with the block its engine holds; here the local block plays the attributes (it *is* what our node
// derived from L1) and the received payload plays the block. So `expected` is always the local value
// and `got` the received one. Where op-node reads an attribute the local block does not carry
// literally, the mapping is the one op-node itself uses when it turns a block back into attributes
// (`AttributesToReplaceInvalidBlock`, op-node/rollup/interop/indexing/attributes.go l.25-73):
// prevRandao = mixHash, suggestedFeeRecipient = miner, eip1559Params/minBaseFee decoded from extraData.
//
// Like op-node this compares the block's *inputs*, never its execution results (stateRoot,
// receiptsRoot, withdrawalsRoot value, blockHash): op-node lets its engine execute the block. A
// caller that does not execute the received block should, on `match`, also require
// received.blockHash == local.hash (same inputs on the same parent give the same block); for a
// deposits-only replacement no local block has its hash.
//
// kona's `AttributesMatch::check` (op-rs/kona crates/node/engine/src/attributes.rs @ 3631b96d) checks
// the same fields in the same order, with differences noted at each step; where they differ we do
// what op-node does, since op-node is what the network runs.
import { bytesToBigint, concatBytes, equalBytes } from "./bytes.ts";
import { fromHex, toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import { encodeDepositTx, invalidatedBlockSourceHash } from "./l1-info.ts";
import { DEPOSIT_TX_TYPE, type RpcBlock, type RpcBlockHeader } from "./rpc-block.ts";
import { EMPTY_TRIE_ROOT } from "./trie.ts";
import type { Address, ExecutionPayload, Hash, Hex } from "./types.ts";

export interface ReceivedBlock {
  payload: ExecutionPayload;
  /** Present on v3/v4 envelopes (Ecotone on). */
  parentBeaconBlockRoot?: Uint8Array;
}

/** Which forks are active at the block being consolidated. */
export interface ConsolidationForks {
  canyon: boolean;
  holocene: boolean;
  isthmus: boolean;
  jovian: boolean;
}

/** Anything with fork activation times (a ChainConfig fits): active iff set and `timestamp >= time`. */
export interface ForkScheduleLike {
  hardforks: { canyon?: bigint; holocene?: bigint; isthmus?: bigint; jovian?: bigint };
}

export type ConsolidationConfig = ConsolidationForks | ForkScheduleLike;

export type ConsolidationResult =
  | { kind: "match" }
  | { kind: "match-deposits-only"; variant: "spec" | "op-node" }
  | { kind: "mismatch"; field: string; expected: string; got: string };

export type Mismatch = Extract<ConsolidationResult, { kind: "mismatch" }>;

/**
 * What consolidation reads of the local block besides its transactions: header members and the
 * body's withdrawals list. Both `eth_getBlockByNumber` forms (full transactions or hashes) carry them.
 */
export type LocalHeader = Pick<
  RpcBlockHeader,
  "hash" | "parentHash" | "timestamp" | "mixHash" | "gasLimit" | "miner" | "extraData" | "stateRoot" | "withdrawalsRoot" | "parentBeaconBlockRoot" | "withdrawals"
>;

/** Sender of the replacement block's "optimistic block" deposit (attributes.go l.18). */
export const OPTIMISTIC_BLOCK_DEPOSIT_SENDER: Address = "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0002";
/** Gas of that deposit (attributes.go l.84). */
export const OPTIMISTIC_BLOCK_DEPOSIT_GAS = 36_000n;

/** keccak256 of the empty trie (geth `types.EmptyWithdrawalsHash`). */
const EMPTY_ROOT: Hash = toHex(EMPTY_TRIE_ROOT);

export function forksAt(cfg: ConsolidationConfig, timestamp: bigint): ConsolidationForks {
  if (!("hardforks" in cfg)) return cfg;
  const on = (t: bigint | undefined): boolean => t !== undefined && timestamp >= t;
  const h = cfg.hardforks;
  return { canyon: on(h.canyon), holocene: on(h.holocene), isthmus: on(h.isthmus), jovian: on(h.jovian) };
}

// ---------------------------------------------------------------------------------------------
// Interop replacement: the optimistic-block deposit

/**
 * op-service/eth/output.go `OutputV0.Marshal` (l.49-57): version (32 zero bytes) ‖ stateRoot ‖
 * messagePasserStorageRoot ‖ blockHash, 128 bytes. keccak256 of it is the output root.
 */
export function outputV0Preimage(stateRoot: Uint8Array, messagePasserStorageRoot: Uint8Array, blockHash: Uint8Array): Uint8Array {
  if (stateRoot.length !== 32 || messagePasserStorageRoot.length !== 32 || blockHash.length !== 32) throw new Error("outputV0Preimage: 32-byte roots expected");
  return concatBytes(new Uint8Array(32), stateRoot, messagePasserStorageRoot, blockHash);
}

/**
 * The deposit op-node appends when it replaces an invalidated block (attributes.go
 * `InvalidatedBlockSourceDepositTx`, l.75-88): from 0xdead…0002, to the zero address (not a contract
 * creation), mint 0, value 0, gas 36000, not a system tx, data = OutputV0 preimage of the *replaced*
 * block, whose message-passer root is that block's header withdrawalsRoot (l.35-42; op-node panics
 * when it is nil, we return undefined). Its source hash is keccak256(bytes32(4) ‖ outputRoot)
 * (deposit_source.go `InvalidatedBlockSource.SourceHash`, l.76-81; domain 4 at l.22), with
 * outputRoot = keccak256(preimage) (attributes.go l.76). Returns its EIP-2718 bytes.
 */
export function optimisticBlockDepositTx(replaced: Pick<RpcBlock, "stateRoot" | "withdrawalsRoot" | "hash">): Uint8Array | undefined {
  if (replaced.withdrawalsRoot === undefined) return undefined;
  const preimage = outputV0Preimage(fromHex(replaced.stateRoot), fromHex(replaced.withdrawalsRoot), fromHex(replaced.hash));
  return encodeDepositTx({
    sourceHash: invalidatedBlockSourceHash(keccak256(preimage)),
    from: OPTIMISTIC_BLOCK_DEPOSIT_SENDER,
    to: "0x0000000000000000000000000000000000000000",
    mint: 0n,
    value: 0n,
    gas: OPTIMISTIC_BLOCK_DEPOSIT_GAS,
    isSystemTx: false,
    data: preimage,
  });
}

// ---------------------------------------------------------------------------------------------
// extraData (op-geth consensus/misc/eip1559/eip1559_optimism.go @ 03e7fb0b)

interface FeeParams {
  denominator: bigint;
  elasticity: bigint;
  minBaseFee: bigint | undefined;
}

/**
 * `ValidateOptimismExtraData` then `DecodeOptimismExtraData`: Jovian = 17 bytes, version 1, with a
 * big-endian u64 minBaseFee at [9,17); Holocene = 9 bytes, version 0. In both the params at [1,9)
 * must pass `ValidateHolocene1559Params` (a zero denominator only with a zero elasticity).
 */
function decodeExtraData(f: ConsolidationForks, extra: Uint8Array): FeeParams | string {
  const [len, version, name] = f.jovian ? [17, 1, "jovian"] : [9, 0, "holocene"];
  if (extra.length !== len) return `${name} extraData should be ${len} bytes, got ${extra.length}`;
  if (extra[0] !== version) return `${name} extraData version byte should be ${version}, got ${extra[0]}`;
  const denominator = bytesToBigint(extra.subarray(1, 5));
  const elasticity = bytesToBigint(extra.subarray(5, 9));
  if (elasticity !== 0n && denominator === 0n) return "holocene params cannot have a 0 denominator unless elasticity is also 0";
  return { denominator, elasticity, minBaseFee: f.jovian ? bytesToBigint(extra.subarray(9, 17)) : undefined };
}

// ---------------------------------------------------------------------------------------------
// Matching

/** The "attributes" side, built from the local block. */
export interface Expected {
  parentHash: Hash;
  timestamp: bigint;
  prevRandao: Hash;
  txHashes: readonly Hash[];
  gasLimit: bigint;
  local: LocalHeader;
}

/** The attributes of a local block, with the transaction list each attempt sets. */
export function expectedOf(local: LocalHeader): Omit<Expected, "txHashes"> {
  return { parentHash: local.parentHash, timestamp: local.timestamp, prevRandao: local.mixHash, gasLimit: local.gasLimit, local };
}

/**
 * The received transactions' hashes, computed once on first use; or SAME_BLOCK when the caller knows
 * the received block *is* the local one (equal block hashes: the header commits to the transactions
 * root), so the transaction step has nothing to compare and nothing needs hashing.
 */
export type ReceivedTxHashes = (() => Hex[]) | typeof SAME_BLOCK;
export const SAME_BLOCK = "same-block";

export function receivedTxHashes(received: ReceivedBlock): () => Hex[] {
  let cached: Hex[] | undefined;
  return () => (cached ??= received.payload.transactions.map((tx) => toHex(keccak256(tx))));
}

const lower = (h: string): string => h.toLowerCase();
const show = (b: Uint8Array | undefined): string => (b === undefined ? "absent" : toHex(b));
const miss = (field: string, expected: string, got: string): Mismatch => ({ kind: "mismatch", field, expected, got });

/** op-node AttributesMatchBlock: the first differing field in its order, or undefined when all match. */
export function matchBlock(f: ConsolidationForks, want: Expected, received: ReceivedBlock, rxHashes: ReceivedTxHashes): Mismatch | undefined {
  const p = received.payload;
  const local = want.local;

  // 1. l.32 parentHash (op-node: the derived chain's parent, onto.Hash; ours: the local block's parent)
  if (lower(want.parentHash) !== toHex(p.parentHash)) return miss("parentHash", lower(want.parentHash), toHex(p.parentHash));
  // 2. l.35 timestamp
  if (want.timestamp !== p.timestamp) return miss("timestamp", want.timestamp.toString(), p.timestamp.toString());
  // 3. l.38 prevRandao (JSON mixHash)
  if (lower(want.prevRandao) !== toHex(p.prevRandao)) return miss("prevRandao", lower(want.prevRandao), toHex(p.prevRandao));
  // 4. l.41-61 transactions: the count, then each EIP-2718 encoding, deposits included. op-node
  //    compares bytes; we compare keccak256 of the received bytes with the hash op-geth reports for
  //    the local one, which is the same test. (kona decodes both sides and compares envelopes.)
  if (rxHashes !== SAME_BLOCK) {
    if (want.txHashes.length !== p.transactions.length)
      return miss("transactions.length", want.txHashes.length.toString(), p.transactions.length.toString());
    const got = rxHashes();
    for (let i = 0; i < want.txHashes.length; i++) {
      if (lower(want.txHashes[i]!) !== got[i]) return miss(`transactions[${i}]`, lower(want.txHashes[i]!), got[i]!);
    }
  }
  // 5. l.62-67 gasLimit (op-node first requires attrs.GasLimit != nil; a local block always has one)
  if (want.gasLimit !== p.gasLimit) return miss("gasLimit", want.gasLimit.toString(), p.gasLimit.toString());
  // 6. l.68 checkWithdrawals (l.149-189), forks evaluated at the block's timestamp
  const w = checkWithdrawals(f, local, received);
  if (w) return w;
  // 7. l.71 checkParentBeaconBlockRootMatch (l.84-97): both absent, or both present and equal
  const lp = local.parentBeaconBlockRoot === undefined ? undefined : fromHex(local.parentBeaconBlockRoot);
  const rp = received.parentBeaconBlockRoot;
  if ((lp === undefined) !== (rp === undefined) || (lp !== undefined && rp !== undefined && !equalBytes(lp, rp)))
    return miss("parentBeaconBlockRoot", show(lp), show(rp));
  // 8. l.74 feeRecipient (JSON miner)
  if (lower(local.miner) !== toHex(p.feeRecipient)) return miss("feeRecipient", lower(local.miner), toHex(p.feeRecipient));
  // 9. l.77 checkExtraDataParamsMatch (l.99-145)
  return checkExtraData(f, local, p.extraData);
}

function checkWithdrawals(f: ConsolidationForks, local: LocalHeader, received: ReceivedBlock): Mismatch | undefined {
  const rw = received.payload.withdrawals;
  if (f.canyon) {
    // l.162 block withdrawals non-nil and empty, then l.165 the attributes' (= local block's)
    if (rw === undefined || rw.length !== 0) return miss("withdrawals", "[]", rw === undefined ? "absent" : `${rw.length} withdrawals`);
    const lw = local.withdrawals;
    if (lw === undefined || lw.length !== 0) return miss("local.withdrawals", "[]", lw === undefined ? "absent" : `${lw.length} withdrawals`);
    // l.168-173 pre-Isthmus the block's withdrawalsRoot, if set, is the empty-trie root. (kona
    // requires it set; op-node accepts nil, and a v2/v3 payload carries none.)
    const root = received.payload.withdrawalsRoot;
    if (!f.isthmus && root !== undefined && toHex(root) !== EMPTY_ROOT) return miss("withdrawalsRoot", EMPTY_ROOT, toHex(root));
  } else if (local.withdrawals !== undefined) {
    // l.176 bedrock: the attributes carry no withdrawals list
    return miss("local.withdrawals", "absent", `${local.withdrawals.length} withdrawals`);
  }
  // l.181-186 Isthmus: the block's withdrawalsRoot must be set; its value is an execution result
  // (the L2ToL1MessagePasser storage root) and op-node does not compare it.
  if (f.isthmus && received.payload.withdrawalsRoot === undefined) return miss("withdrawalsRoot", "present", "absent");
  return undefined;
}

function checkExtraData(f: ConsolidationForks, local: LocalHeader, got: Uint8Array): Mismatch | undefined {
  if (!f.holocene) {
    // l.140-143 pre-Holocene attributes carry no EIP1559Params and the block's extraData must be empty.
    // (kona returns Match here without looking at extraData.)
    return got.length === 0 ? undefined : miss("extraData", "0x", toHex(got));
  }
  // l.102-121 the attributes' params. op-node takes them from the SystemConfig and translates (0,0)
  // to the Canyon constants; our local block's header already holds them translated, because op-geth
  // wrote them so when it built it (op-geth miner/worker.go @ 7b56c731 l.254-265). A local header that
  // fails the fork's extraData rules is a local problem (wrong fork config?), reported as such.
  const want = decodeExtraData(f, fromHex(local.extraData));
  if (typeof want === "string") return miss("local.extraData", `valid ${f.jovian ? "Jovian" : "Holocene"} extraData (${want})`, lower(local.extraData));
  // l.124-128 the block's extraData must be valid for its fork, then decoded
  const have = decodeExtraData(f, got);
  if (typeof have === "string") return miss("extraData", lower(local.extraData), toHex(got));
  // l.130-136 denominator and elasticity
  if (want.denominator !== have.denominator || want.elasticity !== have.elasticity)
    return miss(
      "eip1559Params",
      `denominator=${want.denominator} elasticity=${want.elasticity}`,
      `denominator=${have.denominator} elasticity=${have.elasticity}`,
    );
  // l.137-139 Jovian minBaseFee: both nil or equal (kona, as read, ignores it)
  if (want.minBaseFee !== have.minBaseFee) return miss("minBaseFee", want.minBaseFee?.toString() ?? "absent", have.minBaseFee?.toString() ?? "absent");
  return undefined;
}

/**
 * Consolidates a received cross-safe block against the local block at the same height.
 *
 * 1. Full match (op-node `AttributesMatchBlock`) → `match`.
 * 2. Otherwise the interop replacement forms, built from the local block with the same other fields:
 *    - `spec`: its transactions trimmed to the deposits (specs interop/derivation.md "Replacing
 *      Invalid Blocks" after #900, Holocene replacement);
 *    - `op-node`: those deposits plus the optimistic-block deposit carrying the local block's
 *      OutputV0 preimage (`AttributesToReplaceInvalidBlock`; needs the local withdrawalsRoot, i.e.
 *      Isthmus, otherwise this variant is not tried).
 *    Either → `match-deposits-only` with the variant.
 * 3. Otherwise `mismatch` with the first differing field of the *full* attempt (step 1).
 *
 * This form reads the local block with every transaction (`eth_getBlockByNumber(n, true)`);
 * consolidate-hashes.ts decides the same from its header and transaction hashes.
 */
export function consolidate(received: ReceivedBlock, local: RpcBlock, cfg: ConsolidationConfig): ConsolidationResult {
  const f = forksAt(cfg, received.payload.timestamp); // op-node evaluates forks at block.Timestamp
  const rx = receivedTxHashes(received);
  const base = expectedOf(local);

  const full = matchBlock(f, { ...base, txHashes: local.transactions.map((tx) => tx.hash) }, received, rx);
  if (full === undefined) return { kind: "match" };

  const deposits = local.transactions.filter((tx) => tx.type === DEPOSIT_TX_TYPE).map((tx) => tx.hash);
  // Only a block with exactly these many transactions can be a replacement; skip the work otherwise.
  const n = received.payload.transactions.length;
  if (n === deposits.length && matchBlock(f, { ...base, txHashes: deposits }, received, rx) === undefined)
    return { kind: "match-deposits-only", variant: "spec" };
  if (n === deposits.length + 1) {
    const extra = optimisticBlockDepositTx(local);
    if (extra !== undefined && matchBlock(f, { ...base, txHashes: [...deposits, toHex(keccak256(extra))] }, received, rx) === undefined)
      return { kind: "match-deposits-only", variant: "op-node" };
  }
  return full;
}
