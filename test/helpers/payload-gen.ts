// Deterministic generators for payloads and signed gossip messages (seeded, so every CI run checks
// the same cases and a failure names a reproducible seed/case), plus fast-check arbitraries.
import fc from "fast-check";
import { encodeEnvelope, encodeSignedBytes } from "../../src/protocol/envelope.ts";
import { computeBlockHash } from "../../src/protocol/header.ts";
import { BLOCK_SIGNING_DOMAIN, payloadHash, signHash, signingHash } from "../../src/protocol/signature.ts";
import { snappyEncode } from "../../src/protocol/snappy.ts";
import type { BlockVersion, ExecutionPayload, Withdrawal } from "../../src/protocol/types.ts";

/** sfc32: small, fast, good enough for test-case generation; seeded from one integer. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** Random bigint with up to `bits` bits, biased towards boundary values. */
  bigint(bits: number): bigint {
    const max = (1n << BigInt(bits)) - 1n;
    switch (this.int(0, 9)) {
      case 0:
        return 0n;
      case 1:
        return max;
      case 2:
        return BigInt(this.int(0, 255));
      case 3: {
        // a power of two, ±1
        const k = BigInt(this.int(0, bits - 1));
        const v = (1n << k) + BigInt(this.int(-1, 1));
        return v < 0n ? 0n : v > max ? max : v;
      }
      default: {
        const width = this.int(1, bits);
        let v = 0n;
        for (let i = 0; i < width; i += 32) v = (v << 32n) | BigInt(this.u32());
        return v & ((1n << BigInt(width)) - 1n);
      }
    }
  }

  u64(): bigint {
    return this.bigint(64);
  }
}

export interface PayloadShape {
  /** Maximum number of transactions (default 8). */
  maxTxs?: number;
  /** Maximum size of one transaction (default 200). */
  maxTxSize?: number;
  /** Allow zero-length transactions (default true). */
  emptyTxs?: boolean;
  /** Number of withdrawals on v2+: "random" (0..16) or a fixed count (default "random"). */
  withdrawals?: "random" | number;
  /** Keep gasUsed <= gasLimit (some reference implementations insist). */
  gasUsedWithinLimit?: boolean;
}

function randomTx(rng: Rng, maxSize: number, allowEmpty: boolean): Uint8Array {
  const r = rng.float();
  // single bytes, including the RLP-relevant boundary 0x7f/0x80, are frequent on purpose
  if (r < 0.1) return Uint8Array.of(rng.pick([0x00, 0x01, 0x7f, 0x80, 0x81, 0xff, rng.int(0, 255)]));
  const n = rng.int(allowEmpty ? 0 : 1, maxSize);
  return rng.bytes(n);
}

export function randomWithdrawal(rng: Rng): Withdrawal {
  return { index: rng.u64(), validatorIndex: rng.u64(), address: rng.bytes(20), amount: rng.u64() };
}

/** A random payload of the given version (its blockHash is random; see `withValidBlockHash`). */
export function randomPayload(rng: Rng, version: BlockVersion, shape: PayloadShape = {}): ExecutionPayload {
  const maxTxs = shape.maxTxs ?? 8;
  const nTx = rng.bool(0.15) ? 0 : rng.int(0, maxTxs);
  let gasLimit = rng.u64();
  let gasUsed = rng.u64();
  if (shape.gasUsedWithinLimit && gasUsed > gasLimit) [gasLimit, gasUsed] = [gasUsed, gasLimit];
  const p: ExecutionPayload = {
    parentHash: rng.bytes(32),
    feeRecipient: rng.bytes(20),
    stateRoot: rng.bytes(32),
    receiptsRoot: rng.bytes(32),
    logsBloom: rng.bool(0.5) ? new Uint8Array(256) : rng.bytes(256),
    prevRandao: rng.bytes(32),
    blockNumber: rng.u64(),
    gasLimit,
    gasUsed,
    timestamp: rng.u64(),
    extraData: rng.bytes(rng.pick([0, 0, 1, rng.int(0, 32), 32])),
    baseFeePerGas: rng.bigint(256),
    blockHash: rng.bytes(32),
    transactions: Array.from({ length: nTx }, () => randomTx(rng, shape.maxTxSize ?? 200, shape.emptyTxs ?? true)),
  };
  if (version >= 2) {
    const n = shape.withdrawals === undefined || shape.withdrawals === "random" ? (rng.bool(0.3) ? 0 : rng.int(0, 16)) : shape.withdrawals;
    p.withdrawals = Array.from({ length: n }, () => randomWithdrawal(rng));
  }
  if (version >= 3) {
    p.blobGasUsed = rng.u64();
    p.excessBlobGas = rng.u64();
  }
  if (version === 4) p.withdrawalsRoot = rng.bytes(32);
  return p;
}

