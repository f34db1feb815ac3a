// Deposit transactions (EIP-2718 type 0x7E) and the L1 info deposit that opens every L2 block.
//
// Sources (optimism @ abe047af, read via EspressoSystems/optimism-espresso-integration; specs @ fd72cf79):
// - Deposit tx: specs `protocol/deposits.md` §"The Deposited Transaction Type"; op-geth
//   `core/types/deposit_tx.go`: rlp([sourceHash, from, to (`rlp:"nil"`), mint (`rlp:"nil"`), value, gas,
//   isSystemTx, data]) prefixed by 0x7E.
// - Source hashes: op-node `op-node/rollup/derive/deposit_source.go` (domains 0 user, 1 L1 info,
//   2 upgrade, 4 invalidated block) and specs §"Source hash computation".
// - L1 info calldata: op-node `op-node/rollup/derive/l1_block_info.go` (marshal/unmarshalBinary*),
//   specs `protocol/{ecotone,isthmus,jovian}/l1-attributes.md`. Bedrock is ABI-encoded
//   setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256); from Ecotone the
//   fields are packed big-endian behind a no-argument selector.
// Decoders never throw: bad input yields { ok: false, reason }.
import { bigintToBytes, bytesToBigint, concatBytes, isZero } from "./bytes.ts";
import { isActivationBlock, isActive, type ChainConfig } from "./chain-config.ts";
import { fromHex, toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import { rlpDecode, rlpEncode, rlpUint, type RlpItem } from "./rlp.ts";
import type { Address, Hash, Hex } from "./types.ts";

export const DEPOSIT_TX_TYPE = 0x7e;
/** op-node `L1InfoDepositerAddress`. */
export const L1_INFO_DEPOSITOR: Address = "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001";
/** The L1Block predeploy (op-node `L1BlockAddress` = predeploys.L1BlockAddr). */
export const L1_BLOCK_ADDRESS: Address = "0x4200000000000000000000000000000000000015";
/** Gas of the L1 info deposit from Regolith on (op-node `RegolithSystemTxGas`); isSystemTx is then false. */
export const REGOLITH_SYSTEM_TX_GAS = 1_000_000n;
/** Jovian: a zero SystemConfig daFootprintGasScalar is written as this (op-node `DAFootprintGasScalarDefault`). */
export const DA_FOOTPRINT_GAS_SCALAR_DEFAULT = 400;

export type L1InfoFormat = "bedrock" | "ecotone" | "isthmus" | "jovian";

/** First 4 bytes of keccak256 of the function signatures in op-node (checked in the tests). */
export const L1_INFO_SELECTORS: Readonly<Record<L1InfoFormat, Hex>> = {
  bedrock: "0x015d8eb9", // setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)
  ecotone: "0x440a5e20", // setL1BlockValuesEcotone()
  isthmus: "0x098999be", // setL1BlockValuesIsthmus()
  jovian: "0x3db6be2b", // setL1BlockValuesJovian()
};

/** Exact calldata lengths (op-node L1InfoBedrockLen, L1InfoEcotoneLen, L1InfoIsthmusLen, L1InfoJovianLen). */
export const L1_INFO_LENGTHS: Readonly<Record<L1InfoFormat, number>> = {
  bedrock: 4 + 32 * 8,
  ecotone: 4 + 32 * 5,
  isthmus: 4 + 32 * 5 + 4 + 8,
  jovian: 4 + 32 * 5 + 4 + 8 + 2,
};

export interface L1Info {
  format: L1InfoFormat;
  l1Number: bigint;
  l1Timestamp: bigint;
  l1BaseFee: bigint;
  l1BlockHash: Hash;
  /** L2 blocks since the start of the epoch. */
  sequenceNumber: bigint;
  /** The SystemConfig batcherHash word: version byte 0, then the batcher address left-padded. */
  batcherHash: Hash;
  batcherAddress: Address;
  /** bedrock only (the raw bytes32 words as integers) */
  l1FeeOverhead?: bigint;
  l1FeeScalar?: bigint;
  /** ecotone+ */
  blobBaseFee?: bigint;
  baseFeeScalar?: number;
  blobBaseFeeScalar?: number;
  /** isthmus+ */
  operatorFeeScalar?: number;
  operatorFeeConstant?: bigint;
  /** jovian */
  daFootprintGasScalar?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const bad = <T>(reason: string): Result<T> => ({ ok: false, reason });

const FORMAT_BY_SELECTOR = new Map<string, L1InfoFormat>(
  (Object.keys(L1_INFO_SELECTORS) as L1InfoFormat[]).map((f) => [L1_INFO_SELECTORS[f], f]),
);

/**
 * The L1 info format op-node writes into the block at `l2Timestamp` (`L1InfoDeposit`) and expects
 * when reading it back (`L1BlockInfoFromBytes`): a fork's format is used from the block *after* its
 * activation block, because the L1Block contract is upgraded by the activation block's upgrade
 * deposits, which run after the L1 info deposit. Interop uses the Jovian layout.
 */
export function l1InfoFormatAt(cfg: ChainConfig, l2Timestamp: bigint): L1InfoFormat {
  const after = (f: "ecotone" | "isthmus" | "jovian"): boolean => isActive(cfg, f, l2Timestamp) && !isActivationBlock(cfg, f, l2Timestamp);
  if (after("jovian")) return "jovian";
  if (after("isthmus")) return "isthmus";
  if (after("ecotone")) return "ecotone";
  return "bedrock";
}

// ---------------------------------------------------------------------------------------------
// L1 info calldata

function u(data: Uint8Array, off: number, len: number): bigint {
  return bytesToBigint(data.subarray(off, off + len));
}

function batcherFromWord(word: Uint8Array): Result<{ batcherHash: Hash; batcherAddress: Address }> {
  // op-node reads the word with solabi.ReadAddress, which rejects non-zero padding.
  if (!isZero(word.subarray(0, 12))) return bad(`batcherHash padding is not empty: ${toHex(word.subarray(0, 12))}`);
  return ok({ batcherHash: toHex(word), batcherAddress: toHex(word.subarray(12)) });
}

function decodeBedrock(d: Uint8Array): Result<L1Info> {
  // ABI words; op-node's solabi.ReadUint64 rejects a non-zero high 24 bytes.
  const word = (i: number): Uint8Array => d.subarray(4 + 32 * i, 4 + 32 * (i + 1));
  for (const [i, name] of [[0, "number"], [1, "timestamp"], [4, "sequenceNumber"]] as const) {
    if (!isZero(word(i).subarray(0, 24))) return bad(`bedrock ${name} does not fit in uint64`);
  }
  const b = batcherFromWord(word(5));
  if (!b.ok) return b;
  return ok({
    format: "bedrock",
    l1Number: bytesToBigint(word(0)),
    l1Timestamp: bytesToBigint(word(1)),
    l1BaseFee: bytesToBigint(word(2)),
    l1BlockHash: toHex(word(3)),
    sequenceNumber: bytesToBigint(word(4)),
    ...b.value,
    l1FeeOverhead: bytesToBigint(word(6)),
    l1FeeScalar: bytesToBigint(word(7)),
  });
}

function decodePacked(d: Uint8Array, format: "ecotone" | "isthmus" | "jovian"): Result<L1Info> {
  const b = batcherFromWord(d.subarray(132, 164));
  if (!b.ok) return b;
  const info: L1Info = {
    format,
    l1Number: u(d, 28, 8),
    l1Timestamp: u(d, 20, 8),
    l1BaseFee: u(d, 36, 32),
    l1BlockHash: toHex(d.subarray(100, 132)),
    sequenceNumber: u(d, 12, 8),
    ...b.value,
    blobBaseFee: u(d, 68, 32),
    baseFeeScalar: Number(u(d, 4, 4)),
    blobBaseFeeScalar: Number(u(d, 8, 4)),
  };
  if (format !== "ecotone") {
    info.operatorFeeScalar = Number(u(d, 164, 4));
    info.operatorFeeConstant = u(d, 168, 8);
  }
  if (format === "jovian") info.daFootprintGasScalar = Number(u(d, 176, 2));
  return ok(info);
}

/**
 * Decodes L1 info calldata, choosing the layout by selector. With `expected` (see l1InfoFormatAt)
 * any other layout is an error, as in op-node, which picks the layout by timestamp alone.
 */
export function decodeL1InfoCalldata(data: Uint8Array, expected?: L1InfoFormat): Result<L1Info> {
  try {
    if (data.length < 4) return bad(`L1 info calldata is ${data.length} bytes, shorter than a selector`);
    const selector = toHex(data.subarray(0, 4));
    const format = FORMAT_BY_SELECTOR.get(selector);
    if (!format) return bad(`unknown L1 info selector ${selector}`);
    if (expected && format !== expected) return bad(`expected ${expected} L1 info (${L1_INFO_SELECTORS[expected]}), found ${format} (${selector})`);
    if (data.length !== L1_INFO_LENGTHS[format]) return bad(`${format} L1 info must be ${L1_INFO_LENGTHS[format]} bytes, got ${data.length}`);
    return format === "bedrock" ? decodeBedrock(data) : decodePacked(data, format);
  } catch (e) {
    return bad(`L1 info decode failed: ${(e as Error).message}`);
  }
}

/** Fields to encode; `format` defaults to info.format, batcherHash (if given) must match batcherAddress. */
export type L1InfoInput = Omit<L1Info, "format" | "batcherHash"> & { format?: L1InfoFormat; batcherHash?: Hash };

function need<T>(v: T | undefined, field: string, format: L1InfoFormat): T {
  if (v === undefined) throw new Error(`encodeL1InfoCalldata: ${format} needs ${field}`);
  return v;
}

function hexBytes(v: string, len: number, field: string): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromHex(v);
  } catch {
    throw new Error(`${field}: not hex: ${v}`);
  }
  if (b.length !== len || !v.startsWith("0x")) throw new Error(`${field}: expected 0x-prefixed ${len} bytes, got ${v}`);
  return b;
}

