// SSZ ExecutionPayload v1–v4 exactly as op-node reads and writes it (op-service/eth/ssz.go;
// protocol notes §2). Decoding is zero-copy (fields are views into the input) and checks every
// offset and length, so what decodes re-encodes to the identical bytes.
import type { BlockVersion, ExecutionPayload, Withdrawal } from "./types.ts";

/** Fixed-part sizes: v1 508, v2 +withdrawals offset, v3 +blobGasUsed +excessBlobGas, v4 +withdrawalsRoot. */
export const FIXED_PART: Record<BlockVersion, number> = { 1: 508, 2: 512, 3: 528, 4: 560 };
const WITHDRAWAL_SIZE = 44;
const MAX_WITHDRAWALS = 16;
const MAX_TRANSACTIONS = 1 << 20;
const MAX_EXTRA_DATA = 32;

export type SszResult = { ok: true; payload: ExecutionPayload } | { ok: false; error: string };

const fail = (error: string): SszResult => ({ ok: false, error });

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function u64(b: Uint8Array, o: number): bigint {
  return BigInt(u32(b, o)) | (BigInt(u32(b, o + 4)) << 32n);
}

function u256le(b: Uint8Array, o: number): bigint {
  let v = 0n;
  for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]!);
  return v;
}

export function decodePayload(buf: Uint8Array, version: BlockVersion): SszResult {
  const fixed = FIXED_PART[version];
  const scope = buf.length;
  if (scope < fixed) return fail(`payload shorter than the v${version} fixed part (${scope} < ${fixed})`);
  const extraOff = u32(buf, 436);
  if (extraOff !== fixed) return fail(`extraData offset ${extraOff} != fixed part ${fixed}`);
  const txOff = u32(buf, 504);
  if (txOff < extraOff) return fail("transactions offset before extraData");
  if (txOff - extraOff > MAX_EXTRA_DATA) return fail("extraData longer than 32 bytes");
  if (txOff > scope) return fail("transactions offset beyond payload");
  let wdOff = scope;
  if (version >= 2) {
    wdOff = u32(buf, 508);
    if (wdOff < txOff || wdOff > scope) return fail("bad withdrawals offset");
  }
  const payload: ExecutionPayload = {
    parentHash: buf.subarray(0, 32),
    feeRecipient: buf.subarray(32, 52),
    stateRoot: buf.subarray(52, 84),
    receiptsRoot: buf.subarray(84, 116),
    logsBloom: buf.subarray(116, 372),
    prevRandao: buf.subarray(372, 404),
    blockNumber: u64(buf, 404),
    gasLimit: u64(buf, 412),
    gasUsed: u64(buf, 420),
    timestamp: u64(buf, 428),
    extraData: buf.subarray(extraOff, txOff),
    baseFeePerGas: u256le(buf, 440),
    blockHash: buf.subarray(472, 504),
    transactions: [],
  };
  if (version >= 3) {
    payload.blobGasUsed = u64(buf, 512);
    payload.excessBlobGas = u64(buf, 520);
  }
  if (version === 4) payload.withdrawalsRoot = buf.subarray(528, 560);

  const txs = decodeTransactions(buf.subarray(txOff, wdOff));
  if (typeof txs === "string") return fail(txs);
  payload.transactions = txs;

  if (version >= 2) {
    const wd = buf.subarray(wdOff);
    if (wd.length % WITHDRAWAL_SIZE !== 0) return fail("withdrawals not a multiple of 44 bytes");
    const n = wd.length / WITHDRAWAL_SIZE;
    if (n > MAX_WITHDRAWALS) return fail("too many withdrawals");
    const withdrawals: Withdrawal[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * WITHDRAWAL_SIZE;
      withdrawals.push({
        index: u64(wd, o),
        validatorIndex: u64(wd, o + 8),
        address: wd.subarray(o + 16, o + 36),
        amount: u64(wd, o + 36),
      });
    }
    payload.withdrawals = withdrawals;
  }
  return { ok: true, payload };
}

/** SSZ List[ByteList]: N uint32 offsets (relative to the section) then the bodies, in order, gap-free. */
function decodeTransactions(sec: Uint8Array): Uint8Array[] | string {
  const scope = sec.length;
  if (scope === 0) return [];
  if (scope < 4) return "transactions section too short for an offset";
  const first = u32(sec, 0);
  if (first === 0 || first % 4 !== 0) return "bad first transaction offset";
  if (first > scope) return "first transaction offset beyond section";
  const n = first / 4;
  if (n > MAX_TRANSACTIONS) return "too many transactions";
  const txs = new Array<Uint8Array>(n);
  let cur = first;
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? u32(sec, 4 * (i + 1)) : scope;
    if (next < cur || next > scope) return `transaction ${i} has a bad end offset`;
    txs[i] = sec.subarray(cur, next);
    cur = next;
  }
  return txs;
}

