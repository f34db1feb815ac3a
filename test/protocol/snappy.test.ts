// Strict snappy block decoding: the same output as snappyjs on every valid stream, and a rejection
// wherever golang/snappy's Decode fails (op-node REJECTs those) even where snappyjs is lenient; the
// length preamble is checked before anything is allocated.
import snappyjs from "snappyjs";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_GOSSIP_SIZE, snappyDecode, snappyDecodedLength, snappyEncode } from "../../src/protocol/snappy.ts";
import { Rng } from "../helpers/payload-gen.ts";

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** Builds a snappy block by hand, tracking the output it must decode to. */
class Stream {
  readonly ops: number[] = [];
  readonly expected: number[] = [];

  /** minimal: the shortest literal tag; otherwise the given number (1..4) of explicit length bytes. */
  literal(bytes: ArrayLike<number>, lengthBytes = 0): this {
    const n = bytes.length - 1;
    if (lengthBytes === 0 && n < 60) this.ops.push(n << 2);
    else {
      const k = Math.max(lengthBytes, n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4);
      this.ops.push((59 + k) << 2);
      for (let i = 0; i < k; i++) this.ops.push(Math.floor(n / 256 ** i) & 0xff);
    }
    for (let i = 0; i < bytes.length; i++) {
      this.ops.push(bytes[i]!);
      this.expected.push(bytes[i]!);
    }
    return this;
  }

  /** A back-reference copy; kind 1 (len 4..11, off < 2048), 2 (len 1..64, off < 65536) or 4 (len 1..64). */
  copy(kind: 1 | 2 | 4, offset: number, length: number, track = true): this {
    if (kind === 1) this.ops.push(1 | ((length - 4) << 2) | ((offset >> 8) << 5), offset & 0xff);
    else if (kind === 2) this.ops.push(2 | ((length - 1) << 2), offset & 0xff, (offset >> 8) & 0xff);
    else this.ops.push(3 | ((length - 1) << 2), offset & 0xff, (offset >>> 8) & 0xff, (offset >>> 16) & 0xff, (offset >>> 24) & 0xff);
    if (track) for (let i = 0; i < length; i++) this.expected.push(this.expected[this.expected.length - offset]!);
    return this;
  }

  raw(...bytes: number[]): this {
    this.ops.push(...bytes);
    return this;
  }

  build(declared = this.expected.length): Uint8Array {
    return Uint8Array.from([...uvarint(declared), ...this.ops]);
  }
}

function randomValidStream(rng: Rng, canonical: boolean): Stream {
  const s = new Stream();
  const ops = rng.int(0, 40);
  for (let i = 0; i < ops; i++) {
    const have = s.expected.length;
    const r = rng.float();
    if (have === 0 || r < 0.35) {
      const n = rng.pick([1, 2, 59, 60, 61, 62, rng.int(1, 300)]);
      s.literal(rng.bytes(n), canonical || rng.bool(0.7) ? 0 : rng.int(1, 4));
    } else if (r < 0.6 && have >= 1) {
      s.copy(1, rng.int(1, Math.min(have, 2047)), rng.int(4, 11));
    } else if (r < 0.85) {
      s.copy(2, rng.int(1, Math.min(have, 65535)), rng.int(1, 64));
    } else {
      s.copy(4, rng.int(1, have), rng.int(1, 64));
    }
  }
  return s;
}