function uintBytes(v: bigint | number, width: number, field: string): Uint8Array {
  const x = BigInt(v);
  if (x < 0n || x >= 1n << BigInt(8 * width)) throw new Error(`${field}: ${x} does not fit in uint${8 * width}`);
  return bigintToBytes(x, width);
}

/** Encodes L1 info calldata exactly as op-node's marshalBinary{Bedrock,Ecotone,Isthmus,Jovian}. Throws on bad input. */
export function encodeL1InfoCalldata(info: L1InfoInput, format: L1InfoFormat | undefined = info.format): Uint8Array {
  if (!format) throw new Error("encodeL1InfoCalldata: no format");
  const addr = hexBytes(info.batcherAddress, 20, "batcherAddress");
  const batcherWord = concatBytes(new Uint8Array(12), addr);
  if (info.batcherHash !== undefined && toHex(batcherWord) !== info.batcherHash.toLowerCase())
    throw new Error(`batcherHash ${info.batcherHash} does not match batcherAddress ${info.batcherAddress}`);
  const hash = hexBytes(info.l1BlockHash, 32, "l1BlockHash");
  const sel = fromHex(L1_INFO_SELECTORS[format]);
  if (format === "bedrock") {
    // ABI words; number, timestamp and sequence number are uint64 in the ABI signature.
    const word64 = (v: bigint, field: string): Uint8Array => concatBytes(new Uint8Array(24), uintBytes(v, 8, field));
    return concatBytes(
      sel,
      word64(info.l1Number, "l1Number"),
      word64(info.l1Timestamp, "l1Timestamp"),
      uintBytes(info.l1BaseFee, 32, "l1BaseFee"),
      hash,
      word64(info.sequenceNumber, "sequenceNumber"),
      batcherWord,
      uintBytes(need(info.l1FeeOverhead, "l1FeeOverhead", format), 32, "l1FeeOverhead"),
      uintBytes(need(info.l1FeeScalar, "l1FeeScalar", format), 32, "l1FeeScalar"),
    );
  }
  const parts = [
    sel,
    uintBytes(need(info.baseFeeScalar, "baseFeeScalar", format), 4, "baseFeeScalar"),
    uintBytes(need(info.blobBaseFeeScalar, "blobBaseFeeScalar", format), 4, "blobBaseFeeScalar"),
    uintBytes(info.sequenceNumber, 8, "sequenceNumber"),
    uintBytes(info.l1Timestamp, 8, "l1Timestamp"),
    uintBytes(info.l1Number, 8, "l1Number"),
    uintBytes(info.l1BaseFee, 32, "l1BaseFee"),
    uintBytes(need(info.blobBaseFee, "blobBaseFee", format), 32, "blobBaseFee"),
    hash,
    batcherWord,
  ];
  if (format === "isthmus" || format === "jovian") {
    parts.push(uintBytes(need(info.operatorFeeScalar, "operatorFeeScalar", format), 4, "operatorFeeScalar"));
    parts.push(uintBytes(need(info.operatorFeeConstant, "operatorFeeConstant", format), 8, "operatorFeeConstant"));
  }
  if (format === "jovian") parts.push(uintBytes(need(info.daFootprintGasScalar, "daFootprintGasScalar", format), 2, "daFootprintGasScalar"));
  return concatBytes(...parts);
}