/** Byte size of the encoding, to allocate once. */
export function encodedPayloadSize(p: ExecutionPayload, version: BlockVersion): number {
  let n = FIXED_PART[version] + p.extraData.length + 4 * p.transactions.length;
  for (const tx of p.transactions) n += tx.length;
  if (version >= 2) n += WITHDRAWAL_SIZE * (p.withdrawals?.length ?? 0);
  return n;
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

function putU64(b: Uint8Array, o: number, v: bigint): void {
  if (v < 0n || v >= 1n << 64n) throw new RangeError("uint64 out of range");
  putU32(b, o, Number(v & 0xffffffffn));
  putU32(b, o + 4, Number(v >> 32n));
}

function putFixed(b: Uint8Array, o: number, v: Uint8Array, len: number, name: string): void {
  if (v.length !== len) throw new RangeError(`${name} must be ${len} bytes`);
  b.set(v, o);
}

/** Encodes a payload in the given version's layout (into `out` at `at`, or a new buffer). */
export function encodePayload(p: ExecutionPayload, version: BlockVersion, out?: Uint8Array, at = 0): Uint8Array {
  const size = encodedPayloadSize(p, version);
  const b = out ? out.subarray(at, at + size) : new Uint8Array(size);
  if (b.length !== size) throw new RangeError("output buffer too small");
  if (p.extraData.length > MAX_EXTRA_DATA) throw new RangeError("extraData longer than 32 bytes");
  if (version >= 2 && !p.withdrawals) throw new RangeError(`v${version} payload needs withdrawals`);
  if (version === 1 && p.withdrawals) throw new RangeError("v1 payload cannot carry withdrawals");
  if ((p.withdrawals?.length ?? 0) > MAX_WITHDRAWALS) throw new RangeError("too many withdrawals");
  const fixed = FIXED_PART[version];
  putFixed(b, 0, p.parentHash, 32, "parentHash");
  putFixed(b, 32, p.feeRecipient, 20, "feeRecipient");
  putFixed(b, 52, p.stateRoot, 32, "stateRoot");
  putFixed(b, 84, p.receiptsRoot, 32, "receiptsRoot");
  putFixed(b, 116, p.logsBloom, 256, "logsBloom");
  putFixed(b, 372, p.prevRandao, 32, "prevRandao");
  putU64(b, 404, p.blockNumber);
  putU64(b, 412, p.gasLimit);
  putU64(b, 420, p.gasUsed);
  putU64(b, 428, p.timestamp);
  putU32(b, 436, fixed);
  let fee = p.baseFeePerGas;
  if (fee < 0n || fee >= 1n << 256n) throw new RangeError("baseFeePerGas out of range");
  for (let i = 0; i < 32; i++, fee >>= 8n) b[440 + i] = Number(fee & 0xffn);
  putFixed(b, 472, p.blockHash, 32, "blockHash");
  const txOff = fixed + p.extraData.length;
  putU32(b, 504, txOff);
  let txBytes = 4 * p.transactions.length;
  for (const tx of p.transactions) txBytes += tx.length;
  if (version >= 2) putU32(b, 508, txOff + txBytes);
  if (version >= 3) {
    if (p.blobGasUsed === undefined || p.excessBlobGas === undefined) throw new RangeError(`v${version} payload needs blob gas fields`);
    putU64(b, 512, p.blobGasUsed);
    putU64(b, 520, p.excessBlobGas);
  }
  if (version === 4) {
    if (!p.withdrawalsRoot) throw new RangeError("v4 payload needs withdrawalsRoot");
    putFixed(b, 528, p.withdrawalsRoot, 32, "withdrawalsRoot");
  }
  b.set(p.extraData, fixed);
  let offs = txOff;
  let body = txOff + 4 * p.transactions.length;
  for (const tx of p.transactions) {
    putU32(b, offs, body - txOff);
    offs += 4;
    b.set(tx, body);
    body += tx.length;
  }
  if (version >= 2) {
    for (const w of p.withdrawals!) {
      putU64(b, body, w.index);
      putU64(b, body + 8, w.validatorIndex);
      putFixed(b, body + 16, w.address, 20, "withdrawal address");
      putU64(b, body + 36, w.amount);
      body += WITHDRAWAL_SIZE;
    }
  }
  return b;
}
