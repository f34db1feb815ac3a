// The gossip payload of a block read over JSON-RPC (op-geth eth_getBlockByNumber(n, true)): what a
// sequencer's publisher signs. The inverse of op-node's payload → block conversion; the block hash
// check in tests proves it loses nothing.
import { fromHex } from "./hex.ts";
import type { RpcBlock } from "./rpc-block.ts";
import { rawTransactionsOf } from "./rpc-tx-raw.ts";
import type { BlockVersion, ExecutionPayload } from "./types.ts";

export interface PayloadWithRoot {
  payload: ExecutionPayload;
  parentBeaconBlockRoot?: Uint8Array;
}

export type PayloadFromRpcResult = ({ ok: true } & PayloadWithRoot) | { ok: false; error: string };

export function payloadFromRpcBlock(b: RpcBlock, version: BlockVersion): PayloadFromRpcResult {
  if (b.baseFeePerGas === undefined) return { ok: false, error: "block has no baseFeePerGas (pre-London)" };
  const payload: ExecutionPayload = {
    parentHash: fromHex(b.parentHash),
    feeRecipient: fromHex(b.miner),
    stateRoot: fromHex(b.stateRoot),
    receiptsRoot: fromHex(b.receiptsRoot),
    logsBloom: fromHex(b.logsBloom),
    prevRandao: fromHex(b.mixHash),
    blockNumber: b.number,
    gasLimit: b.gasLimit,
    gasUsed: b.gasUsed,
    timestamp: b.timestamp,
    extraData: fromHex(b.extraData),
    baseFeePerGas: b.baseFeePerGas,
    blockHash: fromHex(b.hash),
    transactions: rawTransactionsOf(b),
  };
  if (version >= 2) {
    if (!b.withdrawals) return { ok: false, error: `v${version} needs the block's withdrawals list` };
    payload.withdrawals = b.withdrawals.map((w) => ({ index: w.index, validatorIndex: w.validatorIndex, address: fromHex(w.address), amount: w.amount }));
  }
  if (version >= 3) {
    if (b.blobGasUsed === undefined || b.excessBlobGas === undefined) return { ok: false, error: `v${version} needs blobGasUsed and excessBlobGas` };
    payload.blobGasUsed = b.blobGasUsed;
    payload.excessBlobGas = b.excessBlobGas;
  }
  if (version === 4) {
    if (!b.withdrawalsRoot) return { ok: false, error: "v4 needs withdrawalsRoot (Isthmus)" };
    payload.withdrawalsRoot = fromHex(b.withdrawalsRoot);
  }
  if (version >= 3) {
    if (!b.parentBeaconBlockRoot) return { ok: false, error: `v${version} needs parentBeaconBlockRoot` };
    return { ok: true, payload, parentBeaconBlockRoot: fromHex(b.parentBeaconBlockRoot) };
  }
  return { ok: true, payload };
}