// ---------------------------------------------------------------------------------------------
// Deposit transactions

export interface DepositTx {
  sourceHash: Hash;
  from: Address;
  /** null: contract creation (the RLP field is empty). */
  to: Address | null;
  /** ETH minted on L2; op-geth's nil and 0 encode alike. */
  mint: bigint;
  value: bigint;
  gas: bigint;
  /** Always false from Regolith on. */
  isSystemTx: boolean;
  data: Uint8Array;
}

const UINT256_LIMIT = 1n << 256n;

/** 0x7E ‖ rlp([sourceHash, from, to, mint, value, gas, isSystemTx, data]). Throws on out-of-range fields. */
export function encodeDepositTx(dep: DepositTx): Uint8Array {
  for (const [name, v, lim] of [["mint", dep.mint, UINT256_LIMIT], ["value", dep.value, UINT256_LIMIT], ["gas", dep.gas, 1n << 64n]] as const) {
    if (v < 0n || v >= lim) throw new Error(`encodeDepositTx: ${name} ${v} out of range`);
  }
  const body = rlpEncode([
    hexBytes(dep.sourceHash, 32, "sourceHash"),
    hexBytes(dep.from, 20, "from"),
    dep.to === null ? new Uint8Array(0) : hexBytes(dep.to, 20, "to"),
    rlpUint(dep.mint),
    rlpUint(dep.value),
    rlpUint(dep.gas),
    dep.isSystemTx ? Uint8Array.of(1) : new Uint8Array(0),
    dep.data,
  ]);
  return concatBytes(Uint8Array.of(DEPOSIT_TX_TYPE), body);
}

