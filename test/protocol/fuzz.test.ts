// Fuzzing the validation pipeline: > 20,000 mutated and truncated envelopes per run (seeded, so every
// run checks the same cases). For each: no exception escapes, the verdict is the one its reason code
// maps to, no internal error occurs, and nothing whose signed bytes changed is ever accepted.
import "../../src/node/keccak.ts";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { SeenBlocks } from "../../src/protocol/seen-blocks.ts";
import { snappyDecode, snappyEncode } from "../../src/protocol/snappy.ts";
import { crossSafeTopic, formatTopic } from "../../src/protocol/topic.ts";
import type { Address, BlockVersion } from "../../src/protocol/types.ts";
import { validateGossipMessage, type ValidationContext, type ValidationResult } from "../../src/protocol/validate.ts";
import { type GossipReason, REASONS } from "../../src/protocol/verdict.ts";
import { BLOCK_SIGNING_DOMAIN, CROSS_SAFE_SIGNING_DOMAIN } from "../../src/protocol/signing-domain.ts";
import { buildGossip, Rng, signRaw, validPayload, withValidBlockHash } from "../helpers/payload-gen.ts";
import { ANVIL, type GossipVector, readVectorHex, readVectorJson, versionOfTopic } from "../helpers/vectors.ts";

interface Base {
  name: string;
  /** The signing domain of the base's topic (cross-safe attestations have their own, §8.8). */
  domain?: Uint8Array;
  raw: Uint8Array;
  decompressed: Uint8Array;
  version: BlockVersion;
  chainId: bigint;
  key: Uint8Array;
  ctx: () => ValidationContext;
  /** Offset of the SSZ payload inside the decompressed envelope. */
  payloadStart: number;
}

const SIGNER = ANVIL[5].address as Address;

function fromVector(name: string): Base {
  const v = readVectorJson<GossipVector>(name);
  const raw = readVectorHex(name);
  const d = snappyDecode(raw);
  if (!d.ok) throw new Error(name);
  const version = versionOfTopic(v.topic_version);
  const chainId = BigInt(v.chain_id!);
  return {
    name,
    raw,
    decompressed: d.data,
    version,
    chainId,
    key: ANVIL[5].key,
    payloadStart: version >= 3 ? 97 : 65,
    ctx: () => ({ chainId, topic: v.topic, kind: "blocks", version, signer: SIGNER, now: v.timestamp, seen: new SeenBlocks() }),
  };
}

function generated(rng: Rng, version: BlockVersion, crossSafe: boolean, maxTxs: number): Base {
  const chainId = 901n;
  const now = 1_760_000_000;
  const pbr = version >= 3 ? rng.bytes(32) : undefined;
  const p = validPayload(rng, version, { timestamp: BigInt(now) });
  p.transactions = Array.from({ length: rng.int(1, maxTxs) }, () => rng.bytes(rng.int(1, 120)));
  p.extraData = rng.bytes(rng.int(0, 32));
  const domain = crossSafe ? CROSS_SAFE_SIGNING_DOMAIN : BLOCK_SIGNING_DOMAIN;
  const m = buildGossip(withValidBlockHash(p, pbr), version, chainId, ANVIL[5].key, pbr, domain);
  const topic = crossSafe ? crossSafeTopic(chainId) : formatTopic(chainId, "blocks", version);
  return {
    name: `generated v${version}${crossSafe ? " cross-safe" : ""}`,
    domain,
    raw: m.raw,
    decompressed: m.decompressed,
    version,
    chainId,
    key: ANVIL[5].key,
    payloadStart: version >= 3 ? 97 : 65,
    ctx: () => ({ chainId, topic, kind: crossSafe ? "cross-safe" : "blocks", version, signer: SIGNER, now, seen: new SeenBlocks() }),
  };
}

// ---- byte mutations ----

function flipBits(rng: Rng, b: Uint8Array, from = 0, to = b.length - 1): Uint8Array {
  const m = b.slice();
  const n = rng.pick([1, 1, 1, 2, 3, 8]);
  for (let i = 0; i < n; i++) m[rng.int(from, to)]! ^= 1 << rng.int(0, 7);
  return m;
}

function insertByte(rng: Rng, b: Uint8Array): Uint8Array {
  const at = rng.int(0, b.length);
  const m = new Uint8Array(b.length + 1);
  m.set(b.subarray(0, at));
  m[at] = rng.int(0, 255);
  m.set(b.subarray(at), at + 1);
  return m;
}

function deleteByte(rng: Rng, b: Uint8Array): Uint8Array {
  const at = rng.int(0, b.length - 1);
  const m = new Uint8Array(b.length - 1);
  m.set(b.subarray(0, at));
  m.set(b.subarray(at + 1), at);
  return m;
}

function overwriteByte(rng: Rng, b: Uint8Array, from = 0, to = b.length - 1): Uint8Array {
  const m = b.slice();
  m[rng.int(from, to)] = rng.int(0, 255);
  return m;
}

