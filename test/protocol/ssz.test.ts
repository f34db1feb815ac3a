// SSZ ExecutionPayload v1–v4: fast-check round trips, byte-for-byte agreement with @lodestar/types
// (bellatrix / capella / deneb ExecutionPayload; v4 = deneb + withdrawalsRoot appended, as op-node
// and op-alloy lay it out), the same accept/reject decision on mutated inputs, and every decoder check.
import { ssz } from "@lodestar/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { decodePayload, encodedPayloadSize, encodePayload, FIXED_PART } from "../../src/protocol/ssz.ts";
import type { BlockVersion, ExecutionPayload } from "../../src/protocol/types.ts";
import { payloadArb, randomPayload, Rng } from "../helpers/payload-gen.ts";
import { normalizeJsonPayload, normalizePayload, readVectorHex, readVectorJson, SSZ_VECTORS, type SszVector } from "../helpers/vectors.ts";

const VERSIONS = [1, 2, 3, 4] as const;

// ---- lodestar types ----

interface SszType {
  fields: Record<string, unknown>;
  serialize(v: unknown): Uint8Array;
  deserialize(b: Uint8Array): Record<string, unknown>;
}
type ContainerCtor = new (fields: Record<string, unknown>, opts?: Record<string, unknown>) => SszType;
type ListCtor = new (elem: unknown, limit: number) => unknown;
const Container = ssz.deneb.ExecutionPayload.constructor as unknown as ContainerCtor;
const List = ssz.capella.Withdrawals.constructor as unknown as ListCtor;
const prim = ssz as unknown as { UintNum64: unknown; UintBn64: unknown; Root: unknown };

/** lodestar's own types (uint64 header fields are JS numbers there: exact only below 2^53). */
const LODESTAR: Record<BlockVersion, SszType> = {
  1: ssz.bellatrix.ExecutionPayload as unknown as SszType,
  2: ssz.capella.ExecutionPayload as unknown as SszType,
  3: ssz.deneb.ExecutionPayload as unknown as SszType,
  // Isthmus: op-node `blockV4FixedPart`, op-alloy `ExecutionPayloadV4` — deneb's fields + withdrawalsRoot
  4: new Container({ ...ssz.deneb.ExecutionPayload.fields, withdrawalsRoot: prim.Root }, { typeName: "ExecutionPayloadV4" }),
};

/** The same containers with every uint64 as a bigint (UintBn64), for the full uint64 range. */
function widen(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, t === prim.UintNum64 ? prim.UintBn64 : t]));
}
const WideWithdrawals = new List(new Container(widen(ssz.capella.Withdrawal.fields as Record<string, unknown>)), 16);
const WIDE: Record<BlockVersion, SszType> = Object.fromEntries(
  VERSIONS.map((v) => {
    const f = widen(LODESTAR[v].fields);
    if (v >= 2) f.withdrawals = WideWithdrawals;
    return [v, new Container(f)];
  }),
) as Record<BlockVersion, SszType>;

function toLodestar(p: ExecutionPayload, version: BlockVersion, wide: boolean): Record<string, unknown> {
  const n = (x: bigint) => (wide ? x : Number(x));
  const v: Record<string, unknown> = {
    parentHash: p.parentHash,
    feeRecipient: p.feeRecipient,
    stateRoot: p.stateRoot,
    receiptsRoot: p.receiptsRoot,
    logsBloom: p.logsBloom,
    prevRandao: p.prevRandao,
    blockNumber: n(p.blockNumber),
    gasLimit: n(p.gasLimit),
    gasUsed: n(p.gasUsed),
    timestamp: n(p.timestamp),
    extraData: p.extraData,
    baseFeePerGas: p.baseFeePerGas,
    blockHash: p.blockHash,
    transactions: p.transactions,
  };
  if (version >= 2) v.withdrawals = p.withdrawals!.map((w) => ({ index: n(w.index), validatorIndex: n(w.validatorIndex), address: w.address, amount: w.amount }));
  if (version >= 3) {
    v.blobGasUsed = p.blobGasUsed;
    v.excessBlobGas = p.excessBlobGas;
  }
  if (version === 4) v.withdrawalsRoot = p.withdrawalsRoot;
  return v;
}

