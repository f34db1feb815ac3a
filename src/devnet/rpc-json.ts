// JSON shapes exactly as the real nodes serialise them.
//
// Blocks: geth/op-geth internal/ethapi RPCMarshalHeader + RPCMarshalBlock. The result is a Go
// map[string]any, which encoding/json writes with its keys sorted, so we sort too. Fields: header
// fields (number, hash, parentHash, nonce, mixHash, sha3Uncles, logsBloom, stateRoot, miner,
// difficulty, extraData, gasLimit, gasUsed, timestamp, transactionsRoot, receiptsRoot, baseFeePerGas,
// withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconBlockRoot, requestsHash), size,
// transactions, uncles, withdrawals. No totalDifficulty (removed from geth's RPC in 2024, absent in
// op-geth @ 7b56c731 too) and no `requests` (dropped when `requestsRoot` became `requestsHash`).
// Checked against ethereum-optimism/op-geth @ 7b56c731 (2024-10, which still had requestsRoot) and
// an Isthmus-era op-geth-derived internal/ethapi/api.go from the code index (requestsHash).
//
// Transactions: op-geth RPCTransaction (a struct: fields in declaration order, omitempty where
// tagged) filled by newRPCTransaction (op-geth @ 7b56c731 internal/ethapi/api.go l.1569-1700, same in
// the Isthmus-era op-geth-derived copies in the code index): deposits carry sourceHash, mint,
// isSystemTx (only when true), depositReceiptVersion, nonce = the receipt's deposit nonce, and
// gasPrice/v/r/s = 0; 1559 txs carry maxFeePerGas, maxPriorityFeePerGas, accessList, chainId,
// yParity and the effective gasPrice. `mint` is "0x0" rather than omitted for a zero mint: geth's
// rlp decodes a *big.Int field itself (decodeBigInt), so the `rlp:"nil"` tag never yields nil and
// every decoded deposit has a mint — real OP Mainnet L1-info deposits show "mint":"0x0" (fixtures in
// test/fixtures/rpc-blocks/rpc-transactions.json). `blockTimestamp` (after blockNumber) is the field
// upstream geth added to RPCTransaction in 2025 and current op-geth serves (seen on OP Mainnet).
//
// op-node: eth.L1BlockRef / L2BlockRef / BlockID (op-service/eth/id.go) and eth.SyncStatus
// (op-service/eth/sync_status.go), optimism @ abe047af: uint64 as JSON numbers, hashes as 0x-hex.
import { toHex, toQuantity } from "../protocol/hex.ts";
import { DEPOSIT_TX_TYPE } from "../protocol/l1-info.ts";
import type { Hash } from "../protocol/types.ts";
import { DEPOSIT_RECEIPT_VERSION, type DevBlock, type DevTx } from "./block.ts";
import type { SyncStatus } from "./chain.ts";
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH } from "../protocol/header.ts";
import { effectiveGasPrice } from "./tx.ts";
import { l1RefJson, l2RefJson } from "../protocol/block-ref.ts";

type Json = Record<string, unknown>;

export function txToJson(tx: DevTx, block: DevBlock, index: number): Json {
  const loc = { blockHash: block.hash, blockNumber: toQuantity(block.number), blockTimestamp: toQuantity(block.timestamp) };
  if (tx.type === DEPOSIT_TX_TYPE) {
    const d = tx.deposit;
    const o: Json = {
      ...loc,
      from: d.from.toLowerCase(),
      gas: toQuantity(d.gas),
      gasPrice: "0x0",
      hash: tx.hash,
      input: toHex(d.data),
      nonce: toQuantity(tx.depositNonce),
      to: d.to === null ? null : d.to.toLowerCase(),
      transactionIndex: toQuantity(index),
      value: toQuantity(d.value),
      type: "0x7e",
      v: "0x0",
      r: "0x0",
      s: "0x0",
      sourceHash: d.sourceHash,
      mint: toQuantity(d.mint),
    };
    if (d.isSystemTx) o["isSystemTx"] = true;
    o["depositReceiptVersion"] = toQuantity(DEPOSIT_RECEIPT_VERSION);
    return o;
  }
  return {
    ...loc,
    from: tx.from.toLowerCase(),
    gas: toQuantity(tx.gas),
    gasPrice: toQuantity(effectiveGasPrice(tx, block.payload.baseFeePerGas)),
    maxFeePerGas: toQuantity(tx.maxFeePerGas),
    maxPriorityFeePerGas: toQuantity(tx.maxPriorityFeePerGas),
    hash: tx.hash,
    input: toHex(tx.input),
    nonce: toQuantity(tx.nonce),
    to: tx.to.toLowerCase(),
    transactionIndex: toQuantity(index),
    value: toQuantity(tx.value),
    type: "0x2",
    accessList: [],
    chainId: toQuantity(tx.chainId),
    v: toQuantity(tx.yParity),
    r: toQuantity(tx.r),
    s: toQuantity(tx.s),
    yParity: toQuantity(tx.yParity),
  };
}

export function blockToJson(b: DevBlock, fullTx: boolean): Json {
  const p = b.payload;
  const o: Json = {
    baseFeePerGas: toQuantity(p.baseFeePerGas),
    blobGasUsed: toQuantity(p.blobGasUsed ?? 0n),
    difficulty: "0x0",
    excessBlobGas: toQuantity(p.excessBlobGas ?? 0n),
    extraData: toHex(p.extraData),
    gasLimit: toQuantity(p.gasLimit),
    gasUsed: toQuantity(p.gasUsed),
    hash: b.hash,
    logsBloom: toHex(p.logsBloom),
    miner: toHex(p.feeRecipient),
    mixHash: toHex(p.prevRandao),
    nonce: "0x0000000000000000",
    number: toQuantity(b.number),
    parentBeaconBlockRoot: toHex(b.parentBeaconBlockRoot),
    parentHash: b.parentHash,
    receiptsRoot: toHex(p.receiptsRoot),
    requestsHash: toHex(EMPTY_REQUESTS_HASH),
    sha3Uncles: toHex(EMPTY_UNCLE_HASH),
    size: toQuantity(b.size),
    stateRoot: toHex(p.stateRoot),
    timestamp: toQuantity(b.timestamp),
    transactions: fullTx ? b.txs.map((t, i) => txToJson(t, b, i)) : b.txs.map((t) => t.hash),
    transactionsRoot: toHex(b.transactionsRoot),
    uncles: [],
    withdrawals: (p.withdrawals ?? []).map((w) => ({
      index: toQuantity(w.index),
      validatorIndex: toQuantity(w.validatorIndex),
      address: toHex(w.address),
      amount: toQuantity(w.amount),
    })),
    withdrawalsRoot: toHex(p.withdrawalsRoot!),
  };
  return o;
}

export function syncStatusToJson(s: SyncStatus): Json {
  return {
    current_l1: l1RefJson(s.current_l1),
    current_l1_finalized: l1RefJson(s.current_l1_finalized),
    head_l1: l1RefJson(s.head_l1),
    safe_l1: l1RefJson(s.safe_l1),
    finalized_l1: l1RefJson(s.finalized_l1),
    unsafe_l2: l2RefJson(s.unsafe_l2),
    safe_l2: l2RefJson(s.safe_l2),
    finalized_l2: l2RefJson(s.finalized_l2),
    pending_safe_l2: l2RefJson(s.pending_safe_l2),
    local_safe_l2: l2RefJson(s.local_safe_l2),
  };
}

/** 32-byte word of a value (eth_getStorageAt / eth_call results). */
export function word(v: bigint): Hash {
  return `0x${v.toString(16).padStart(64, "0")}`;
}