describe("snappy: valid streams", () => {
  it("decodes 3,000 random hand-built streams (all tag kinds, overlapping copies) exactly like snappyjs", () => {
    const rng = new Rng(0x5aa9);
    for (let k = 0; k < 3000; k++) {
      const s = randomValidStream(rng, true);
      const src = s.build();
      const r = snappyDecode(src);
      if (!r.ok) expect.fail(`case ${k}: ${r.error}`);
      expect(r.data).toEqual(Uint8Array.from(s.expected));
      expect(snappyjs.uncompress(src, MAX_GOSSIP_SIZE)).toEqual(r.data);
    }
  });

  it("accepts non-minimal literal length encodings, as golang/snappy does", () => {
    const rng = new Rng(7);
    for (let k = 0; k < 500; k++) {
      const s = randomValidStream(rng, false);
      const r = snappyDecode(s.build());
      expect(r.ok && r.data).toEqual(Uint8Array.from(s.expected));
    }
    // a 2-byte literal with a 4-byte length field, at the very end of the stream
    const s = new Stream().literal([9, 8], 4);
    expect(snappyDecode(s.build())).toEqual({ ok: true, data: Uint8Array.of(9, 8) });
  });

  it("round-trips snappyEncode and agrees with snappyjs on compressible and random data (600 cases)", () => {
    const rng = new Rng(0xc0de);
    for (let k = 0; k < 600; k++) {
      const n = rng.pick([0, 1, 2, 17, rng.int(0, 5000), rng.int(0, 5000), rng.int(0, 5000), rng.int(60000, 70000)]);
      const alphabet = rng.int(1, 256);
      const data = rng.bool() ? rng.bytes(n) : Uint8Array.from({ length: n }, () => rng.int(0, alphabet - 1));
      const c = snappyEncode(data);
      const r = snappyDecode(c);
      expect(r.ok && r.data).toEqual(data);
      expect(snappyjs.uncompress(c, MAX_GOSSIP_SIZE)).toEqual(data);
    }
  });

  it("empty output, and exactly the 10 MiB cap", () => {
    expect(snappyDecode(Uint8Array.of(0))).toEqual({ ok: true, data: new Uint8Array(0) });
    const big = new Uint8Array(MAX_GOSSIP_SIZE);
    const c = snappyEncode(big);
    const r = snappyDecode(c);
    expect(r.ok && r.data.length).toBe(MAX_GOSSIP_SIZE);
    expect(snappyDecode(c, MAX_GOSSIP_SIZE - 1)).toEqual({ ok: false, error: "snappy-too-large" });
    expect(snappyDecode(snappyEncode(new Uint8Array(MAX_GOSSIP_SIZE + 1)))).toEqual({ ok: false, error: "snappy-too-large" });
  });
});

describe("snappy: strictness (golang/snappy rejects; snappyjs may not)", () => {
  const corrupt = { ok: false, error: "snappy-corrupt" };
  const snappyjsAccepts = (src: Uint8Array) => {
    try {
      snappyjs.uncompress(src, 1 << 20);
      return true;
    } catch {
      return false;
    }
  };

  it("stream shorter than the declared length (snappyjs zero-pads)", () => {
    const src = new Stream().literal([1, 2, 3, 4, 5]).build(10);
    expect(snappyDecode(src)).toEqual(corrupt);
    expect(snappyjsAccepts(src)).toBe(true);
  });

  it("stream longer than the declared length (snappyjs truncates)", () => {
    const lit = new Stream().literal([1, 2, 3, 4, 5]).build(3);
    expect(snappyDecode(lit)).toEqual(corrupt);
    expect(snappyjsAccepts(lit)).toBe(true);
    const cp = new Stream().literal([1, 2, 3, 4]).copy(1, 4, 4).build(6);
    expect(snappyDecode(cp)).toEqual(corrupt);
    expect(snappyjsAccepts(cp)).toBe(true);
    // trailing bytes after a complete output
    expect(snappyDecode(new Stream().literal([1]).raw(0).build(1))).toEqual(corrupt);
  });

  it("bad copy offsets: zero, or reaching before the start of the output", () => {
    for (const kind of [1, 2, 4] as const) {
      expect(snappyDecode(new Stream().literal([1, 2, 3, 4]).copy(kind, 0, 4, false).build(8)), `copy${kind} offset 0`).toEqual(corrupt);
      expect(snappyDecode(new Stream().literal([1, 2, 3, 4]).copy(kind, 5, 4, false).build(8)), `copy${kind} offset 5`).toEqual(corrupt);
    }
    // a copy as the first op has nothing to copy from
    expect(snappyDecode(new Stream().copy(2, 1, 4, false).build(4))).toEqual(corrupt);
  });

  it("truncated tags: copy1/copy2/copy4 operands, literal length bytes, literal body", () => {
    const base = () => new Stream().literal([1, 2, 3, 4]);
    const copy1 = base().raw(0x01).build(8); // copy1 missing its offset byte
    expect(snappyDecode(copy1)).toEqual(corrupt);
    expect(snappyjsAccepts(copy1)).toBe(true); // reads past the end as zeros
    expect(snappyDecode(base().raw(0x02, 0x04).build(5))).toEqual(corrupt);
    expect(snappyDecode(base().raw(0x03, 0x04, 0, 0).build(5))).toEqual(corrupt);
    expect(snappyDecode(base().raw(61 << 2, 0x05).build(10))).toEqual(corrupt); // 2 length bytes, 1 present
    expect(snappyDecode(base().raw(63 << 2, 0, 0).build(10))).toEqual(corrupt); // 4 length bytes, 2 present
    expect(snappyDecode(base().raw(4 << 2, 9, 9).build(9))).toEqual(corrupt); // 5-byte literal, 2 present
    // a literal longer than 2^32 - 1 bytes can be declared but never satisfied
    expect(snappyDecode(base().raw(63 << 2, 0xff, 0xff, 0xff, 0xff).build(8))).toEqual(corrupt);
  });

  it("length preamble: non-minimal uvarints are fine (Go's binary.Uvarint accepts them), overflow is not", () => {
    // 5 encoded as 0x85 0x00 (non-minimal), then a 5-byte literal
    const lit = [4 << 2, 1, 2, 3, 4, 5];
    expect(snappyDecode(Uint8Array.from([0x85, 0x00, ...lit]))).toEqual({ ok: true, data: Uint8Array.of(1, 2, 3, 4, 5) });
    expect(snappyDecodedLength(Uint8Array.from([0x85, 0x80, 0x80, 0x00]))).toEqual({ ok: true, length: 5, headerBytes: 4 });
    const bad = { ok: false, error: "snappy-bad-length" };
    expect(snappyDecode(new Uint8Array(0))).toEqual(bad);
    expect(snappyDecode(Uint8Array.of(0x80))).toEqual(bad); // unterminated
    expect(snappyDecode(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00))).toEqual(bad); // 11 bytes
    expect(snappyDecode(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02))).toEqual(bad); // 10th byte > 1: overflows uint64
    expect(snappyDecode(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x10))).toEqual(bad); // 2^32 > 0xffffffff
    expect(snappyDecodedLength(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toEqual({ ok: true, length: 0xffffffff, headerBytes: 5 });
  });
});

