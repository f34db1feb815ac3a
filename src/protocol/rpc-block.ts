// op-geth's block JSON as types, and validating parsers that never throw (built from rpc-parse.ts):
// `eth_getBlockByNumber(n, true)` with transaction objects (parseRpcBlock), `(n, false)` with the
// transactions' hashes (parseRpcBlockHashes), and one transaction object (parseRpcTransaction, e.g.
// from eth_getTransactionByBlockHashAndIndex). Their exact EIP-2718 bytes: rpc-tx-raw.ts.
//
// Shape read from op-geth `internal/ethapi/api.go` (ethereum-optimism/op-geth @ 7b56c731, 2024-10):
// `RPCMarshalHeader` (l.1490) and `RPCMarshalBlock` (l.1533) for the block, `RPCTransaction` (l.1569)
// and `newRPCTransaction` (l.1603) for transactions. In particular:
// - every transaction carries `hash`, `from`, `gas`, `gasPrice` (may be null), `input`, `nonce`, `to`
//   (null = contract creation), `value`, `type`, `v`, `r`, `s`; typed (0x1-0x4) ones add `chainId`,
//   `accessList` and `yParity`; `maxFeePerGas`/`maxPriorityFeePerGas` from 0x2 on; `maxFeePerBlobGas`
//   and `blobVersionedHashes` on 0x3; `authorizationList` on 0x4 (upstream geth `RPCTransaction`,
//   `[]types.SetCodeAuthorization`, JSON {chainId, address, nonce, yParity, r, s}).
// - deposits (0x7e) add `sourceHash`, `mint` (omitted when nil), `isSystemTx` ("Only include IsSystemTx
//   when true"), `depositReceiptVersion` (post-Canyon); their `nonce` is the deposit nonce from the
//   receipt and their `v`/`r`/`s`/`gasPrice` are zero or, on pre-Regolith nodes, null. None of those
//   is part of the deposit's bytes.
// - the 1559-style `gasPrice` is the effective price, not a transaction field.

import { DEPOSIT_TX_TYPE } from "./l1-info.ts";
import {
  address,
  array,
  data,
  describe,
  Fail,
  field,
  guard,
  hash,
  isObj,
  nullable,
  object,
  optionalField,
  own,
  quantity,
  u256,
  u64,
  type Obj,
  type RpcParseResult,
} from "./rpc-parse.ts";
import type { Address, Hash, Hex } from "./types.ts";

export { DEPOSIT_TX_TYPE };
export type { RpcBlockError, RpcParseResult } from "./rpc-parse.ts";
export { rawTransactionsOf, rpcTransactionToRaw, verifyTransactionHashes, type RawTransactionFields } from "./rpc-tx-raw.ts";

export interface RpcAccessListEntry {
  address: Address;
  storageKeys: Hash[];
}

/** EIP-7702 authorization tuple as geth serialises `types.SetCodeAuthorization`. */
export interface RpcAuthorization {
  chainId: bigint;
  address: Address;
  nonce: bigint;
  yParity: bigint;
  r: bigint;
  s: bigint;
}

/** Fields every transaction object carries; location fields are null for pending transactions. */
interface RpcTransactionCommon {
  hash: Hash;
  from: Address;
  nonce: bigint;
  gas: bigint;
  /** null = contract creation */
  to: Address | null;
  value: bigint;
  input: Hex;
  /** Legacy/2930: the price signed. 1559-style: the effective price. Deposits: 0 or null. */
  gasPrice: bigint | null;
  blockHash: Hash | null;
  blockNumber: bigint | null;
  transactionIndex: bigint | null;
}

export interface RpcLegacyTransaction extends RpcTransactionCommon {
  type: 0;
  gasPrice: bigint;
  /** Present for EIP-155 transactions (and, in op-geth, for unsigned pre-Bedrock relays). */
  chainId: bigint | null;
  v: bigint;
  r: bigint;
  s: bigint;
}

interface RpcTypedCommon extends RpcTransactionCommon {
  chainId: bigint;
  accessList: RpcAccessListEntry[];
  yParity: bigint;
  r: bigint;
  s: bigint;
}

export interface RpcAccessListTransaction extends RpcTypedCommon {
  type: 1;
  gasPrice: bigint;
}

