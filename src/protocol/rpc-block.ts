// op-geth's block JSON (`eth_getBlockByNumber(n, true)`) as types, a validating parser that never
// throws, and the re-serialisation of each RPC transaction object to its exact EIP-2718 bytes.
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
//
// The bytes follow op-geth `core/types`: tx_legacy.go, tx_access_list.go, tx_dynamic_fee.go, tx_blob.go
// (without sidecar, as in blocks), tx_setcode.go (EIP-7702: not yet in that op-geth snapshot; checked
// against a go-ethereum-signed type-4 vector and against viem) and deposit_tx.go (`DepositTx`: SourceHash,
// From, To `rlp:"nil"`, Mint `rlp:"nil"`, Value, Gas, IsSystemTransaction, Data; encoded by
// l1-info.ts `encodeDepositTx`). keccak256 of the result must equal the object's `hash`; the tests
// prove it on real blocks.
import { rlpEncode, rlpUint, type RlpItem } from "./rlp.ts";
import { fromHex, toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import { equalBytes } from "./bytes.ts";
import { DEPOSIT_TX_TYPE, encodeDepositTx } from "./l1-info.ts";
import type { Address, Hash, Hex } from "./types.ts";

export { DEPOSIT_TX_TYPE };

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

/** op-geth `RPCMarshalBlock(block, inclTx=true, fullTx=true)`. Hex strings are lowercase. */
export interface RpcBlock {
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
  transactions: RpcTransaction[];
  withdrawals?: RpcWithdrawal[];
}

/** Where parsing failed (a JSON path such as `transactions[3].r`) and why. */
export interface RpcBlockError {
  path: string;
  message: string;
}

export type RpcParseResult<T> = { ok: true; value: T } | { ok: false; error: RpcBlockError };

// ---------------------------------------------------------------------------------------------
// Parsing

class Fail extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

// geth hexutil: quantities are 0x-prefixed, non-empty and without leading zeros ("0x0" for zero).
const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const DATA = /^0x([0-9a-fA-F]{2})*$/;

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "string") return v.length > 80 ? `"${v.slice(0, 77)}..."` : `"${v}"`;
  return typeof v;
}

function quantity(v: unknown, path: string, bits: number): bigint {
  if (typeof v !== "string" || !QUANTITY.test(v)) throw new Fail(path, `expected a hex quantity, got ${describe(v)}`);
  if ((v.length - 2) * 4 > bits + 3) throw new Fail(path, `exceeds ${bits} bits`);
  const x = BigInt(v);
  if (x >> BigInt(bits) !== 0n) throw new Fail(path, `exceeds ${bits} bits`);
  return x;
}

function data(v: unknown, path: string, bytes?: number): Hex {
  if (typeof v !== "string" || !DATA.test(v)) throw new Fail(path, `expected 0x-prefixed hex bytes, got ${describe(v)}`);
  if (bytes !== undefined && v.length !== 2 + 2 * bytes) throw new Fail(path, `expected ${bytes} bytes, got ${(v.length - 2) / 2}`);
  return v.toLowerCase() as Hex;
}

const hash = (v: unknown, path: string): Hash => data(v, path, 32);
const address = (v: unknown, path: string): Address => data(v, path, 20);
const u64 = (v: unknown, path: string): bigint => quantity(v, path, 64);
const u256 = (v: unknown, path: string): bigint => quantity(v, path, 256);

function field<T>(o: Obj, key: string, base: string, parse: (v: unknown, path: string) => T): T {
  return parse(own(o, key), `${base}.${key}`);
}

function optionalField<T>(o: Obj, key: string, base: string, parse: (v: unknown, path: string) => T): T | undefined {
  const v = own(o, key);
  return v === undefined ? undefined : parse(v, `${base}.${key}`);
}

/** Present-but-null and absent both give null (op-geth's `*T` fields serialise nil as null). */
function nullable<T>(o: Obj, key: string, base: string, parse: (v: unknown, path: string) => T): T | null {
  const v = own(o, key);
  return v === undefined || v === null ? null : parse(v, `${base}.${key}`);
}

function array<T>(v: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(v)) throw new Fail(path, `expected an array, got ${describe(v)}`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

function object(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new Fail(path, `expected an object, got ${describe(v)}`);
  return v;
}

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

function block(v: unknown): RpcBlock {
  const base = "block";
  if (v === null) throw new Fail(base, "block not found (null result)");
  const o = object(v, base);
  const txs = own(o, "transactions");
  if (Array.isArray(txs) && txs.some((t) => typeof t === "string"))
    throw new Fail(`${base}.transactions`, "transactions are hashes; fetch the block with full transaction objects (eth_getBlockByNumber(n, true))");
  const out: RpcBlock = {
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
    transactions: array(txs, `${base}.transactions`, transaction),
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

function guard<T>(f: () => T): RpcParseResult<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: { path: e.path, message: e.message } };
    // Defensive: hostile inputs (getters, proxies) must not escape as exceptions either.
    return { ok: false, error: { path: "", message: `unexpected input: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

/**
 * Validates op-geth's `eth_getBlockByNumber(n, true)` result (the `result` member, not the JSON-RPC
 * envelope) and returns it typed. Never throws: bad input yields `{ ok: false, error }` naming the
 * first offending JSON path. Unknown extra members are ignored.
 */
export function parseRpcBlock(json: unknown): RpcParseResult<RpcBlock> {
  return guard(() => block(json));
}

// ---------------------------------------------------------------------------------------------
// EIP-2718 encoding

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