describe("snappy: size cap before allocation", () => {
  // Records every Uint8Array allocation of 1 MiB or more made while a check runs.
  const RealUint8Array = globalThis.Uint8Array;
  let big: number[] = [];
  function watchAllocations<T>(f: () => T): T {
    big = [];
    globalThis.Uint8Array = new Proxy(RealUint8Array, {
      construct(target, args, newTarget) {
        if (typeof args[0] === "number" && args[0] >= 1 << 20) big.push(args[0]);
        return Reflect.construct(target, args, newTarget === globalThis.Uint8Array ? target : newTarget);
      },
    });
    try {
      return f();
    } finally {
      globalThis.Uint8Array = RealUint8Array;
    }
  }
  afterEach(() => {
    globalThis.Uint8Array = RealUint8Array;
  });

  /** A 20-byte message whose preamble claims `n` bytes. */
  const claim = (n: number) => {
    const h = uvarint(n);
    return Uint8Array.from([...h, ...new Array(20 - h.length).fill(0)]);
  };

  it("the allocation watch works (sanity: a valid 2 MiB message is allocated)", () => {
    const c = snappyEncode(new RealUint8Array(2 << 20));
    const r = watchAllocations(() => snappyDecode(c));
    expect(r.ok).toBe(true);
    expect(big).toContain(2 << 20);
  });

  it("a 20-byte message claiming 4 GiB − 1 → snappy-too-large, nothing allocated", () => {
    const r = watchAllocations(() => snappyDecode(claim(0xffffffff)));
    expect(r).toEqual({ ok: false, error: "snappy-too-large" });
    expect(big).toEqual([]);
  });

  it("claiming exactly 4 GiB (2^32) → snappy-bad-length (golang/snappy: ErrCorrupt), nothing allocated", () => {
    const r = watchAllocations(() => snappyDecode(claim(2 ** 32)));
    expect(r).toEqual({ ok: false, error: "snappy-bad-length" });
    expect(big).toEqual([]);
  });

  it("claiming 10 MiB + 1 → snappy-too-large; claiming 10 MiB with a 20-byte body → corrupt, nothing allocated", () => {
    expect(watchAllocations(() => snappyDecode(claim(MAX_GOSSIP_SIZE + 1)))).toEqual({ ok: false, error: "snappy-too-large" });
    expect(watchAllocations(() => snappyDecode(claim(MAX_GOSSIP_SIZE)))).toEqual({ ok: false, error: "snappy-corrupt" });
    expect(big).toEqual([]);
  });

  it("a caller-supplied cap is honoured the same way", () => {
    expect(snappyDecode(claim(101), 100)).toEqual({ ok: false, error: "snappy-too-large" });
    const c = snappyEncode(new RealUint8Array(100));
    expect(snappyDecode(c, 100).ok).toBe(true);
  });
});
