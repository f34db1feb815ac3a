// Recovery inputs for comparing secp256k1 backends: valid signatures from random keys and hashes
// (both recovery ids, high-s twins), and every way the scalars can be out of range or off the curve.
// Pure (noble + bigint), so Node and workerd tests share it; `bytes(n)` supplies the randomness.
import { secp256k1 } from "@noble/curves/secp256k1.js";

export interface RecoveryCase {
  label: string;
  sig64: Uint8Array;
  recoveryId: number;
  hash: Uint8Array;
}

export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

const word = (x: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
};
const num = (b: Uint8Array): bigint => b.reduce((a, x) => (a << 8n) | BigInt(x), 0n);
const mod = (a: bigint, m = N) => ((a % m) + m) % m;
function inv(a: bigint, m = N): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return mod(s0, m);
}
const rs = (r: bigint, s: bigint) => {
  const out = new Uint8Array(64);
  out.set(word(r), 0);
  out.set(word(s), 32);
  return out;
};

function randomScalar(bytes: (n: number) => Uint8Array): bigint {
  for (;;) {
    const k = num(bytes(32));
    if (k > 0n && k < N) return k;
  }
}

/** `rounds` × 16 cases. */
export function recoveryCases(rounds: number, bytes: (n: number) => Uint8Array): RecoveryCase[] {
  const cases: RecoveryCase[] = [];
  const add = (label: string, sig64: Uint8Array, recoveryId: number, hash: Uint8Array) => cases.push({ label, sig64, recoveryId, hash });
  for (let i = 0; i < rounds; i++) {
    const key = word(randomScalar(bytes));
    const hash = i % 50 === 0 ? word([0n, N, N + 1n, 2n ** 256n - 1n][(i / 50) % 4]!) : bytes(32);
    const rec = secp256k1.sign(hash, key, { prehash: false, format: "recovered" });
    const sig = rec.subarray(1);
    const v = rec[0]!;
    const r = num(sig.subarray(0, 32));
    const s = num(sig.subarray(32));
    add("valid", sig, v, hash);
    add("other recovery id", sig, v ^ 1, hash);
    add("high s (geth accepts)", rs(r, N - s), v ^ 1, hash);
    add("high s, same recovery id", rs(r, N - s), v, hash);
    add("r = 0", rs(0n, s), v, hash);
    add("s = 0", rs(r, 0n), v, hash);
    add("r = n", rs(N, s), v, hash);
    add("s = n", rs(r, N), v, hash);
    add("r > n", rs(N + 1n + (r % (2n ** 128n - 0x1000n)), s), v, hash);
    add("s > n", rs(r, 2n ** 256n - 1n - (s % 1000n)), v, hash);
    add("r = 1, s = 1", rs(1n, 1n), i & 1, hash);
    add("r = n - 1, s = n - 1", rs(N - 1n, N - 1n), i & 1, hash);
    add("random r (x on the curve half the time)", rs(randomScalar(bytes), s), i & 1, hash);
    add("garbage", bytes(64), i & 1, bytes(32));
    add("wrong hash", sig, v, bytes(32));
    // sR = hG: the recovered point is at infinity (r = x(kG), s = h/k).
    const k = randomScalar(bytes);
    const R = secp256k1.Point.BASE.multiply(k).toAffine();
    const h = mod(num(hash)) === 0n ? bytes(32) : hash;
    add("result at infinity", rs(mod(R.x), mod(num(h) * inv(k))), Number(R.y & 1n), h);
  }
  return cases;
}

/** Signatures in recoverSigner's 65-byte form (r ‖ s ‖ v) with every v that is not 0 or 1, and wrong lengths. */
export function badSignerInputs(sig64: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const v of [2, 3, 4, 27, 28, 35, 36, 127, 128, 255]) {
    const s = new Uint8Array(65);
    s.set(sig64);
    s[64] = v;
    out.push(s);
  }
  out.push(sig64, new Uint8Array(66).fill(1), new Uint8Array(0));
  return out;
}