export interface RpcDynamicFeeTransaction extends RpcTypedCommon {
  type: 2;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface RpcBlobTransaction extends RpcTypedCommon {
  type: 3;
  to: Address;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerBlobGas: bigint;
  blobVersionedHashes: Hash[];
}

export interface RpcSetCodeTransaction extends RpcTypedCommon {
  type: 4;
  to: Address;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  authorizationList: RpcAuthorization[];
}

export interface RpcDepositTransaction extends RpcTransactionCommon {
  type: 0x7e;
  sourceHash: Hash;
  /** null when op-geth omitted `mint` (nil); encodes exactly like 0. */
  mint: bigint | null;
  isSystemTx: boolean;
  depositReceiptVersion: bigint | null;
}

export type RpcTransaction =
  | RpcLegacyTransaction
  | RpcAccessListTransaction
  | RpcDynamicFeeTransaction
  | RpcBlobTransaction
  | RpcSetCodeTransaction
  | RpcDepositTransaction;

export interface RpcWithdrawal {
  index: bigint;
  validatorIndex: bigint;
  address: Address;
  amount: bigint;
}

/** op-geth `RPCMarshalBlock` without its transactions: the header members and the body's uncles and withdrawals. Hex strings are lowercase. */
export interface RpcBlockHeader {
  number: bigint;
  hash: Hash;
  parentHash: Hash;
  nonce: Hex;
  mixHash: Hash;
  sha3Uncles: Hash;
  logsBloom: Hex;
  stateRoot: Hash;
  miner: Address;
  difficulty: bigint;
  extraData: Hex;
  gasLimit: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  transactionsRoot: Hash;
  receiptsRoot: Hash;
  baseFeePerGas?: bigint;
  /** Canyon: the empty-trie root; Isthmus: the L2ToL1MessagePasser storage root. */
  withdrawalsRoot?: Hash;
  blobGasUsed?: bigint;
  excessBlobGas?: bigint;
  parentBeaconBlockRoot?: Hash;
  /** Isthmus (`requestsHash`; op-geth builds before Prague called it `requestsRoot`). */
  requestsHash?: Hash;
  uncles: Hash[];
  withdrawals?: RpcWithdrawal[];
}

/** op-geth `RPCMarshalBlock(block, inclTx=true, fullTx=true)`. */
export interface RpcBlock extends RpcBlockHeader {
  transactions: RpcTransaction[];
}

/** op-geth `RPCMarshalBlock(block, inclTx=true, fullTx=false)`: each transaction as its hash. */
export interface RpcBlockHashes extends RpcBlockHeader {
  transactions: Hash[];
}

// ---------------------------------------------------------------------------------------------
// Parsing

function accessListEntry(v: unknown, path: string): RpcAccessListEntry {
  const o = object(v, path);
  return { address: field(o, "address", path, address), storageKeys: field(o, "storageKeys", path, (x, p) => array(x, p, hash)) };
}

function authorization(v: unknown, path: string): RpcAuthorization {
  const o = object(v, path);
  return {
    chainId: field(o, "chainId", path, u256),
    address: field(o, "address", path, address),
    nonce: field(o, "nonce", path, u64),
    yParity: field(o, "yParity", path, (x, p) => quantity(x, p, 8)),
    r: field(o, "r", path, u256),
    s: field(o, "s", path, u256),
  };
}

/**
 * Signature parity of a typed transaction. geth emits both `v` and `yParity` (equal); older nodes
 * only `v`. geth's own decoder (core/types/transaction_marshalling.go `yParityValue`, l.70) takes
 * `yParity` if present, requires 0 or 1, and requires `v` to agree.
 */
function parity(o: Obj, base: string): bigint {
  const yp = own(o, "yParity");
  const v = own(o, "v");
  const y = yp !== undefined && yp !== null ? quantity(yp, `${base}.yParity`, 64) : v !== undefined && v !== null ? u256(v, `${base}.v`) : undefined;
  if (y === undefined) throw new Fail(`${base}.yParity`, "missing signature parity (neither yParity nor v)");
  if (y !== 0n && y !== 1n) throw new Fail(`${base}.yParity`, `signature parity must be 0 or 1, got ${y}`);
  if (yp !== undefined && yp !== null && v !== undefined && v !== null && u256(v, `${base}.v`) !== y)
    throw new Fail(`${base}.v`, "v and yParity disagree");
  return y;
}

function requiredTo(o: Obj, base: string, type: number): Address {
  const to = nullable(o, "to", base, address);
  if (to === null) throw new Fail(`${base}.to`, `type ${type} transactions cannot create contracts`);
  return to;
}

export function parseRpcTransaction(json: unknown, path = "transaction"): RpcParseResult<RpcTransaction> {
  return guard(() => transaction(json, path));
}

function transaction(v: unknown, base: string): RpcTransaction {
  const o = object(v, base);
  const type = Number(field(o, "type", base, (x, p) => quantity(x, p, 8)));
  const common: RpcTransactionCommon = {
    hash: field(o, "hash", base, hash),
    from: field(o, "from", base, address),
    nonce: field(o, "nonce", base, u64),
    gas: field(o, "gas", base, u64),
    to: nullable(o, "to", base, address),
    value: field(o, "value", base, u256),
    input: field(o, "input", base, (x, p) => data(x, p)),
    gasPrice: nullable(o, "gasPrice", base, u256),
    blockHash: nullable(o, "blockHash", base, hash),
    blockNumber: nullable(o, "blockNumber", base, u64),
    transactionIndex: nullable(o, "transactionIndex", base, u64),
  };
  switch (type) {
    case 0: {
      if (common.gasPrice === null) throw new Fail(`${base}.gasPrice`, "legacy transactions need gasPrice");
      return {
        ...common,
        type: 0,
        gasPrice: common.gasPrice,
        chainId: nullable(o, "chainId", base, u256),
        v: field(o, "v", base, u256),
        r: field(o, "r", base, u256),
        s: field(o, "s", base, u256),
      };
    }
    case 1: {
      if (common.gasPrice === null) throw new Fail(`${base}.gasPrice`, "access-list transactions need gasPrice");
      return { ...common, ...typed(o, base), type: 1, gasPrice: common.gasPrice };
    }
    case 2:
      return { ...common, ...typed(o, base), ...fees(o, base), type: 2 };
    case 3:
      return {
        ...common,
        ...typed(o, base),
        ...fees(o, base),
        type: 3,
        to: requiredTo(o, base, 3),
        maxFeePerBlobGas: field(o, "maxFeePerBlobGas", base, u256),
        blobVersionedHashes: field(o, "blobVersionedHashes", base, (x, p) => array(x, p, hash)),
      };
    case 4:
      return {
        ...common,
        ...typed(o, base),
        ...fees(o, base),
        type: 4,
        to: requiredTo(o, base, 4),
        authorizationList: field(o, "authorizationList", base, (x, p) => array(x, p, authorization)),
      };
    case DEPOSIT_TX_TYPE: {
      const sys = own(o, "isSystemTx");
      if (sys !== undefined && sys !== null && typeof sys !== "boolean") throw new Fail(`${base}.isSystemTx`, `expected a boolean, got ${describe(sys)}`);
      return {
        ...common,
        type: DEPOSIT_TX_TYPE,
        sourceHash: field(o, "sourceHash", base, hash),
        mint: nullable(o, "mint", base, u256),
        isSystemTx: sys === true,
        depositReceiptVersion: nullable(o, "depositReceiptVersion", base, u64),
      };
    }
    default:
      throw new Fail(`${base}.type`, `unsupported transaction type 0x${type.toString(16)}`);
  }
}

function typed(o: Obj, base: string): Pick<RpcTypedCommon, "chainId" | "accessList" | "yParity" | "r" | "s"> {
  return {
    chainId: field(o, "chainId", base, u256),
    accessList: field(o, "accessList", base, (x, p) => array(x, p, accessListEntry)),
    yParity: parity(o, base),
    r: field(o, "r", base, u256),
    s: field(o, "s", base, u256),
  };
}

function fees(o: Obj, base: string): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  return { maxFeePerGas: field(o, "maxFeePerGas", base, u256), maxPriorityFeePerGas: field(o, "maxPriorityFeePerGas", base, u256) };
}

