// Block hash recomputed from a gossiped payload, as op-node's ExecutionPayloadEnvelope.CheckBlockHash
// builds the geth header (op-service/eth/types.go; protocol notes §4.4): empty ommers, zero
// difficulty and nonce, tx root = ordered trie of the raw txs, and by fork:
//   v2/v3: withdrawalsHash = trie root of the withdrawals (the empty root on OP chains)
//   v4 (Isthmus): withdrawalsHash = payload.withdrawalsRoot, requestsHash = sha256("")
//   v3+: blobGasUsed, excessBlobGas, parentBeaconRoot
// Optional fields are appended in geth's order: withdrawalsHash, blobGasUsed, excessBlobGas,
// parentBeaconRoot, requestsHash.
import { keccak256 } from "./keccak/index.ts";
import { rlpEncode, rlpUint, type RlpItem } from "./rlp.ts";
import { orderedTrieRoot } from "./trie.ts";
import type { ExecutionPayload, Withdrawal } from "./types.ts";

/** keccak256(rlp([])) */
export const EMPTY_UNCLE_HASH = Uint8Array.from([
  0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13,
  0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47,
]);
/** sha256("") — EIP-7685 requests hash of an empty request list (OP Isthmus exec-engine spec). */
export const EMPTY_REQUESTS_HASH = Uint8Array.from([
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
  0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);
const ZERO_NONCE = new Uint8Array(8);

/** A withdrawal as geth RLP-encodes it: [index, validatorIndex, address, amount]. */
export function withdrawalRlp(w: Withdrawal): RlpItem {
  return [rlpUint(w.index), rlpUint(w.validatorIndex), w.address, rlpUint(w.amount)];
}

export function withdrawalsRootOf(ws: readonly Withdrawal[]): Uint8Array {
  return orderedTrieRoot(ws.map((w) => rlpEncode(withdrawalRlp(w))));
}

/** The header fields a payload implies, as an RLP list (exported for tests and the devnet). */
export function headerFields(p: ExecutionPayload, parentBeaconBlockRoot?: Uint8Array, transactionsRoot?: Uint8Array): RlpItem[] {
  const fields: RlpItem[] = [
    p.parentHash,
    EMPTY_UNCLE_HASH,
    p.feeRecipient,
    p.stateRoot,
    transactionsRoot ?? orderedTrieRoot(p.transactions),
    p.receiptsRoot,
    p.logsBloom,
    rlpUint(0), // difficulty
    rlpUint(p.blockNumber),
    rlpUint(p.gasLimit),
    rlpUint(p.gasUsed),
    rlpUint(p.timestamp),
    p.extraData,
    p.prevRandao,
    ZERO_NONCE,
    rlpUint(p.baseFeePerGas),
  ];
  // Optional tail: a later field forces the earlier ones to be present (geth rlp "optional").
  const withdrawalsHash = p.withdrawalsRoot ?? (p.withdrawals ? withdrawalsRootOf(p.withdrawals) : undefined);
  const requestsHash = p.withdrawalsRoot ? EMPTY_REQUESTS_HASH : undefined;
  const tail: (RlpItem | undefined)[] = [
    withdrawalsHash,
    p.blobGasUsed === undefined ? undefined : rlpUint(p.blobGasUsed),
    p.excessBlobGas === undefined ? undefined : rlpUint(p.excessBlobGas),
    parentBeaconBlockRoot,
    requestsHash,
  ];
  let last = tail.length - 1;
  while (last >= 0 && tail[last] === undefined) last--;
  for (let i = 0; i <= last; i++) fields.push(tail[i] ?? new Uint8Array(0));
  return fields;
}

export function computeBlockHash(p: ExecutionPayload, parentBeaconBlockRoot?: Uint8Array): Uint8Array {
  return keccak256(rlpEncode(headerFields(p, parentBeaconBlockRoot)));
}