function fromLodestar(v: Record<string, unknown>, version: BlockVersion): ExecutionPayload {
  const b = (x: unknown) => BigInt(x as number | bigint);
  const p: ExecutionPayload = {
    parentHash: v.parentHash as Uint8Array,
    feeRecipient: v.feeRecipient as Uint8Array,
    stateRoot: v.stateRoot as Uint8Array,
    receiptsRoot: v.receiptsRoot as Uint8Array,
    logsBloom: v.logsBloom as Uint8Array,
    prevRandao: v.prevRandao as Uint8Array,
    blockNumber: b(v.blockNumber),
    gasLimit: b(v.gasLimit),
    gasUsed: b(v.gasUsed),
    timestamp: b(v.timestamp),
    extraData: v.extraData as Uint8Array,
    baseFeePerGas: b(v.baseFeePerGas),
    blockHash: v.blockHash as Uint8Array,
    transactions: v.transactions as Uint8Array[],
  };
  if (version >= 2)
    p.withdrawals = (v.withdrawals as Record<string, unknown>[]).map((w) => ({
      index: b(w.index),
      validatorIndex: b(w.validatorIndex),
      address: w.address as Uint8Array,
      amount: b(w.amount),
    }));
  if (version >= 3) {
    p.blobGasUsed = b(v.blobGasUsed);
    p.excessBlobGas = b(v.excessBlobGas);
  }
  if (version === 4) p.withdrawalsRoot = v.withdrawalsRoot as Uint8Array;
  return p;
}

function lodestarDecode(type: SszType, bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    return type.deserialize(bytes);
  } catch {
    return undefined;
  }
}

/** Clamps the uint64 fields lodestar keeps as JS numbers into the exact range. */
function safeRange(p: ExecutionPayload): ExecutionPayload {
  const c = (x: bigint) => x % BigInt(Number.MAX_SAFE_INTEGER);
  return {
    ...p,
    blockNumber: c(p.blockNumber),
    gasLimit: c(p.gasLimit),
    gasUsed: c(p.gasUsed),
    timestamp: c(p.timestamp),
    ...(p.withdrawals ? { withdrawals: p.withdrawals.map((w) => ({ ...w, index: c(w.index), validatorIndex: c(w.validatorIndex) })) } : {}),
  };
}

function mustDecode(b: Uint8Array, v: BlockVersion): ExecutionPayload {
  const r = decodePayload(b, v);
  if (!r.ok) throw new Error(r.error);
  return r.payload;
}

// ---- tests ----

