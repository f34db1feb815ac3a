// RLP against @ethereumjs/rlp: identical encodings of random nested items, and the same strict
// accept/reject decision on mutated encodings (canonical forms only).
import { RLP } from "@ethereumjs/rlp";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { rlpBytesSize, rlpDecode, RlpDecodeError, rlpEncode, type RlpItem, rlpUint } from "../../src/protocol/rlp.ts";
import { Rng } from "../helpers/payload-gen.ts";

function randomItem(rng: Rng, depth: number): RlpItem {
  if (depth > 3 || rng.bool(0.6)) {
    const r = rng.float();
    if (r < 0.2) return Uint8Array.of(rng.pick([0, 1, 0x7f, 0x80, 0x81, 0xff]));
    if (r < 0.3) return rng.bytes(rng.pick([55, 56, 57, 255, 256]));
    return rng.bytes(rng.int(0, 70));
  }
  return Array.from({ length: rng.int(0, 6) }, () => randomItem(rng, depth + 1));
}

function show(x: unknown): unknown {
  return x instanceof Uint8Array ? toHex(x) : (x as unknown[]).map(show);
}

function theirsDecode(b: Uint8Array): unknown | undefined {
  try {
    return RLP.decode(b);
  } catch {
    return undefined;
  }
}

function oursDecode(b: Uint8Array): RlpItem | undefined {
  try {
    return rlpDecode(b);
  } catch (e) {
    expect(e).toBeInstanceOf(RlpDecodeError);
    return undefined;
  }
}

describe("rlp", () => {
  it("encodes 3,000 random nested items exactly like @ethereumjs/rlp and decodes them back", () => {
    const rng = new Rng(0x41f);
    for (let k = 0; k < 3000; k++) {
      const item = randomItem(rng, 0);
      const ours = rlpEncode(item);
      expect(toHex(ours)).toBe(toHex(RLP.encode(item as Parameters<typeof RLP.encode>[0])));
      expect(show(rlpDecode(ours))).toEqual(show(item));
      if (item instanceof Uint8Array) expect(rlpBytesSize(item)).toBe(ours.length);
    }
  });

  it("long lengths (≥ 56 bytes, multi-byte length fields)", () => {
    for (const n of [55, 56, 255, 256, 65535, 65536, 70000]) {
      const b = new Uint8Array(n).fill(0xab);
      expect(toHex(rlpEncode(b))).toBe(toHex(RLP.encode(b)));
      expect(toHex(rlpEncode([b, [b]]))).toBe(toHex(RLP.encode([b, [b]])));
    }
  });

  it("same accept/reject decision as @ethereumjs/rlp on 5,000 mutated encodings", () => {
    const rng = new Rng(0xbadf);
    let rejected = 0;
    for (let k = 0; k < 5000; k++) {
      const enc = rlpEncode(randomItem(rng, 0)).slice();
      let m: Uint8Array = enc;
      const r = rng.int(0, 3);
      if (r === 0 && enc.length > 0) enc[rng.int(0, Math.min(enc.length - 1, 8))]! ^= 1 << rng.int(0, 7);
      else if (r === 1) m = enc.subarray(0, rng.int(0, enc.length));
      else if (r === 2) m = Uint8Array.from([...enc, rng.int(0, 255)]);
      else if (enc.length > 0) enc[0] = rng.int(0, 255);
      // ethereumjs decodes empty input as an empty string for convenience; it is not an RLP item
      if (m.length === 0) {
        expect(oursDecode(m)).toBeUndefined();
        rejected++;
        continue;
      }
      const ours = oursDecode(m);
      const theirs = theirsDecode(m);
      if ((ours === undefined) !== (theirs === undefined)) expect.fail(`case ${k}: ours ${ours ? "accepts" : "rejects"}, ethereumjs ${theirs ? "accepts" : "rejects"}: ${toHex(m)}`);
      if (ours !== undefined) {
        expect(show(ours)).toEqual(show(theirs));
        expect(rlpEncode(ours)).toEqual(m); // what decodes is canonical
      } else rejected++;
    }
    expect(rejected).toBeGreaterThan(1000);
  });

  it("rejects non-canonical forms", () => {
    const bad = [
      [0x81, 0x05], // single byte < 0x80 wrapped
      [0xb8, 0x05, 1, 2, 3, 4, 5], // long form for a short string
      [0xb9, 0x00, 0x38, ...new Array(56).fill(0)], // leading zero in the length
      [0xf8, 0x01, 0x01], // long-form list header for a 1-byte payload
      [0x82, 0x01], // truncated string
      [0xc2, 0x01], // truncated list
      [0x01, 0x02], // trailing bytes
      [], // nothing
    ];
    for (const b of bad) expect(() => rlpDecode(Uint8Array.from(b)), toHex(Uint8Array.from(b))).toThrow(RlpDecodeError);
  });

  it("rlpUint: minimal big-endian, 0 as the empty string", () => {
    expect(rlpUint(0)).toEqual(new Uint8Array(0));
    expect(rlpUint(127)).toEqual(Uint8Array.of(0x7f));
    expect(rlpUint(256n)).toEqual(Uint8Array.of(1, 0));
    expect(rlpUint((1n << 64n) - 1n)).toEqual(new Uint8Array(8).fill(0xff));
    expect(toHex(rlpEncode(rlpUint(1024n)))).toBe(toHex(RLP.encode(1024n)));
    expect(() => rlpUint(-1n)).toThrow();
  });
});