function canonicalUint(b: RlpItem, field: string, maxBytes: number): Result<bigint> {
  if (!(b instanceof Uint8Array)) return bad(`deposit ${field} is a list`);
  if (b.length > maxBytes) return bad(`deposit ${field} is ${b.length} bytes, more than ${maxBytes}`);
  if (b.length > 0 && b[0] === 0) return bad(`deposit ${field} has a leading zero byte`);
  return ok(bytesToBigint(b));
}

/**
 * Decodes a deposit transaction with go-ethereum's strictness: canonical RLP, exactly 8 fields,
 * 32-byte source hash, 20-byte addresses (to may be empty), canonical integers (uint256 mint and
 * value, uint64 gas), a boolean that is empty or 0x01, and nothing after the list.
 */
export function decodeDepositTx(bytes: Uint8Array): Result<DepositTx> {
  try {
    if (bytes.length === 0) return bad("empty transaction");
    if (bytes[0] !== DEPOSIT_TX_TYPE) return bad(`not a deposit: transaction type 0x${bytes[0]!.toString(16).padStart(2, "0")}`);
    let item: RlpItem;
    try {
      item = rlpDecode(bytes.subarray(1));
    } catch (e) {
      return bad(`deposit RLP: ${(e as Error).message}`);
    }
    if (!Array.isArray(item)) return bad("deposit RLP is not a list");
    if (item.length !== 8) return bad(`deposit RLP has ${item.length} fields, expected 8`);
    const [src, from, to, mint, value, gas, sys, data] = item as [RlpItem, RlpItem, RlpItem, RlpItem, RlpItem, RlpItem, RlpItem, RlpItem];
    if (!(src instanceof Uint8Array) || src.length !== 32) return bad("deposit sourceHash must be 32 bytes");
    if (!(from instanceof Uint8Array) || from.length !== 20) return bad("deposit from must be 20 bytes");
    if (!(to instanceof Uint8Array) || (to.length !== 0 && to.length !== 20)) return bad("deposit to must be empty or 20 bytes");
    const m = canonicalUint(mint, "mint", 32);
    if (!m.ok) return m;
    const v = canonicalUint(value, "value", 32);
    if (!v.ok) return v;
    const g = canonicalUint(gas, "gas", 8);
    if (!g.ok) return g;
    if (!(sys instanceof Uint8Array) || sys.length > 1 || (sys.length === 1 && sys[0] !== 1)) return bad("deposit isSystemTx must be empty (false) or 0x01 (true)");
    if (!(data instanceof Uint8Array)) return bad("deposit data is a list");
    return ok({
      sourceHash: toHex(src),
      from: toHex(from),
      to: to.length === 0 ? null : toHex(to),
      mint: m.value,
      value: v.value,
      gas: g.value,
      isSystemTx: sys.length === 1,
      data: data.slice(),
    });
  } catch (e) {
    return bad(`deposit decode failed: ${(e as Error).message}`);
  }
}

/**
 * Decodes the first transaction of an L2 block as the L1 info deposit: a deposit from the L1 info
 * depositor to the L1Block predeploy whose calldata parses (in the `expected` layout if given).
 * Stricter than op-node's L2BlockToBlockRef, which checks only the tx type before parsing calldata.
 */