/** Rewrites one SSZ offset (extraData, transactions, withdrawals, or a transaction offset). */
function rewriteOffset(rng: Rng, base: Base, d: Uint8Array): Uint8Array {
  const m = d.slice();
  const view = new DataView(m.buffer);
  const ps = base.payloadStart;
  const txSection = ps + view.getUint32(ps + 504, true);
  const positions = [ps + 436, ps + 504, ...(base.version >= 2 ? [ps + 508] : [])];
  const firstTx = txSection + 4 <= m.length ? view.getUint32(txSection, true) : 0;
  for (let i = 0; i < firstTx / 4 && txSection + 4 * i + 4 <= m.length && i < 64; i++) positions.push(txSection + 4 * i);
  const at = rng.pick(positions);
  const old = view.getUint32(at, true);
  const payloadLen = m.length - ps;
  const value = rng.pick([0, 1, 4, old - 4, old - 1, old + 1, old + 4, old + 44, payloadLen, payloadLen + 1, rng.u32(), rng.int(0, payloadLen)]);
  view.setUint32(at, value >>> 0, true);
  return m;
}

/** Appends whole 44-byte withdrawal records (on v4 they are outside the header hash). */
function appendWithdrawals(rng: Rng, d: Uint8Array): Uint8Array {
  const extra = rng.bytes(44 * rng.int(1, 2));
  const m = new Uint8Array(d.length + extra.length);
  m.set(d);
  m.set(extra, d.length);
  return m;
}

function mutateDecompressed(rng: Rng, base: Base, d: Uint8Array): Uint8Array {
  switch (rng.int(0, 7)) {
    case 7:
      return appendWithdrawals(rng, d);
    case 0:
      return flipBits(rng, d);
    case 1:
      return flipBits(rng, d, base.payloadStart, d.length - 1);
    case 2:
      return insertByte(rng, d);
    case 3:
      return deleteByte(rng, d);
    case 4:
      return overwriteByte(rng, d);
    case 5:
      return d.subarray(0, rng.int(0, d.length - 1));
    default:
      return rewriteOffset(rng, base, d);
  }
}

function mutateCompressed(rng: Rng, raw: Uint8Array): Uint8Array {
  switch (rng.int(0, 3)) {
    case 0:
      return flipBits(rng, raw);
    case 1:
      return insertByte(rng, raw);
    case 2:
      return deleteByte(rng, raw);
    default:
      return overwriteByte(rng, raw);
  }
}

// ---- invariants ----

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
// A mutated signature may also come out high-s, which only the cross-safe topic refuses (§8.7).
const SIGNATURE_FAILURES: GossipReason[] = ["wrong-signer", "signature-invalid", "signature-high-s"];

class Tally {
  total = 0;
  readonly byReason = new Map<string, number>();
  readonly byKind = new Map<string, number>();

  async run(kind: string, raw: Uint8Array, c: ValidationContext): Promise<ValidationResult> {
    let r: ValidationResult;
    try {
      r = await validateGossipMessage(raw, c);
    } catch (e) {
      throw new Error(`${kind}: exception escaped validateGossipMessage on ${toHex(raw)}: ${String(e)}`);
    }
    this.total++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    this.byReason.set(r.reason, (this.byReason.get(r.reason) ?? 0) + 1);
    if (!(r.reason in REASONS) || r.verdict !== REASONS[r.reason]) throw new Error(`${kind}: unknown reason or verdict ${r.reason}/${r.verdict}`);
    if (r.reason === "internal-error") throw new Error(`${kind}: internal error (${r.detail}) on ${toHex(raw)}`);
    if (!/^[0-9a-f]{40}$/.test(r.messageId)) throw new Error(`${kind}: bad message id ${r.messageId}`);
    return r;
  }
}

/** What the mutated message decompresses to (undefined when it does not). */
function decompress(raw: Uint8Array): Uint8Array | undefined {
  const d = snappyDecode(raw);
  return d.ok ? d.data : undefined;
}

