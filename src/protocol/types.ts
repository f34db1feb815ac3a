// Core protocol types. Hex strings are branded template literals; integers that are uint64 or
// uint256 on the wire are bigint so nothing silently loses precision.

export type Hex = `0x${string}`;
/** 20-byte address, 0x-prefixed (checksummed or lowercase; compare with `sameAddress`). */
export type Address = `0x${string}`;
/** 32-byte hash, 0x-prefixed lowercase. */
export type Hash = `0x${string}`;

/** Gossip topic versions: blocksv1..v4 (Bellatrix, Canyon, Ecotone, Isthmus). The cross-safe topic uses v4. */
export type BlockVersion = 1 | 2 | 3 | 4;

export interface Withdrawal {
  index: bigint;
  validatorIndex: bigint;
  address: Uint8Array; // 20 bytes
  amount: bigint; // Gwei
}

/**
 * An SSZ ExecutionPayload as carried in gossip (op-node `op-service/eth/ssz.go`).
 * Byte fields are views into the decoded buffer (zero copy); fields absent in a version are undefined.
 */
export interface ExecutionPayload {
  parentHash: Uint8Array; // 32
  feeRecipient: Uint8Array; // 20
  stateRoot: Uint8Array; // 32
  receiptsRoot: Uint8Array; // 32
  logsBloom: Uint8Array; // 256
  prevRandao: Uint8Array; // 32
  blockNumber: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  extraData: Uint8Array; // <= 32
  baseFeePerGas: bigint; // uint256
  blockHash: Uint8Array; // 32
  transactions: Uint8Array[];
  /** v2+ */
  withdrawals?: Withdrawal[];
  /** v3+ */
  blobGasUsed?: bigint;
  /** v3+ */
  excessBlobGas?: bigint;
  /** v4 (Isthmus) */
  withdrawalsRoot?: Uint8Array;
}

/** A decoded gossip envelope: signature ‖ (v3+: parentBeaconBlockRoot) ‖ SSZ payload. */
export interface SignedEnvelope {
  version: BlockVersion;
  /** 65 bytes r ‖ s ‖ yParity */
  signature: Uint8Array;
  /** v3+ */
  parentBeaconBlockRoot?: Uint8Array;
  payload: ExecutionPayload;
  /** The signed bytes: decompressed[65:] (parent beacon root ‖ payload on v3+). */
  signedBytes: Uint8Array;
}