describe.each(VERSIONS)("SSZ v%i", (version) => {
  it("fast-check: decode(encode(p)) == p and encode(decode(b)) == b (400 runs)", () => {
    fc.assert(
      fc.property(payloadArb(version), (p) => {
        const b = encodePayload(p, version);
        expect(b.length).toBe(encodedPayloadSize(p, version));
        const d = mustDecode(b, version);
        expect(normalizePayload(d)).toEqual(normalizePayload(p));
        expect(encodePayload(d, version)).toEqual(b);
      }),
      { numRuns: 400, seed: 0x55a + version },
    );
  });

  it("lodestar's own type: identical bytes both ways (500 random payloads, uint64 < 2^53)", () => {
    const rng = new Rng(0x10de + version);
    for (let k = 0; k < 500; k++) {
      const p = safeRange(randomPayload(rng, version, { maxTxs: 10, maxTxSize: 300 }));
      const ours = encodePayload(p, version);
      expect(toHex(LODESTAR[version].serialize(toLodestar(p, version, false)))).toBe(toHex(ours));
      expect(normalizePayload(fromLodestar(LODESTAR[version].deserialize(ours), version))).toEqual(normalizePayload(p));
    }
  });

  it("lodestar with bigint uint64s: identical bytes both ways over the full uint64 range (1000 payloads)", () => {
    const rng = new Rng(0xb16 + version);
    for (let k = 0; k < 1000; k++) {
      const p = randomPayload(rng, version, { maxTxs: 10, maxTxSize: 300 });
      const ours = encodePayload(p, version);
      const theirs = WIDE[version].serialize(toLodestar(p, version, true));
      if (toHex(theirs) !== toHex(ours)) expect.fail(`case ${k}: encodings differ`);
      expect(normalizePayload(mustDecode(theirs, version))).toEqual(normalizePayload(p));
      expect(normalizePayload(fromLodestar(WIDE[version].deserialize(ours), version))).toEqual(normalizePayload(p));
    }
  });

  it("same accept/reject decision as lodestar on 3,000 mutated encodings; what both accept is canonical", () => {
    const rng = new Rng(0xbad + version);
    let rejected = 0;
    const fixed = FIXED_PART[version];
    for (let k = 0; k < 3000; k++) {
      const p = randomPayload(rng, version, { maxTxs: 5, maxTxSize: 40, withdrawals: rng.int(0, 3) });
      const b = encodePayload(p, version).slice();
      const view = new DataView(b.buffer);
      let m: Uint8Array = b;
      // offset positions: extraData, transactions, withdrawals, then the per-transaction offsets
      const txOff = view.getUint32(504, true);
      const offsets = [436, 504, ...(version >= 2 ? [508] : []), ...p.transactions.map((_, i) => txOff + 4 * i)];
      switch (rng.int(0, 5)) {
        case 0: // rewrite an offset by a small delta
        case 1: {
          const at = rng.pick(offsets);
          view.setUint32(at, (view.getUint32(at, true) + rng.pick([-5, -4, -1, 1, 4, 8, 32, 44])) >>> 0, true);
          break;
        }
        case 2: {
          // rewrite an offset with an arbitrary value
          const at = rng.pick(offsets);
          view.setUint32(at, rng.bool() ? rng.u32() : rng.int(0, b.length + 64), true);
          break;
        }
        case 3: // truncate
          m = b.subarray(0, rng.int(0, b.length));
          break;
        case 4: {
          // append bytes
          const extra = rng.bytes(rng.pick([1, 3, 4, 44, 45]));
          m = new Uint8Array(b.length + extra.length);
          m.set(b);
          m.set(extra, b.length);
          break;
        }
        case 5: // flip a bit anywhere in the dynamic part's first bytes (offsets, lengths)
          b[rng.int(fixed, Math.min(b.length - 1, fixed + 64))]! ^= 1 << rng.int(0, 7);
          break;
      }
      const ours = decodePayload(m, version);
      const theirs = lodestarDecode(WIDE[version], m);
      if (ours.ok !== (theirs !== undefined)) expect.fail(`case ${k}: ours ${ours.ok ? "accepts" : `rejects (${ours.error})`}, lodestar ${theirs ? "accepts" : "rejects"}: ${toHex(m)}`);
      if (ours.ok) {
        expect(normalizePayload(ours.payload)).toEqual(normalizePayload(fromLodestar(theirs!, version)));
        expect(encodePayload(ours.payload, version)).toEqual(m);
      } else rejected++;
    }
    expect(rejected).toBeGreaterThan(1000);
  });

  it("decoding is zero-copy: fields are views into the input", () => {
    const p = randomPayload(new Rng(version), version);
    const b = encodePayload(p, version);
    const d = mustDecode(b, version);
    expect(d.parentHash.buffer).toBe(b.buffer);
    expect(d.extraData.byteOffset).toBe(b.byteOffset + FIXED_PART[version]);
  });
});