describe("fuzz: validateGossipMessage", () => {
  const rng = new Rng(0xf022);
  const bases: Base[] = [
    fromVector("opalloy_gossip_v1"),
    fromVector("opalloy_gossip_v2"),
    fromVector("opalloy_gossip_v3"),
    fromVector("synthetic_v4_unichain_sepolia_35535698_valid"),
    generated(rng, 1, false, 6),
    generated(rng, 2, false, 6),
    generated(rng, 3, false, 12),
    generated(rng, 4, false, 12),
    generated(rng, 4, true, 30),
  ];
  const tally = new Tally();

  it("every base message is accepted unmutated", async () => {
    for (const b of bases) expect((await tally.run("base", b.raw, b.ctx())).reason, b.name).toBe("valid");
  });

  it("truncation of the compressed message at every offset → REJECT (snappy)", async () => {
    for (const b of bases) {
      for (let n = 0; n < b.raw.length; n++) {
        const r = await tally.run("truncate-compressed", b.raw.subarray(0, n), b.ctx());
        if (r.reason !== "snappy-corrupt" && r.reason !== "snappy-bad-length") expect.fail(`${b.name} cut at ${n}: ${r.reason}`);
      }
    }
  });

  it("2,500 compressed messages with a rewritten length preamble or appended bytes → REJECT (snappy)", async () => {
    for (let k = 0; k < 2500; k++) {
      const b = bases[k % bases.length]!;
      let m: Uint8Array;
      if (k % 2 === 0) {
        const tail = rng.bytes(rng.pick([1, 2, 3, 5, rng.int(1, 64)]));
        m = new Uint8Array(b.raw.length + tail.length);
        m.set(b.raw);
        m.set(tail, b.raw.length);
      } else {
        let declared = b.decompressed.length;
        while (declared === b.decompressed.length) declared = rng.pick([0, 1, 65, declared - 1, declared + 1, rng.int(0, 20000), rng.u32(), 2 ** 32 + rng.int(0, 9)]);
        const pre: number[] = [];
        for (let n = declared; ; n = Math.floor(n / 128)) {
          if (n < 128) {
            pre.push(n);
            break;
          }
          pre.push((n % 128) | 0x80);
        }
        let skip = 0;
        while (b.raw[skip]! >= 0x80) skip++;
        m = Uint8Array.from([...pre, ...b.raw.subarray(skip + 1)]);
      }
      const r = await tally.run("rewrite-preamble-or-append", m, b.ctx());
      expect(["snappy-corrupt", "snappy-too-large", "snappy-bad-length"], `${b.name} case ${k}`).toContain(r.reason);
    }
  });

  it("truncation of the decompressed envelope (recompressed) at 40 offsets per base → never accepted", async () => {
    for (const b of bases) {
      const cuts = new Set([0, 1, 64, 65, 66, 96, 97, 98, b.payloadStart + 435, b.payloadStart + 508, b.decompressed.length - 1]);
      while (cuts.size < 40) cuts.add(rng.int(0, b.decompressed.length - 1));
      for (const n of cuts) {
        if (n >= b.decompressed.length) continue;
        const r = await tally.run("truncate-decompressed", snappyEncode(b.decompressed.subarray(0, n)), b.ctx());
        expect(r.verdict, `${b.name} cut at ${n}: ${r.reason}`).not.toBe("accept");
        if (n < 66) expect(r.reason).toBe("too-short");
        else expect(SIGNATURE_FAILURES).toContain(r.reason);
      }
    }
  });

  it("7,000 mutations of the compressed stream: accepted only if it still decompresses to the original envelope", async () => {
    for (let k = 0; k < 7000; k++) {
      const b = bases[k % bases.length]!;
      const m = mutateCompressed(rng, b.raw);
      const r = await tally.run("mutate-compressed", m, b.ctx());
      const d = decompress(m);
      if (r.verdict === "accept" && !(d && equal(d, b.decompressed))) expect.fail(`${b.name} case ${k}: accepted a changed envelope ${toHex(m)}`);
      if (d && d.length >= 66 && !equal(d.subarray(65), b.decompressed.subarray(65)) && !SIGNATURE_FAILURES.includes(r.reason))
        expect.fail(`${b.name} case ${k}: signed bytes changed but ${r.reason}`);
    }
  });

  it("3,500 mutations of the decompressed envelope, recompressed so they pass snappy: none accepted", async () => {
    for (let k = 0; k < 3500; k++) {
      const b = bases[k % bases.length]!;
      const d = mutateDecompressed(rng, b, b.decompressed);
      if (equal(d, b.decompressed)) continue;
      const r = await tally.run("mutate-decompressed", snappyEncode(d), b.ctx());
      if (r.verdict === "accept") expect.fail(`${b.name} case ${k}: accepted a changed envelope ${toHex(d)}`);
      if (d.length < 66) expect(r.reason).toBe("too-short");
      else expect(SIGNATURE_FAILURES, `${b.name} case ${k}`).toContain(r.reason);
    }
  });

  it("1,500 mutations of the signed bytes, re-signed with the sequencer key: reach the SSZ/hash/field rules, none accepted", async () => {
    const reached = new Set<string>();
    for (let k = 0; k < 1500; k++) {
      const b = bases[k % bases.length]!;
      const d = mutateDecompressed(rng, b, b.decompressed);
      if (d.length < 66 || equal(d.subarray(65), b.decompressed.subarray(65))) continue;
      const m = signRaw(d.subarray(65), b.chainId, b.key, b.domain);
      const r = await tally.run("mutate-resigned", m.raw, b.ctx());
      reached.add(r.reason);
      if (r.verdict === "accept") expect.fail(`${b.name} case ${k}: accepted changed signed bytes ${toHex(m.decompressed)}`);
      expect(SIGNATURE_FAILURES).not.toContain(r.reason);
    }
    // the signature no longer shields the later rules
    for (const reason of ["ssz-invalid", "block-hash-mismatch", "withdrawals-not-empty"]) expect(reached).toContain(reason);
  });

  it("ran at least 20,000 envelopes", () => {
    const summary = { total: tally.total, byKind: Object.fromEntries(tally.byKind), byReason: Object.fromEntries(tally.byReason) };
    console.log(`fuzz: ${JSON.stringify(summary)}`);
    expect(tally.total).toBeGreaterThanOrEqual(20_000);
  });
});
