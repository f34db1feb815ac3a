// Block signatures: signing hash layout, deterministic low-s signing, and signer recovery with geth's
// acceptance rules — cross-checked against viem (an independent secp256k1/keccak/EIP-55 code path).
import "../../src/node/keccak.ts";
import sha3 from "js-sha3";
import { getAddress, recoverAddress, type Hex as ViemHex } from "viem";
import { privateKeyToAddress, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { sameAddress } from "../../src/protocol/address.ts";
import { bigintToBytes } from "../../src/protocol/bytes.ts";
import { toHex } from "../../src/protocol/hex.ts";
import {
  addressOfPrivateKey,
  BLOCK_SIGNING_DOMAIN,
  payloadHash,
  recoverSigner,
  signHash,
  signingHash,
} from "../../src/protocol/signature.ts";
import { Rng } from "../helpers/payload-gen.ts";
import { ANVIL } from "../helpers/vectors.ts";

const keccakJs = (d: Uint8Array) => new Uint8Array(sha3.keccak256.arrayBuffer(d));
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function randomKey(rng: Rng): Uint8Array {
  for (;;) {
    const k = rng.bytes(32);
    const v = BigInt(toHex(k));
    if (v > 0n && v < N) return k;
  }
}

describe("signing hash", () => {
  it("= keccak256(domain ‖ uint256be(chainId) ‖ payloadHash), domain = 32 zero bytes", () => {
    const rng = new Rng(1);
    expect(BLOCK_SIGNING_DOMAIN).toEqual(new Uint8Array(32));
    for (const chainId of [0n, 1n, 10n, 100n, 1301n, 8453n, (1n << 64n) - 1n, 1n << 255n]) {
      const data = rng.bytes(rng.int(0, 2000));
      const ph = payloadHash(data);
      expect(ph).toEqual(keccakJs(data));
      const msg = new Uint8Array(96);
      msg.set(bigintToBytes(chainId, 32), 32);
      msg.set(ph, 64);
      expect(signingHash(chainId, ph)).toEqual(keccakJs(msg));
      const domain = rng.bytes(32);
      msg.set(domain, 0);
      expect(signingHash(chainId, ph, domain)).toEqual(keccakJs(msg));
    }
  });

  it("a chain id that does not fit 32 bytes throws", () => {
    expect(() => signingHash(1n << 256n, new Uint8Array(32))).toThrow();
  });
});

describe("sign and recover (against viem)", () => {
  it("120 random keys and hashes: identical RFC 6979 signatures, same signer, EIP-55 spelling, low s", async () => {
    const rng = new Rng(0x51);
    for (let k = 0; k < 120; k++) {
      const key = k < 2 ? [ANVIL[0].key, ANVIL[5].key][k]! : randomKey(rng);
      const hash = rng.bytes(32);
      const sig = signHash(hash, key);
      expect(sig.length).toBe(65);
      expect(sig[64]! <= 1).toBe(true);
      expect(BigInt(toHex(sig.subarray(32, 64))) <= N / 2n).toBe(true);

      const theirs = await sign({ hash: toHex(hash), privateKey: toHex(key) });
      expect(toHex(sig)).toBe(`${theirs.r}${theirs.s.slice(2)}${theirs.yParity === 1 ? "01" : "00"}`);

      const addr = privateKeyToAddress(toHex(key));
      expect(addressOfPrivateKey(key)).toBe(addr); // checksummed identically
      expect(recoverSigner(sig, hash)).toBe(addr);
      expect(await recoverAddress({ hash: toHex(hash), signature: toHex(sig) as ViemHex })).toBe(addr);
    }
    expect(addressOfPrivateKey(ANVIL[5].key)).toBe(ANVIL[5].address);
    expect(addressOfPrivateKey(ANVIL[0].key)).toBe(getAddress(ANVIL[0].address));
  });

  it("recovery id must be 0 or 1 (27/28 and 2/3 are refused, as op-node signs 0/1 and geth's SigToPub wants 0/1)", () => {
    const hash = new Rng(2).bytes(32);
    const sig = signHash(hash, ANVIL[5].key);
    for (const v of [2, 3, 27, 28, 255]) {
      const bad = sig.slice();
      bad[64] = v;
      expect(recoverSigner(bad, hash), `v=${v}`).toBeUndefined();
    }
    const flipped = sig.slice();
    flipped[64]! ^= 1;
    const other = recoverSigner(flipped, hash);
    if (other !== undefined) expect(sameAddress(other, ANVIL[5].address)).toBe(false);
  });

  it("wrong length, r or s zero or ≥ n → no signer", () => {
    const hash = new Rng(3).bytes(32);
    const sig = signHash(hash, ANVIL[5].key);
    expect(recoverSigner(sig.subarray(0, 64), hash)).toBeUndefined();
    expect(recoverSigner(Uint8Array.from([...sig, 0]), hash)).toBeUndefined();
    const withRS = (r: bigint, s: bigint) => Uint8Array.from([...bigintToBytes(r, 32), ...bigintToBytes(s, 32), sig[64]!]);
    const s = BigInt(toHex(sig.subarray(32, 64)));
    const r = BigInt(toHex(sig.subarray(0, 32)));
    expect(recoverSigner(withRS(0n, s), hash)).toBeUndefined();
    expect(recoverSigner(withRS(r, 0n), hash)).toBeUndefined();
    expect(recoverSigner(withRS(N, s), hash)).toBeUndefined();
    expect(recoverSigner(withRS(r, N), hash)).toBeUndefined();
    expect(recoverSigner(withRS((1n << 256n) - 1n, s), hash)).toBeUndefined();
    expect(recoverSigner(new Uint8Array(65), hash)).toBeUndefined();
  });

  it("high-s is not rejected (geth's SigToPub recovers it; only signing is low-s): same signer", () => {
    const hash = new Rng(4).bytes(32);
    const sig = signHash(hash, ANVIL[5].key);
    const s = BigInt(toHex(sig.subarray(32, 64)));
    const high = sig.slice();
    high.set(bigintToBytes(N - s, 32), 32);
    high[64]! ^= 1;
    expect(recoverSigner(high, hash)).toBe(ANVIL[5].address);
  });

  it("sameAddress compares case-insensitively", () => {
    expect(sameAddress(ANVIL[5].address, ANVIL[5].address.toLowerCase())).toBe(true);
    expect(sameAddress(ANVIL[5].address, ANVIL[0].address)).toBe(false);
  });
});
