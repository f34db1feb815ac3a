// Block and transaction records of the devnet chain model, and the parts every block shares:
// sealing (header hash via src/protocol/header.ts, transactions root, geth's block size), receipts
// (root and bloom), and op-geth's EIP-1559 base fee rule.
import { bigintToBytes, concatBytes } from "../protocol/bytes.ts";
import { headerFields, withdrawalRlp } from "../protocol/header.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import { DEPOSIT_TX_TYPE, type DepositTx } from "../protocol/l1-info.ts";
import { rlpEncode, rlpUint, type RlpItem } from "../protocol/rlp.ts";
import { orderedTrieRoot } from "../protocol/trie.ts";
import type { Address, ExecutionPayload, Hash } from "../protocol/types.ts";
import type { SignedDynamicFeeTx } from "./tx.ts";

export interface BlockId {
  hash: Hash;
  number: bigint;
}

export interface Log {
  address: Address;
  topics: Hash[];
  data: Uint8Array;
}

interface TxCommon {
  raw: Uint8Array;
  hash: Hash;
  /** Gas this transaction used (the receipt's share of cumulativeGasUsed). */
  gasUsed: bigint;
  logs: Log[];
}

export type DepositRole = "l1-info" | "user-deposit" | "optimistic-block";

export interface DepositTxRecord extends TxCommon {
  type: 0x7e;
  role: DepositRole;
  deposit: DepositTx;
  /** The sender's nonce before the deposit ran (op-geth receipt DepositNonce; the JSON `nonce`). */
  depositNonce: bigint;
}

export interface UserTxRecord extends TxCommon, SignedDynamicFeeTx {}

export type DevTx = DepositTxRecord | UserTxRecord;

/** op-geth DepositReceiptVersion from Canyon on (core/types/receipt.go CanyonDepositReceiptVersion). */
export const DEPOSIT_RECEIPT_VERSION = 1n;

interface BlockBase {
  hash: Hash;
  number: bigint;
  parentHash: Hash;
  timestamp: bigint;
  /** Every header input (blockHash included): the v4 payload for L2, the equivalent for L1. */
  payload: ExecutionPayload;
  parentBeaconBlockRoot: Uint8Array;
  transactionsRoot: Uint8Array;
  /** geth Block.Size(): length of rlp([header, txs, uncles, withdrawals]). */
  size: bigint;
  txs: DevTx[];
  /** Account nonces (lowercase address → next nonce) after this block. */
  nonces: ReadonlyMap<string, bigint>;
}

/** A user deposit emitted by an L1 block (OptimismPortal TransactionDeposited event). */
export interface L1Deposit {
  logIndex: bigint;
  from: Address;
  to: Address;
  mint: bigint;
  value: bigint;
  gasLimit: bigint;
  data: Uint8Array;
}

export interface L1Block extends BlockBase {
  layer: "l1";
  deposits: L1Deposit[];
  /** Which rebuild of this height this is (0 = original, >0 after reorgL1). */
  salt: number;
}

export type L2BlockKind = "genesis" | "normal" | "replacement" | "equivocation";

export interface L2Block extends BlockBase {
  layer: "l2";
  l1Origin: BlockId;
  sequenceNumber: bigint;
  kind: L2BlockKind;
  /** For kind "replacement": the block it replaces and which rule built it (protocol notes §5.4). */
  replaces?: Hash;
  variant?: ReplacementVariant;
  /** Which rebuild of this height this is (0 = original; reorgs and equivocations use others). */
  salt: number;
}

/** "spec": deposits only (specs interop/derivation.md after #900); "op-node": deposits + optimistic-block deposit. */
export type ReplacementVariant = "spec" | "op-node";

export type DevBlock = L1Block | L2Block;

/** Intrinsic gas of a call with this calldata (21000 + 4 per zero byte + 16 per non-zero byte). */
export function intrinsicGas(data: Uint8Array): bigint {
  let g = 21_000n;
  for (const b of data) g += b === 0 ? 4n : 16n;
  return g;
}

// ---------------------------------------------------------------------------------------------
// Receipts

/** geth types.Bloom: 3 bits per address/topic, from keccak256 byte pairs (Yellow Paper §4.3.1). */
export function addToBloom(bloom: Uint8Array, value: Uint8Array): void {
  const h = keccak256(value);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
    bloom[256 - 1 - (bit >> 3)]! |= 1 << (bit & 7);
  }
}

export function logsBloom(logs: readonly Log[]): Uint8Array {
  const bloom = new Uint8Array(256);
  for (const l of logs) {
    addToBloom(bloom, fromHex(l.address));
    for (const t of l.topics) addToBloom(bloom, fromHex(t));
  }
  return bloom;
}

