// Signed EIP-1559 (type 0x02) transactions for the devnet's L1 and L2 users.
// Signing hash = keccak256(0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to,
// value, data, accessList])) (EIP-1559); the raw bytes append [yParity, r, s] and are produced by the
// shared encoder (src/protocol/rpc-block.ts rpcTransactionToRaw), so what we serve as JSON is, by
// construction, what that encoder turns back into these bytes.
import { bytesToBigint, concatBytes } from "../protocol/bytes.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import { rlpEncode, rlpUint } from "../protocol/rlp.ts";
import { rpcTransactionToRaw } from "../protocol/rpc-tx-raw.ts";
import { addressOfPrivateKey, signHash } from "../protocol/signature.ts";
import type { Address, Hash, Hex } from "../protocol/types.ts";

export interface DynamicFeeTxFields {
  chainId: bigint;
  nonce: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  gas: bigint;
  to: Address;
  value: bigint;
  input: Uint8Array;
}

export interface SignedDynamicFeeTx extends DynamicFeeTxFields {
  type: 2;
  from: Address;
  yParity: 0 | 1;
  r: bigint;
  s: bigint;
  raw: Uint8Array;
  hash: Hash;
}

export function signDynamicFeeTx(fields: DynamicFeeTxFields, privateKey: Hex): SignedDynamicFeeTx {
  const unsigned = concatBytes(
    Uint8Array.of(2),
    rlpEncode([
      rlpUint(fields.chainId),
      rlpUint(fields.nonce),
      rlpUint(fields.maxPriorityFeePerGas),
      rlpUint(fields.maxFeePerGas),
      rlpUint(fields.gas),
      fromHex(fields.to),
      rlpUint(fields.value),
      fields.input,
      [],
    ]),
  );
  const key = fromHex(privateKey);
  const sig = signHash(keccak256(unsigned), key);
  const yParity = sig[64] as 0 | 1;
  const r = bytesToBigint(sig.subarray(0, 32));
  const s = bytesToBigint(sig.subarray(32, 64));
  const raw = rpcTransactionToRaw({
    type: 2,
    chainId: fields.chainId,
    nonce: fields.nonce,
    maxPriorityFeePerGas: fields.maxPriorityFeePerGas,
    maxFeePerGas: fields.maxFeePerGas,
    gas: fields.gas,
    to: fields.to,
    value: fields.value,
    input: toHex(fields.input),
    accessList: [],
    yParity: BigInt(yParity),
    r,
    s,
  });
  return { ...fields, type: 2, from: addressOfPrivateKey(key), yParity, r, s, raw, hash: toHex(keccak256(raw)) };
}

/** EIP-1559 effective gas price as op-geth reports it for a mined tx: min(tip + baseFee, feeCap). */
export function effectiveGasPrice(tx: Pick<DynamicFeeTxFields, "maxPriorityFeePerGas" | "maxFeePerGas">, baseFee: bigint): bigint {
  const p = tx.maxPriorityFeePerGas + baseFee;
  return p < tx.maxFeePerGas ? p : tx.maxFeePerGas;
}
