// The exact EIP-2718 bytes of op-geth's RPC transaction objects (rpc-block.ts parses them). The
// encodings follow op-geth `core/types`: tx_legacy.go, tx_access_list.go, tx_dynamic_fee.go, tx_blob.go
// (without sidecar, as in blocks), tx_setcode.go (EIP-7702: checked against a go-ethereum-signed type-4
// vector and against viem) and deposit_tx.go (encoded by l1-info.ts `encodeDepositTx`). keccak256 of
// the result must equal the object's `hash`; the tests prove it on real blocks.
import { equalBytes } from "./bytes.ts";
import { fromHex, toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import { DEPOSIT_TX_TYPE, encodeDepositTx } from "./l1-info.ts";
import { rlpEncode, rlpUint, type RlpItem } from "./rlp.ts";
import type {
  RpcAccessListEntry,
  RpcAccessListTransaction,
  RpcBlobTransaction,
  RpcBlock,
  RpcDepositTransaction,
  RpcDynamicFeeTransaction,
  RpcLegacyTransaction,
  RpcSetCodeTransaction,
} from "./rpc-block.ts";
import type { RpcBlockError } from "./rpc-parse.ts";
import type { Address } from "./types.ts";

/** The fields each encoding reads: a full RpcTransaction fits, and so does a hand-built one. */
export type RawTransactionFields =
  | Pick<RpcLegacyTransaction, "type" | "nonce" | "gasPrice" | "gas" | "to" | "value" | "input" | "v" | "r" | "s">
  | Pick<RpcAccessListTransaction, "type" | "chainId" | "nonce" | "gasPrice" | "gas" | "to" | "value" | "input" | "accessList" | "yParity" | "r" | "s">
  | Pick<
      RpcDynamicFeeTransaction,
      "type" | "chainId" | "nonce" | "maxPriorityFeePerGas" | "maxFeePerGas" | "gas" | "to" | "value" | "input" | "accessList" | "yParity" | "r" | "s"
    >
  | Pick<
      RpcBlobTransaction,
      | "type"
      | "chainId"
      | "nonce"
      | "maxPriorityFeePerGas"
      | "maxFeePerGas"
      | "gas"
      | "to"
      | "value"
      | "input"
      | "accessList"
      | "maxFeePerBlobGas"
      | "blobVersionedHashes"
      | "yParity"
      | "r"
      | "s"
    >
  | Pick<
      RpcSetCodeTransaction,
      | "type"
      | "chainId"
      | "nonce"
      | "maxPriorityFeePerGas"
      | "maxFeePerGas"
      | "gas"
      | "to"
      | "value"
      | "input"
      | "accessList"
      | "authorizationList"
      | "yParity"
      | "r"
      | "s"
    >
  | Pick<RpcDepositTransaction, "type" | "sourceHash" | "from" | "to" | "mint" | "value" | "gas" | "isSystemTx" | "input">;

const toItem = (to: Address | null): Uint8Array => (to === null ? new Uint8Array(0) : fromHex(to));

function accessListItem(list: readonly RpcAccessListEntry[]): RlpItem[] {
  return list.map((e) => [fromHex(e.address), e.storageKeys.map((k) => fromHex(k))]);
}

function typedTx(type: number, fields: RlpItem[]): Uint8Array {
  const body = rlpEncode(fields);
  const out = new Uint8Array(1 + body.length);
  out[0] = type;
  out.set(body, 1);
  return out;
}

/**
 * The exact EIP-2718 bytes of a transaction object: the RLP list for legacy, `type ‖ rlp(fields)`
 * otherwise. Blob transactions are encoded without sidecar (the network form is not what blocks and
 * the transactions trie hold). keccak256 of the result is the transaction hash.
 */
export function rpcTransactionToRaw(tx: RawTransactionFields): Uint8Array {
  switch (tx.type) {
    case 0: // core/types/tx_legacy.go: [nonce, gasPrice, gas, to, value, data, v, r, s]; v already holds EIP-155's chainId*2+35+parity
      return rlpEncode([rlpUint(tx.nonce), rlpUint(tx.gasPrice), rlpUint(tx.gas), toItem(tx.to), rlpUint(tx.value), fromHex(tx.input), rlpUint(tx.v), rlpUint(tx.r), rlpUint(tx.s)]);
    case 1: // tx_access_list.go
      return typedTx(1, [
        rlpUint(tx.chainId),
        rlpUint(tx.nonce),
        rlpUint(tx.gasPrice),
        rlpUint(tx.gas),
        toItem(tx.to),
        rlpUint(tx.value),
        fromHex(tx.input),
        accessListItem(tx.accessList),
        rlpUint(tx.yParity),
        rlpUint(tx.r),
        rlpUint(tx.s),
      ]);
    case 2: // tx_dynamic_fee.go
      return typedTx(2, [
        rlpUint(tx.chainId),
        rlpUint(tx.nonce),
        rlpUint(tx.maxPriorityFeePerGas),
        rlpUint(tx.maxFeePerGas),
        rlpUint(tx.gas),
        toItem(tx.to),
        rlpUint(tx.value),
        fromHex(tx.input),
        accessListItem(tx.accessList),
        rlpUint(tx.yParity),
        rlpUint(tx.r),
        rlpUint(tx.s),
      ]);
    case 3: // tx_blob.go (no sidecar)
      return typedTx(3, [
        rlpUint(tx.chainId),
        rlpUint(tx.nonce),
        rlpUint(tx.maxPriorityFeePerGas),
        rlpUint(tx.maxFeePerGas),
        rlpUint(tx.gas),
        fromHex(tx.to),
        rlpUint(tx.value),
        fromHex(tx.input),
        accessListItem(tx.accessList),
        rlpUint(tx.maxFeePerBlobGas),
        tx.blobVersionedHashes.map((h) => fromHex(h)),
        rlpUint(tx.yParity),
        rlpUint(tx.r),
        rlpUint(tx.s),
      ]);
    case 4: // tx_setcode.go; each authorization is [chainId, address, nonce, yParity, r, s]
      return typedTx(4, [
        rlpUint(tx.chainId),
        rlpUint(tx.nonce),
        rlpUint(tx.maxPriorityFeePerGas),
        rlpUint(tx.maxFeePerGas),
        rlpUint(tx.gas),
        fromHex(tx.to),
        rlpUint(tx.value),
        fromHex(tx.input),
        accessListItem(tx.accessList),
        tx.authorizationList.map((a) => [rlpUint(a.chainId), fromHex(a.address), rlpUint(a.nonce), rlpUint(a.yParity), rlpUint(a.r), rlpUint(a.s)]),
        rlpUint(tx.yParity),
        rlpUint(tx.r),
        rlpUint(tx.s),
      ]);
    case DEPOSIT_TX_TYPE:
      // op-geth core/types/deposit_tx.go `DepositTx`, encoded by l1-info.ts: a nil To/Mint is the empty
      // string (`rlp:"nil"`), as is a zero Mint; IsSystemTransaction is an RLP bool (0x80 / 0x01).
      return encodeDepositTx({
        sourceHash: tx.sourceHash,
        from: tx.from,
        to: tx.to,
        mint: tx.mint ?? 0n,
        value: tx.value,
        gas: tx.gas,
        isSystemTx: tx.isSystemTx,
        data: fromHex(tx.input),
      });
  }
}

/** The block's transactions as EIP-2718 bytes, in block order (what the transactions trie and SSZ payload hold). */
export function rawTransactionsOf(block: Pick<RpcBlock, "transactions">): Uint8Array[] {
  return block.transactions.map(rpcTransactionToRaw);
}

/**
 * Checks keccak256(rpcTransactionToRaw(tx)) == tx.hash for every transaction; returns the first
 * failure (path and the two hashes) or undefined. A failure means the node's JSON carries something
 * this encoder does not reproduce, so its bytes must not be trusted.
 */
export function verifyTransactionHashes(block: Pick<RpcBlock, "transactions">): RpcBlockError | undefined {
  for (let i = 0; i < block.transactions.length; i++) {
    const tx = block.transactions[i]!;
    const got = keccak256(rpcTransactionToRaw(tx));
    if (!equalBytes(got, fromHex(tx.hash))) {
      return { path: `block.transactions[${i}]`, message: `re-encoded transaction hashes to ${toHex(got)}, node says ${tx.hash}` };
    }
  }
  return undefined;
}