function withdrawal(v: unknown, path: string): RpcWithdrawal {
  const o = object(v, path);
  return {
    index: field(o, "index", path, u64),
    validatorIndex: field(o, "validatorIndex", path, u64),
    address: field(o, "address", path, address),
    amount: field(o, "amount", path, u64),
  };
}

/** The header members, with `transactions` parsed between the required and the optional ones (the order errors are found in). */
function withHeader<T>(o: Obj, base: string, transactions: () => T): RpcBlockHeader & { transactions: T } {
  const out: RpcBlockHeader & { transactions: T } = {
    number: field(o, "number", base, u64),
    hash: field(o, "hash", base, hash),
    parentHash: field(o, "parentHash", base, hash),
    nonce: field(o, "nonce", base, (x, p) => data(x, p, 8)),
    mixHash: field(o, "mixHash", base, hash),
    sha3Uncles: field(o, "sha3Uncles", base, hash),
    logsBloom: field(o, "logsBloom", base, (x, p) => data(x, p, 256)),
    stateRoot: field(o, "stateRoot", base, hash),
    miner: field(o, "miner", base, address),
    difficulty: field(o, "difficulty", base, u256),
    extraData: field(o, "extraData", base, (x, p) => data(x, p)),
    gasLimit: field(o, "gasLimit", base, u64),
    gasUsed: field(o, "gasUsed", base, u64),
    timestamp: field(o, "timestamp", base, u64),
    transactionsRoot: field(o, "transactionsRoot", base, hash),
    receiptsRoot: field(o, "receiptsRoot", base, hash),
    uncles: optionalField(o, "uncles", base, (x, p) => array(x, p, hash)) ?? [],
    transactions: transactions(),
  };
  const baseFee = optionalField(o, "baseFeePerGas", base, u256);
  if (baseFee !== undefined) out.baseFeePerGas = baseFee;
  const wr = optionalField(o, "withdrawalsRoot", base, hash);
  if (wr !== undefined) out.withdrawalsRoot = wr;
  const bgu = optionalField(o, "blobGasUsed", base, u64);
  if (bgu !== undefined) out.blobGasUsed = bgu;
  const ebg = optionalField(o, "excessBlobGas", base, u64);
  if (ebg !== undefined) out.excessBlobGas = ebg;
  const pbr = optionalField(o, "parentBeaconBlockRoot", base, hash);
  if (pbr !== undefined) out.parentBeaconBlockRoot = pbr;
  const rh = optionalField(o, "requestsHash", base, hash) ?? optionalField(o, "requestsRoot", base, hash);
  if (rh !== undefined) out.requestsHash = rh;
  const ws = optionalField(o, "withdrawals", base, (x, p) => array(x, p, withdrawal));
  if (ws !== undefined) out.withdrawals = ws;
  return out;
}

