// Deterministic, order-independent randomness for the devnet chain model: every value is
// keccak256(seed ‖ label parts), so a block's contents depend only on (seed, what it is, which
// variant), never on how many other values were drawn before it. Replaying the same calls on the
// same seed gives byte-identical chains.
import { bigintToBytes, bytesToBigint, concatBytes } from "../protocol/bytes.ts";
import { keccak256 } from "../protocol/keccak/index.ts";

export type Part = string | number | bigint | Uint8Array;

const enc = new TextEncoder();

function partBytes(p: Part): Uint8Array {
  if (p instanceof Uint8Array) return concatBytes(Uint8Array.of(0x01), bigintToBytes(BigInt(p.length), 4), p);
  if (typeof p === "string") {
    const s = enc.encode(p);
    return concatBytes(Uint8Array.of(0x02), bigintToBytes(BigInt(s.length), 4), s);
  }
  return concatBytes(Uint8Array.of(0x03), bigintToBytes(BigInt(p), 32));
}

export class Rng {
  readonly seed: Uint8Array;

  constructor(seed: string | number | bigint | Uint8Array) {
    this.seed = keccak256(partBytes(seed));
  }

  /** 32 pseudo-random bytes named by `parts`. */
  bytes32(...parts: Part[]): Uint8Array {
    return keccak256(concatBytes(this.seed, ...parts.map(partBytes)));
  }

  /** `n` pseudo-random bytes (n <= 32). */
  bytes(n: number, ...parts: Part[]): Uint8Array {
    return this.bytes32(...parts).slice(0, n);
  }

  /** Uniform-ish integer in [0, bound). */
  int(bound: bigint, ...parts: Part[]): bigint {
    if (bound <= 0n) throw new RangeError("Rng.int: bound must be positive");
    return bytesToBigint(this.bytes32(...parts)) % bound;
  }

  /** Integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number, ...parts: Part[]): number {
    return lo + Number(this.int(BigInt(hi - lo + 1), ...parts));
  }

  /** true with probability p. */
  chance(p: number, ...parts: Part[]): boolean {
    return Number(this.int(1_000_000n, ...parts)) < Math.round(p * 1_000_000);
  }
}

/**
 * `n` pseudo-random bytes named by `parts`: keccak256 gives the 128-bit seed, xoshiro128** (Blackman
 * & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c) expands it — keccak per 32 bytes would cost
 * seconds for the megabytes of calldata a big devnet block carries. Deterministic like the rest.
 */
export function streamBytes(rng: Rng, n: number, ...parts: Part[]): Uint8Array {
  const k = rng.bytes32("stream", ...parts);
  const v = new DataView(k.buffer, k.byteOffset, 16);
  let a = v.getUint32(0) | 1; // xoshiro's state must not be all zero
  let b = v.getUint32(4);
  let c = v.getUint32(8);
  let d = v.getUint32(12);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    out[i] = r & 0xff;
    if (i + 1 < n) out[i + 1] = (r >>> 8) & 0xff;
    if (i + 2 < n) out[i + 2] = (r >>> 16) & 0xff;
    if (i + 3 < n) out[i + 3] = r >>> 24;
  }
  return out;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
