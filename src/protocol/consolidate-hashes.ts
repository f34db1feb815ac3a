// Consolidation on hashes, not bodies: the same verdicts as consolidate.ts `consolidate`, from the
// local block as `eth_getBlockByNumber(n, false)` gives it (header members and the transactions'
// hashes) plus, for a deposits-only replacement only, one transaction's type.
//
// Why it is enough:
// - Full match. The received payload's block hash is its own header's (validate.ts recomputes it,
//   as op-node's CheckBlockHash), and a header commits to the transactions root, hence to every
//   transaction. So equal block hashes mean equal transactions: that step needs no hashing at all.
//   Otherwise op-node's step 4 compares the transactions one by one, which is exactly a comparison
//   of keccak256(received bytes) with the local hashes; the other fields come from the header.
// - Deposits-only replacement. Its transactions are the local block's deposits (then, op-node
//   variant, the optimistic-block deposit). A received transaction whose hash is the local one at
//   the same index has the same bytes, so the same type byte: the received block says which local
//   transactions are deposits. What hashes cannot say is whether the local deposits *end* there,
//   i.e. that the local transaction at that index is not a deposit too. `consolidateOnHashes`
//   returns that index; the caller reads that one transaction's type and `settleDepositsEnd` decides.
//
// Assumption, stated: the local block's deposits are a prefix of its transactions. op-node builds
// every derived block so (op-node/rollup/derive/attributes.go PreparePayloadAttributes: L1 info
// deposit, user deposits, upgrade transactions, then the batch's transactions, which may not be
// deposits: derive/batches.go rejects a batch carrying one), and only derived (local-safe) blocks
// are compared. consolidate.ts collects deposits wherever they are (op-node
// AttributesToReplaceInvalidBlock does); on a derived block that is the same list.
import { DEPOSIT_TX_TYPE } from "./l1-info.ts";
import {
  expectedOf,
  forksAt,
  matchBlock,
  optimisticBlockDepositTx,
  receivedTxHashes,
  SAME_BLOCK,
  type ConsolidationConfig,
  type ConsolidationResult,
  type Mismatch,
  type ReceivedBlock,
} from "./consolidate.ts";
import { toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import type { RpcBlockHashes } from "./rpc-block.ts";
import type { Hash } from "./types.ts";

type DepositsOnly = Extract<ConsolidationResult, { kind: "match-deposits-only" }>;

export type ConsolidationStep =
  | { kind: "decided"; result: ConsolidationResult }
  /**
   * A replacement matched up to where the local deposits end: `ifEnd` when the local transaction at
   * `index` (whose hash is `txHash`) is not a deposit, `otherwise` (the full attempt's mismatch) when it is.
   */
  | { kind: "confirm-deposits-end"; index: number; txHash: Hash; ifEnd: DepositsOnly; otherwise: Mismatch };

const decided = (result: ConsolidationResult): ConsolidationStep => ({ kind: "decided", result });

function allDeposits(txs: readonly Uint8Array[], count: number): boolean {
  for (let i = 0; i < count; i++) if (txs[i]![0] !== DEPOSIT_TX_TYPE) return false;
  return true;
}

/**
 * Consolidates `received` against the local block's header and transaction hashes. Precondition:
 * `received.payload.blockHash` is the hash of the received header (a validated envelope's is).
 */
export function consolidateOnHashes(received: ReceivedBlock, local: RpcBlockHashes, cfg: ConsolidationConfig): ConsolidationStep {
  const f = forksAt(cfg, received.payload.timestamp);
  const base = expectedOf(local);
  const sameBlock = toHex(received.payload.blockHash) === local.hash;
  const rx = sameBlock ? SAME_BLOCK : receivedTxHashes(received);
  const full = matchBlock(f, { ...base, txHashes: local.transactions }, received, rx);
  if (full === undefined) return decided({ kind: "match" });
  // The same block cannot also be a replacement of itself: its attempts would compare the same lists.
  if (sameBlock) return decided(full);

  const txs = received.payload.transactions;
  const m = txs.length;
  const endAt = (k: number, ifEnd: DepositsOnly): ConsolidationStep =>
    k === local.transactions.length ? decided(ifEnd) : { kind: "confirm-deposits-end", index: k, txHash: local.transactions[k]!, ifEnd, otherwise: full };
  // spec: the received transactions are the local block's first m, all deposits, and no more deposits follow.
  if (m <= local.transactions.length && allDeposits(txs, m) && matchBlock(f, { ...base, txHashes: local.transactions.slice(0, m) }, received, rx) === undefined)
    return endAt(m, { kind: "match-deposits-only", variant: "spec" });
  // op-node: the local block's first m-1 (deposits, and all of them), then the optimistic-block deposit.
  // (When the spec attempt matched above, local transaction m-1 is a deposit, so this one cannot.)
  if (m >= 1 && m - 1 <= local.transactions.length && allDeposits(txs, m - 1)) {
    const extra = optimisticBlockDepositTx(local);
    if (extra !== undefined && matchBlock(f, { ...base, txHashes: [...local.transactions.slice(0, m - 1), toHex(keccak256(extra))] }, received, rx) === undefined)
      return endAt(m - 1, { kind: "match-deposits-only", variant: "op-node" });
  }
  return decided(full);
}

/** The verdict once the type of the local transaction at `step.index` is known. */
export function settleDepositsEnd(step: Extract<ConsolidationStep, { kind: "confirm-deposits-end" }>, localTxType: number): ConsolidationResult {
  return localTxType === DEPOSIT_TX_TYPE ? step.otherwise : step.ifEnd;
}