function blockObject(v: unknown): Obj {
  if (v === null) throw new Fail("block", "block not found (null result)");
  return object(v, "block");
}

function block(v: unknown): RpcBlock {
  const o = blockObject(v);
  const txs = own(o, "transactions");
  if (Array.isArray(txs) && txs.some((t) => typeof t === "string"))
    throw new Fail("block.transactions", "transactions are hashes; fetch the block with full transaction objects (eth_getBlockByNumber(n, true))");
  return withHeader(o, "block", () => array(txs, "block.transactions", transaction));
}

function blockHashes(v: unknown): RpcBlockHashes {
  const o = blockObject(v);
  const txs = own(o, "transactions");
  if (Array.isArray(txs) && txs.some((t) => isObj(t)))
    throw new Fail("block.transactions", "transactions are objects; expected their hashes (eth_getBlockByNumber(n, false))");
  return withHeader(o, "block", () => array(txs, "block.transactions", hash));
}

/**
 * Validates op-geth's `eth_getBlockByNumber(n, true)` result (the `result` member, not the JSON-RPC
 * envelope) and returns it typed. Never throws: bad input yields `{ ok: false, error }` naming the
 * first offending JSON path. Unknown extra members are ignored.
 */
export function parseRpcBlock(json: unknown): RpcParseResult<RpcBlock> {
  return guard(() => block(json));
}

/**
 * Validates op-geth's `eth_getBlockByNumber(n, false)` result: the same header members, checked the
 * same way, and `transactions` a list of 32-byte hashes (nothing else). Never throws.
 */
export function parseRpcBlockHashes(json: unknown): RpcParseResult<RpcBlockHashes> {
  return guard(() => blockHashes(json));
}