describe("lodestar types on the shared SSZ vectors (bytes from op-node inputs, op-alloy and hildr)", () => {
  it.each(SSZ_VECTORS)("%s: decodes with the lodestar container of its version and re-serializes identically", (name) => {
    const v = readVectorJson<SszVector>(name);
    const all = readVectorHex(name);
    const bytes = name === "ssz_opalloy_envelope_v4" ? all.subarray(32) : all;
    const version = v.block_version;
    const theirs = WIDE[version].deserialize(bytes);
    expect(normalizePayload(fromLodestar(theirs, version))).toEqual(normalizeJsonPayload(v.decoded));
    expect(WIDE[version].serialize(theirs)).toEqual(bytes);
    for (const other of VERSIONS) if (other !== version) expect(lodestarDecode(WIDE[other], bytes), `as v${other}`).toBeUndefined();
  });
});

describe("SSZ decoder checks (op-node op-service/eth/ssz.go UnmarshalSSZ; protocol notes §2.4)", () => {
  const rng = new Rng(99);
  /** A v2 payload with 2 txs and 1 withdrawal, plus its layout. */
  function sample(version: BlockVersion = 2) {
    const p = randomPayload(rng, version, { withdrawals: version >= 2 ? 1 : 0 });
    p.extraData = Uint8Array.of(1, 2, 3);
    p.transactions = [Uint8Array.of(0xaa, 0xbb), Uint8Array.of(0xcc)];
    const b = encodePayload(p, version).slice();
    const view = new DataView(b.buffer);
    const txOff = view.getUint32(504, true);
    return { p, b, view, txOff, set: (at: number, v: number) => view.setUint32(at, v >>> 0, true) };
  }
  const rejects = (b: Uint8Array, version: BlockVersion, why: RegExp) => {
    const r = decodePayload(b, version);
    expect(r.ok ? "accepted" : r.error).toMatch(why);
    expect(lodestarDecode(WIDE[version], b), "lodestar accepts it").toBeUndefined();
  };

  it("the sample decodes (sanity)", () => {
    for (const v of VERSIONS) {
      const { b } = sample(v);
      expect(decodePayload(b, v).ok).toBe(true);
    }
  });

  it("shorter than the fixed part", () => {
    for (const v of VERSIONS) rejects(new Uint8Array(FIXED_PART[v] - 1), v, /fixed part/);
    expect(decodePayload(new Uint8Array(0), 1).ok).toBe(false);
  });

  it("extraData offset must equal the fixed-part size", () => {
    for (const v of VERSIONS) {
      const s = sample(v);
      s.set(436, FIXED_PART[v] + 1);
      rejects(s.b, v, /extraData offset/);
    }
  });

  it("transactions offset before extraData", () => {
    const s = sample();
    s.set(504, FIXED_PART[2] - 1);
    rejects(s.b, 2, /before extraData/);
  });

  it("extraData longer than 32 bytes", () => {
    const p = randomPayload(rng, 1, { maxTxs: 0 });
    p.extraData = new Uint8Array(32);
    const b = encodePayload(p, 1);
    expect(decodePayload(b, 1).ok).toBe(true);
    p.extraData = new Uint8Array(33);
    expect(() => encodePayload(p, 1)).toThrow(/32 bytes/);
    // hand-built: 33 bytes of extraData
    const big = new Uint8Array(FIXED_PART[1] + 33);
    big.set(b.subarray(0, FIXED_PART[1]));
    const view = new DataView(big.buffer);
    view.setUint32(504, FIXED_PART[1] + 33, true);
    rejects(big, 1, /longer than 32/);
  });

  it("transactions offset beyond the payload", () => {
    const s = sample(1);
    s.set(504, s.b.length + 1);
    rejects(s.b, 1, /beyond|32/);
  });

  it("withdrawals offset before transactions or beyond the payload", () => {
    const s = sample(2);
    s.set(508, s.txOff - 1);
    rejects(s.b, 2, /withdrawals offset/);
    const t = sample(3);
    t.set(508, t.b.length + 1);
    rejects(t.b, 3, /withdrawals offset/);
  });

  it("first transaction offset: zero with a non-empty section, not a multiple of 4, beyond the section", () => {
    for (const [v, why] of [
      [0, /first transaction offset/],
      [2, /first transaction offset/],
      [4000, /beyond/],
    ] as const) {
      const s = sample();
      s.set(s.txOff, v);
      rejects(s.b, 2, why);
    }
  });

  it("transaction section of 1..3 bytes cannot hold an offset", () => {
    const p = randomPayload(rng, 1, { maxTxs: 0 });
    p.transactions = [];
    const b = encodePayload(p, 1);
    for (const n of [1, 2, 3]) {
      const m = new Uint8Array(b.length + n);
      m.set(b);
      rejects(m, 1, /too short/);
    }
  });

  it("transaction offsets must not decrease or run past the section", () => {
    const s = sample();
    s.set(s.txOff + 4, 7); // second tx starts before the first one's body (offset 8)
    rejects(s.b, 2, /bad end offset/);
    const t = sample();
    t.set(t.txOff + 4, 1000);
    rejects(t.b, 2, /bad end offset/);
  });

  it("withdrawals: a multiple of 44 bytes, at most 16", () => {
    const s = sample(2);
    rejects(s.b.subarray(0, s.b.length - 1), 2, /multiple of 44/);
    const p = randomPayload(rng, 2, { withdrawals: 16 });
    const b16 = encodePayload(p, 2);
    expect(decodePayload(b16, 2).ok).toBe(true);
    const b17 = new Uint8Array(b16.length + 44);
    b17.set(b16);
    rejects(b17, 2, /too many withdrawals/);
  });

  it("a payload of one version fails as every other version (layouts are unambiguous)", () => {
    for (const v of VERSIONS) {
      const { b } = sample(v);
      for (const o of VERSIONS) if (o !== v) expect(decodePayload(b, o).ok, `v${v} as v${o}`).toBe(false);
    }
  });
});