/**
 * Receipts root and block bloom. Typed receipts are `type ‖ rlp([status, cumulativeGasUsed, bloom,
 * logs])`; op-geth deposit receipts append depositNonce and depositReceiptVersion (core/types/receipt.go
 * depositReceiptRLP).
 */
export function receiptsOf(txs: readonly DevTx[]): { receiptsRoot: Uint8Array; logsBloom: Uint8Array; gasUsed: bigint } {
  let cumulative = 0n;
  const blockBloom = new Uint8Array(256);
  const encoded = txs.map((tx) => {
    cumulative += tx.gasUsed;
    const bloom = logsBloom(tx.logs);
    for (let i = 0; i < 256; i++) blockBloom[i]! |= bloom[i]!;
    const logs: RlpItem[] = tx.logs.map((l) => [fromHex(l.address), l.topics.map((t) => fromHex(t)), l.data]);
    const fields: RlpItem[] = [rlpUint(1), rlpUint(cumulative), bloom, logs];
    if (tx.type === DEPOSIT_TX_TYPE) fields.push(rlpUint(tx.depositNonce), rlpUint(DEPOSIT_RECEIPT_VERSION));
    return concatBytes(Uint8Array.of(tx.type), rlpEncode(fields));
  });
  return { receiptsRoot: orderedTrieRoot(encoded), logsBloom: blockBloom, gasUsed: cumulative };
}

// ---------------------------------------------------------------------------------------------
// Sealing

export interface Sealed {
  hash: Hash;
  payload: ExecutionPayload;
  transactionsRoot: Uint8Array;
  size: bigint;
}

/**
 * Computes the block hash exactly as op-node's CheckBlockHash / geth's Header.Hash do (through
 * src/protocol/header.ts headerFields: withdrawalsRoot given ⇒ requestsHash = sha256("")), and the
 * block size as geth's Block.Size (rlp of header, txs as typed-envelope strings, no uncles, withdrawals).
 */
export function seal(payload: Omit<ExecutionPayload, "blockHash">, parentBeaconBlockRoot: Uint8Array): Sealed {
  const transactionsRoot = orderedTrieRoot(payload.transactions);
  const header = headerFields({ ...payload, blockHash: new Uint8Array(32) }, parentBeaconBlockRoot, transactionsRoot);
  const headerRlp = rlpEncode(header);
  const blockHash = keccak256(headerRlp);
  const withdrawals: RlpItem[] = (payload.withdrawals ?? []).map(withdrawalRlp);
  const size = rlpEncode([header, payload.transactions.slice(), [], withdrawals]).length;
  return { hash: toHex(blockHash), payload: { ...payload, blockHash }, transactionsRoot, size: BigInt(size) };
}

// ---------------------------------------------------------------------------------------------
// Fees and extraData

export interface BaseFeeParams {
  denominator: bigint;
  elasticity: bigint;
  /** Jovian minimum (extraData v1); undefined before Jovian. */
  minBaseFee?: bigint;
}

/**
 * geth consensus/misc/eip1559 CalcBaseFee with op-geth's per-block parameters (Holocene: from the
 * parent's extraData; Jovian: clamped to minBaseFee, and the parent's gas usage counted as
 * max(gasUsed, blobGasUsed) because Jovian's blobGasUsed holds the DA footprint).
 */
export function nextBaseFee(parent: { gasLimit: bigint; gasUsed: bigint; baseFeePerGas: bigint; blobGasUsed?: bigint | undefined }, p: BaseFeeParams): bigint {
  const target = parent.gasLimit / p.elasticity;
  let used = parent.gasUsed;
  if (p.minBaseFee !== undefined && parent.blobGasUsed !== undefined && parent.blobGasUsed > used) used = parent.blobGasUsed;
  let fee: bigint;
  if (used === target) fee = parent.baseFeePerGas;
  else if (used > target) {
    let delta = (parent.baseFeePerGas * (used - target)) / target / p.denominator;
    if (delta < 1n) delta = 1n;
    fee = parent.baseFeePerGas + delta;
  } else {
    const delta = (parent.baseFeePerGas * (target - used)) / target / p.denominator;
    fee = parent.baseFeePerGas - delta;
    if (fee < 0n) fee = 0n;
  }
  if (p.minBaseFee !== undefined && fee < p.minBaseFee) fee = p.minBaseFee;
  return fee;
}

/** Holocene extraData: 0x00 ‖ denominator u32 ‖ elasticity u32; Jovian: 0x01 ‖ … ‖ minBaseFee u64 (big-endian). */
export function optimismExtraData(p: BaseFeeParams): Uint8Array {
  const head = concatBytes(bigintToBytes(p.denominator, 4), bigintToBytes(p.elasticity, 4));
  if (p.minBaseFee === undefined) return concatBytes(Uint8Array.of(0), head);
  return concatBytes(Uint8Array.of(1), head, bigintToBytes(p.minBaseFee, 8));
}
