// A valid v4 block of a chosen size for op-node's validator: random opaque transactions (op-node
// hashes transactions as opaque bytes, eth.ExecutionPayloadEnvelope.CheckBlockHash), the hash the header
// implies, empty withdrawals, zero blob gas, a withdrawals root. Incompressible, so the gossip message
// is as large as the block.
import { encodeSignedBytes } from "../../../src/protocol/envelope.ts";
import { computeBlockHash } from "../../../src/protocol/header.ts";
import type { ExecutionPayload } from "../../../src/protocol/types.ts";

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
}

export interface BigBlock {
  payload: ExecutionPayload;
  parentBeaconBlockRoot: Uint8Array;
  /** parentBeaconBlockRoot ‖ SSZ v4 payload */
  signedBytes: Uint8Array;
}

/** A block whose transactions add up to `bytes` (its signed bytes are ≈ 700 bytes longer), at `number`, stamped `timestamp`. */
export function bigBlock(bytes: number, number: bigint, timestamp: bigint): BigBlock {
  const txSize = 512 * 1024;
  const txs: Uint8Array[] = [];
  for (let left = bytes; left > 0; left -= txSize) txs.push(randomBytes(Math.min(txSize, left)));
  const payload: ExecutionPayload = {
    parentHash: randomBytes(32),
    feeRecipient: randomBytes(20),
    stateRoot: randomBytes(32),
    receiptsRoot: randomBytes(32),
    logsBloom: new Uint8Array(256),
    prevRandao: randomBytes(32),
    blockNumber: number,
    gasLimit: 60_000_000n,
    gasUsed: 30_000_000n,
    timestamp,
    extraData: new Uint8Array(0),
    baseFeePerGas: 1_000_000n,
    blockHash: new Uint8Array(32),
    transactions: txs,
    withdrawals: [],
    blobGasUsed: 0n,
    excessBlobGas: 0n,
    withdrawalsRoot: randomBytes(32),
  };
  const parentBeaconBlockRoot = randomBytes(32);
  payload.blockHash = computeBlockHash(payload, parentBeaconBlockRoot);
  return { payload, parentBeaconBlockRoot, signedBytes: encodeSignedBytes(payload, 4, parentBeaconBlockRoot) };
}
