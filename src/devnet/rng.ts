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
