// FastLZ (level 1) compressed length and the Fjord DA usage estimate built on it, which Jovian's DA
// footprint multiplies by daFootprintGasScalar (specs protocol/fjord/exec-engine.md "Fjord L1-Cost
// fee changes", protocol/jovian/exec-engine.md "DA footprint block limit").
//
// The length is op-geth's `FlzCompressLen` (core/types/rollup_cost.go, ethereum-optimism/op-geth @
// 0054716b), itself Solady's LibZip.flzCompress (js/solady.js @ 5315d937) counting bytes instead of
// writing them: 8192-entry hash table of 3-byte sequences, matches within 8191 bytes, literal runs of
// at most 32 bytes (1 control byte each), match tokens of 2 or 3 bytes per 262 bytes of match.
// Vectors in test/devnet/fastlz.test.ts are op-geth's TestFlzCompressLen.

/** Solady/op-geth: ((2654435769 * v) >> 19) & 0x1fff on uint32. */
const hash = (v: number): number => (Math.imul(2654435769 | 0, v) >>> 19) & 0x1fff;

export function flzCompressLen(ib: Uint8Array): number {
  let n = 0;
  const ht = new Uint32Array(8192);
  const u24 = (i: number): number => ib[i]! | (ib[i + 1]! << 8) | (ib[i + 2]! << 16);
  const literals = (r: number): void => {
    n += 0x21 * Math.floor(r / 0x20);
    r %= 0x20;
    if (r !== 0) n += r + 1;
  };
  const match = (l: number): void => {
    l--;
    n += 3 * Math.floor(l / 262);
    n += l % 262 >= 6 ? 3 : 2;
  };
  const setNextHash = (ip: number): number => {
    ht[hash(u24(ip))] = ip;
    return ip + 1;
  };
  let a = 0;
  const ipLimit = ib.length < 13 ? 0 : ib.length - 13;
  for (let ip = a + 2; ip < ipLimit; ) {
    let r = 0;
    for (;;) {
      const s = u24(ip);
      const h = hash(s);
      r = ht[h]!;
      ht[h] = ip;
      const d = ip - r;
      if (ip >= ipLimit) break;
      ip++;
      if (d <= 0x1fff && s === u24(r)) break;
    }
    if (ip >= ipLimit) break;
    ip--;
    if (ip > a) literals(ip - a);
    // cmp(r+3, ip+3, ipLimit+9), literally: on the first differing byte it sets e = 0 and the loop's
    // l++ still runs, so the result counts that byte too (the match token covers it).
    let l = 0;
    for (let e = ipLimit + 9 - (ip + 3); l < e; l++) if (ib[r + 3 + l] !== ib[ip + 3 + l]) e = 0;
    match(l);
    ip = setNextHash(setNextHash(ip + l));
    a = ip;
  }
  literals(ib.length - a);
  return n;
}

/** Fjord constants (specs protocol/fjord/exec-engine.md). */
const MIN_TRANSACTION_SIZE = 100n;
const FASTLZ_INTERCEPT = -42_585_600n;
const FASTLZ_COEF = 836_500n;

/** Fjord's per-transaction DA usage estimate of its EIP-2718 bytes: max(100, (intercept + coef·flzLen) / 1e6). */
export function daUsageEstimate(rawTx: Uint8Array): bigint {
  const estimate = (FASTLZ_INTERCEPT + FASTLZ_COEF * BigInt(flzCompressLen(rawTx))) / 1_000_000n;
  return estimate < MIN_TRANSACTION_SIZE ? MIN_TRANSACTION_SIZE : estimate;
}