/** A payload that passes every per-version rule of op-node (empty withdrawals, zero blob gas). */
export function validPayload(rng: Rng, version: BlockVersion, overrides: Partial<ExecutionPayload> = {}): ExecutionPayload {
  const p = randomPayload(rng, version, { maxTxs: 6, maxTxSize: 150, emptyTxs: false, withdrawals: 0, gasUsedWithinLimit: true });
  if (version >= 3) {
    p.blobGasUsed = 0n;
    p.excessBlobGas = 0n;
  }
  return { ...p, ...overrides };
}

/** Sets blockHash to the hash the header implies (so the hash check passes). */
export function withValidBlockHash(p: ExecutionPayload, parentBeaconBlockRoot?: Uint8Array): ExecutionPayload {
  return { ...p, blockHash: computeBlockHash(p, parentBeaconBlockRoot) };
}

export interface GossipMessage {
  /** What gossipsub carries: snappy(signature ‖ signed bytes). */
  raw: Uint8Array;
  decompressed: Uint8Array;
  signedBytes: Uint8Array;
  signature: Uint8Array;
}

/** Signs arbitrary signed bytes (they need not decode) and frames them as a gossip message. */
export function signRaw(signedBytes: Uint8Array, chainId: bigint, key: Uint8Array, domain: Uint8Array = BLOCK_SIGNING_DOMAIN): GossipMessage {
  const signature = signHash(signingHash(chainId, payloadHash(signedBytes), domain), key);
  const decompressed = new Uint8Array(65 + signedBytes.length);
  decompressed.set(signature, 0);
  decompressed.set(signedBytes, 65);
  return { raw: snappyEncode(decompressed), decompressed, signedBytes: decompressed.subarray(65), signature };
}

/** Encodes, signs and compresses a payload as the sequencer publishes it. */
export function buildGossip(
  payload: ExecutionPayload,
  version: BlockVersion,
  chainId: bigint,
  key: Uint8Array,
  parentBeaconBlockRoot?: Uint8Array,
  domain: Uint8Array = BLOCK_SIGNING_DOMAIN,
): GossipMessage {
  const signedBytes = encodeSignedBytes(payload, version, version >= 3 ? parentBeaconBlockRoot ?? new Uint8Array(32) : undefined);
  const m = signRaw(signedBytes, chainId, key, domain);
  // the envelope encoder must produce exactly what we framed by hand
  const env = encodeEnvelope({
    version,
    signature: m.signature,
    payload,
    ...(version >= 3 ? { parentBeaconBlockRoot: parentBeaconBlockRoot ?? new Uint8Array(32) } : {}),
  });
  if (env.length !== m.decompressed.length || env.some((b, i) => b !== m.decompressed[i])) throw new Error("encodeEnvelope disagrees with signature ‖ encodeSignedBytes");
  return m;
}

// ---- fast-check arbitraries ----

const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

export const withdrawalArb: fc.Arbitrary<Withdrawal> = fc.record({ index: u64, validatorIndex: u64, address: bytesN(20), amount: u64 });

export function payloadArb(version: BlockVersion): fc.Arbitrary<ExecutionPayload> {
  const base = {
    parentHash: bytesN(32),
    feeRecipient: bytesN(20),
    stateRoot: bytesN(32),
    receiptsRoot: bytesN(32),
    logsBloom: bytesN(256),
    prevRandao: bytesN(32),
    blockNumber: u64,
    gasLimit: u64,
    gasUsed: u64,
    timestamp: u64,
    extraData: fc.uint8Array({ maxLength: 32 }),
    baseFeePerGas: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    blockHash: bytesN(32),
    transactions: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
  };
  const wd = fc.array(withdrawalArb, { maxLength: 16 });
  switch (version) {
    case 1:
      return fc.record(base);
    case 2:
      return fc.record({ ...base, withdrawals: wd });
    case 3:
      return fc.record({ ...base, withdrawals: wd, blobGasUsed: u64, excessBlobGas: u64 });
    case 4:
      return fc.record({ ...base, withdrawals: wd, blobGasUsed: u64, excessBlobGas: u64, withdrawalsRoot: bytesN(32) });
  }
}