export function decodeL1InfoDeposit(txBytes: Uint8Array, expected?: L1InfoFormat): Result<{ info: L1Info; deposit: DepositTx }> {
  const dep = decodeDepositTx(txBytes);
  if (!dep.ok) return dep;
  const d = dep.value;
  if (d.from !== L1_INFO_DEPOSITOR) return bad(`L1 info deposit from ${d.from}, expected ${L1_INFO_DEPOSITOR}`);
  if (d.to !== L1_BLOCK_ADDRESS) return bad(`L1 info deposit to ${d.to ?? "nothing (contract creation)"}, expected ${L1_BLOCK_ADDRESS}`);
  const info = decodeL1InfoCalldata(d.data, expected);
  if (!info.ok) return info;
  return ok({ info: info.value, deposit: d });
}

/**
 * The L1 info deposit op-node builds (`L1InfoDeposit`) for a post-Regolith chain: source hash from
 * (l1BlockHash, sequenceNumber), depositor → L1Block, no mint or value, 1,000,000 gas, not a system tx.
 */
export function l1InfoDeposit(info: L1InfoInput, format: L1InfoFormat | undefined = info.format): DepositTx {
  return {
    sourceHash: l1InfoDepositSourceHash(info.l1BlockHash, info.sequenceNumber),
    from: L1_INFO_DEPOSITOR,
    to: L1_BLOCK_ADDRESS,
    mint: 0n,
    value: 0n,
    gas: REGOLITH_SYSTEM_TX_GAS,
    isSystemTx: false,
    data: encodeL1InfoCalldata(info, format),
  };
}

// ---------------------------------------------------------------------------------------------
// Source hashes (op-node deposit_source.go)

export const USER_DEPOSIT_SOURCE_DOMAIN = 0;
export const L1_INFO_DEPOSIT_SOURCE_DOMAIN = 1;
export const UPGRADE_DEPOSIT_SOURCE_DOMAIN = 2;
export const INVALIDATED_BLOCK_SOURCE_DOMAIN = 4;

function domainHash(domain: number, inner: Uint8Array): Hash {
  const buf = new Uint8Array(64);
  buf[31] = domain;
  buf.set(inner, 32);
  return toHex(keccak256(buf));
}

function depositIdHash(l1BlockHash: Hash | Uint8Array, n: bigint): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(typeof l1BlockHash === "string" ? hexBytes(l1BlockHash, 32, "l1BlockHash") : checkLen(l1BlockHash, 32, "l1BlockHash"), 0);
  buf.set(uintBytes(n, 8, "index"), 56); // op-node writes a uint64 into the last 8 bytes
  return keccak256(buf);
}

function checkLen(b: Uint8Array, len: number, field: string): Uint8Array {
  if (b.length !== len) throw new Error(`${field}: expected ${len} bytes, got ${b.length}`);
  return b;
}

/** keccak256(bytes32(0) ‖ keccak256(l1BlockHash ‖ bytes32(logIndex))) */
export function userDepositSourceHash(l1BlockHash: Hash | Uint8Array, logIndex: bigint): Hash {
  return domainHash(USER_DEPOSIT_SOURCE_DOMAIN, depositIdHash(l1BlockHash, logIndex));
}

/** keccak256(bytes32(1) ‖ keccak256(l1BlockHash ‖ bytes32(sequenceNumber))) */
export function l1InfoDepositSourceHash(l1BlockHash: Hash | Uint8Array, sequenceNumber: bigint): Hash {
  return domainHash(L1_INFO_DEPOSIT_SOURCE_DOMAIN, depositIdHash(l1BlockHash, sequenceNumber));
}

/** keccak256(bytes32(2) ‖ keccak256(intent)), intent a UTF-8 string such as "Ecotone: L1 Block Proxy Update". */
export function upgradeDepositSourceHash(intent: string): Hash {
  return domainHash(UPGRADE_DEPOSIT_SOURCE_DOMAIN, keccak256(new TextEncoder().encode(intent)));
}

/** keccak256(bytes32(4) ‖ outputRoot): op-node's optimistic-block deposit of an interop replacement block. */
export function invalidatedBlockSourceHash(outputRoot: Hash | Uint8Array): Hash {
  return domainHash(INVALIDATED_BLOCK_SOURCE_DOMAIN, typeof outputRoot === "string" ? hexBytes(outputRoot, 32, "outputRoot") : checkLen(outputRoot, 32, "outputRoot"));
}
