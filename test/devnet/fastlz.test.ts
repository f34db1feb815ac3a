import { describe, expect, it } from "vitest";
import { daUsageEstimate, flzCompressLen } from "../../src/devnet/fastlz.ts";
import { fromHex } from "../../src/protocol/hex.ts";
import "../../src/node/keccak.ts";
import { Rng, streamBytes } from "../../src/devnet/rng.ts";

// op-geth core/types/rollup_cost_test.go TestFlzCompressLen (the same vectors appear in op-service's
// fees tests and in Besu's RollupGasDataTest).
const EMPTY_TX = "0xdd80808094095e7baea6a6c7c4c2dfeb977efac326af552d878080808080";
const CONTRACT_CALL_TX =
  "0x02f901550a758302df1483be21b88304743f94f8" +
  "0e51afb613d764fa61751affd3313c190a86bb870151bd62fd12adb8" +
  "e41ef24f3f0000000000000000000000000000000000000000000000" +
  "00000000000000006e000000000000000000000000af88d065e77c8c" +
  "c2239327c5edb3a432268e5831000000000000000000000000000000" +
  "000000000000000000000000000003c1e50000000000000000000000" +
  "00000000000000000000000000000000000000000000000000000000" +
  "000000000000000000000000000000000000000000000000a0000000" +
  "00000000000000000000000000000000000000000000000000000000" +
  "148c89ed219d02f1a5be012c689b4f5b731827bebe00000000000000" +
  "0000000000c001a033fd89cb37c31b2cba46b6466e040c61fc9b2a36" +
  "75a7f5f493ebd5ad77c497f8a07cdf65680e238392693019b4092f61" +
  "0222e71b7cec06449cb922b93b6a12744e";

describe("FastLZ compressed length (op-geth FlzCompressLen)", () => {
  it("op-geth's vectors", () => {
    expect(flzCompressLen(new Uint8Array(0))).toBe(0);
    expect(flzCompressLen(new Uint8Array(1000).fill(1))).toBe(21);
    expect(flzCompressLen(new Uint8Array(1000))).toBe(21);
    expect(fromHex(EMPTY_TX).length).toBe(30);
    expect(flzCompressLen(fromHex(EMPTY_TX))).toBe(31);
    expect(fromHex(CONTRACT_CALL_TX).length).toBe(345);
    expect(flzCompressLen(fromHex(CONTRACT_CALL_TX))).toBe(202);
  });

  it("incompressible data costs 33 bytes per 32, and the estimate follows", () => {
    const r = streamBytes(new Rng("fastlz"), 120_000, "x");
    const n = flzCompressLen(r);
    expect(n).toBeGreaterThanOrEqual(Math.floor((120_000 * 33) / 32) - 64);
    expect(n).toBeLessThanOrEqual(Math.ceil((120_000 * 33) / 32) + 64);
    expect(daUsageEstimate(r)).toBe((-42_585_600n + 836_500n * BigInt(n)) / 1_000_000n);
    expect(daUsageEstimate(fromHex(EMPTY_TX))).toBe(100n); // the floor
  });
});