describe("SSZ encoder refuses what cannot be encoded", () => {
  const rng = new Rng(1234);
  it.each<[string, BlockVersion, (p: ExecutionPayload) => void, RegExp]>([
    ["extraData > 32 bytes", 1, (p) => (p.extraData = new Uint8Array(33)), /32 bytes/],
    ["v1 with withdrawals", 1, (p) => (p.withdrawals = []), /cannot carry withdrawals/],
    ["v2 without withdrawals", 2, (p) => delete p.withdrawals, /needs withdrawals/],
    ["17 withdrawals", 2, (p) => (p.withdrawals = Array.from({ length: 17 }, () => p.withdrawals![0] ?? { index: 0n, validatorIndex: 0n, address: new Uint8Array(20), amount: 0n })), /too many/],
    ["v3 without blob gas", 3, (p) => delete p.blobGasUsed, /blob gas/],
    ["v4 without withdrawalsRoot", 4, (p) => delete p.withdrawalsRoot, /withdrawalsRoot/],
    ["short parentHash", 1, (p) => (p.parentHash = new Uint8Array(31)), /parentHash/],
    ["short withdrawal address", 2, (p) => (p.withdrawals = [{ index: 0n, validatorIndex: 0n, address: new Uint8Array(19), amount: 0n }]), /address/],
    ["uint64 overflow", 1, (p) => (p.gasLimit = 1n << 64n), /uint64/],
    ["negative uint64", 1, (p) => (p.timestamp = -1n), /uint64/],
    ["baseFee ≥ 2^256", 1, (p) => (p.baseFeePerGas = 1n << 256n), /baseFee/],
  ])("%s", (_name, version, mutate, why) => {
    const p = randomPayload(rng, version);
    mutate(p);
    expect(() => encodePayload(p, version)).toThrow(why);
  });
});
