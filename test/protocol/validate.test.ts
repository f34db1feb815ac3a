// Gossip validation rules, one by one, with envelopes built by our encoders and signed with a test key:
// each reason code is reached (or shown impossible by layout), with op-node's verdict and order.
import "../../src/node/keccak.ts";
import { afterAll, describe, expect, it } from "vitest";
import { bigintToBytes } from "../../src/protocol/bytes.ts";
import { encodeSignedBytes } from "../../src/protocol/envelope.ts";
import { toHex } from "../../src/protocol/hex.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { SeenBlocks } from "../../src/protocol/seen-blocks.ts";
import { BLOCK_SIGNING_DOMAIN, CROSS_SAFE_SIGNING_DOMAIN, isHighS } from "../../src/protocol/signature.ts";
import { MAX_GOSSIP_SIZE, snappyEncode } from "../../src/protocol/snappy.ts";
import { decodePayload, encodePayload } from "../../src/protocol/ssz.ts";
import { crossSafeTopic, formatTopic } from "../../src/protocol/topic.ts";
import type { Address, BlockVersion, ExecutionPayload } from "../../src/protocol/types.ts";
import { DEFAULT_PAST_WINDOW_SECONDS, FUTURE_WINDOW_SECONDS, validateGossipMessage, type ValidationContext } from "../../src/protocol/validate.ts";
import { type GossipReason, REASONS, verdictOf } from "../../src/protocol/verdict.ts";
import { buildGossip, type GossipMessage, randomPayload, randomWithdrawal, Rng, signRaw, validPayload, withValidBlockHash } from "../helpers/payload-gen.ts";
import { ANVIL } from "../helpers/vectors.ts";

const CHAIN = 901n;
const KEY = ANVIL[5].key;
const SIGNER = ANVIL[5].address as Address;
const NOW = 1_750_000_000;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const rng = new Rng(0x7a11d);
const observed = new Set<GossipReason>();

/** Reasons validateGossipMessage cannot produce, and why. */
const UNREACHABLE: Partial<Record<GossipReason, string>> = {
  "withdrawals-missing": "v2+ layouts always carry a withdrawals list (possibly empty); the decoder always sets it",
  "blob-gas-missing": "v3+ layouts always carry blobGasUsed and excessBlobGas",
  "parent-beacon-root-missing": "v3+ envelopes always carry the 32-byte root before the payload",
  "withdrawals-root-missing": "the v4 layout always carries withdrawalsRoot",
  "unknown-topic": "the caller maps the topic to a version before validating (parseTopic → undefined; see message-id.test.ts)",
};

function ctx(version: BlockVersion, over: Partial<ValidationContext> = {}): ValidationContext {
  return { chainId: CHAIN, topic: formatTopic(CHAIN, "blocks", version), kind: "blocks", version, signer: SIGNER, now: NOW, seen: new SeenBlocks(), ...over };
}

/** A valid, signed message at NOW (overrides applied before the block hash is computed). */
function message(version: BlockVersion, over: Partial<ExecutionPayload> = {}, opts: { key?: Uint8Array; chainId?: bigint; badHash?: boolean; domain?: Uint8Array } = {}): GossipMessage & { payload: ExecutionPayload } {
  const pbr = version >= 3 ? rng.bytes(32) : undefined;
  let p = validPayload(rng, version, { timestamp: BigInt(NOW), ...over });
  p = opts.badHash ? { ...p, blockHash: rng.bytes(32) } : withValidBlockHash(p, pbr);
  return { ...buildGossip(p, version, opts.chainId ?? CHAIN, opts.key ?? KEY, pbr, opts.domain), payload: p };
}

async function expectReason(raw: Uint8Array, c: ValidationContext, reason: GossipReason) {
  const r = await validateGossipMessage(raw, c);
  expect(r.reason, r.detail).toBe(reason);
  expect(r.verdict).toBe(REASONS[reason]);
  // the message id is op-node's for the topic, whichever rule fired
  expect(r.messageId).toBe(toHex(await computeMessageId(c.topic, raw)).slice(2));
  observed.add(reason);
  return r;
}

/** Replaces the decompressed bytes' signature and recompresses. */
function withSignature(m: GossipMessage, sig: Uint8Array): Uint8Array {
  const d = m.decompressed.slice();
  d.set(sig, 0);
  return snappyEncode(d);
}

describe("verdicts follow op-node (protocol notes §4.1, §8.2)", () => {
  it("only a missing signer, an already-seen block and (cross-safe) a high-s twin are IGNOREd; everything else but valid is REJECTed", () => {
    const ignored = ["no-signer-configured", "already-seen", "signature-high-s"];
    for (const [reason, verdict] of Object.entries(REASONS)) {
      const want = reason === "valid" ? "accept" : ignored.includes(reason) ? "ignore" : "reject";
      expect(verdict, reason).toBe(want);
      expect(verdictOf(reason as GossipReason)).toBe(want);
    }
    expect(DEFAULT_PAST_WINDOW_SECONDS).toBe(60);
    expect(FUTURE_WINDOW_SECONDS).toBe(5);
  });
});

describe("accept", () => {
  it.each([1, 2, 3, 4] as const)("a valid v%i block on its blocks topic", async (version) => {
    const m = message(version);
    const r = await expectReason(m.raw, ctx(version), "valid");
    expect(r.signer).toBe(SIGNER);
    expect(r.blockHash).toBe(toHex(m.payload.blockHash));
    expect(r.payloadHash).toBeDefined();
    expect(r.envelope?.version).toBe(version);
  });

  it("a valid v4 block on the cross-safe topic; the signer may be configured in lowercase", async () => {
    const m = message(4, {}, { domain: CROSS_SAFE_SIGNING_DOMAIN });
    await expectReason(m.raw, ctx(4, { kind: "cross-safe", topic: crossSafeTopic(CHAIN), signer: SIGNER.toLowerCase() as Address }), "valid");
  });
});

describe("size and compression (step 1)", () => {
  it("message-too-large: more than 10 MiB on the wire", async () => {
    await expectReason(new Uint8Array(MAX_GOSSIP_SIZE + 1), ctx(4), "message-too-large");
  });

  it("snappy-bad-length, snappy-too-large, snappy-corrupt", async () => {
    await expectReason(Uint8Array.of(0x80), ctx(4), "snappy-bad-length");
    await expectReason(new Uint8Array(0), ctx(4), "snappy-bad-length");
    await expectReason(Uint8Array.of(0x81, 0x80, 0x80, 0x05, 0, 0, 0), ctx(4), "snappy-too-large"); // claims 10 MiB + 1
    const m = message(2);
    await expectReason(m.raw.subarray(0, m.raw.length - 1), ctx(2), "snappy-corrupt");
  });

  it("too-short: fewer than 66 decompressed bytes (even a valid 65-byte signature alone)", async () => {
    await expectReason(snappyEncode(new Uint8Array(65)), ctx(1), "too-short");
    await expectReason(snappyEncode(new Uint8Array(0)), ctx(1), "too-short");
    // 66 bytes passes the size rule and reaches the signature check
    await expectReason(signRaw(Uint8Array.of(7), CHAIN, KEY).raw, ctx(1), "ssz-invalid");
  });
});

describe("signature (step 2, before decoding)", () => {
  it("no-signer-configured: no signer or the zero address → IGNORE, before the signature is looked at", async () => {
    const junk = snappyEncode(rng.bytes(300));
    await expectReason(junk, ctx(1, { signer: undefined }), "no-signer-configured");
    await expectReason(junk, ctx(1, { signer: "0x0000000000000000000000000000000000000000" }), "no-signer-configured");
    const r = await expectReason(message(4).raw, ctx(4, { signer: undefined }), "no-signer-configured");
    expect(r.payloadHash).toBeDefined();
    expect(r.signer).toBeUndefined();
  });

  it("signature-invalid: recovery id not 0/1, r or s out of range", async () => {
    const m = message(3);
    for (const v of [2, 27, 28]) {
      const sig = m.signature.slice();
      sig[64] = v;
      await expectReason(withSignature(m, sig), ctx(3), "signature-invalid");
    }
    const zeroR = m.signature.slice();
    zeroR.fill(0, 0, 32);
    await expectReason(withSignature(m, zeroR), ctx(3), "signature-invalid");
    const bigS = m.signature.slice();
    bigS.set(bigintToBytes(N, 32), 32);
    await expectReason(withSignature(m, bigS), ctx(3), "signature-invalid");
    await expectReason(withSignature(m, new Uint8Array(65)), ctx(3), "signature-invalid");
  });

  it("wrong-signer: another key, or the right key for another chain id", async () => {
    const other = await expectReason(message(4, {}, { key: ANVIL[0].key }).raw, ctx(4), "wrong-signer");
    expect(other.signer).toBe(ANVIL[0].address);
    await expectReason(message(4, {}, { chainId: CHAIN + 1n }).raw, ctx(4), "wrong-signer");
  });

  it("high-s signatures recover the same signer (geth SigToPub accepts them)", async () => {
    const m = message(2);
    const high = m.signature.slice();
    high.set(bigintToBytes(N - BigInt(toHex(m.signature.subarray(32, 64))), 32), 32);
    high[64]! ^= 1;
    await expectReason(withSignature(m, high), ctx(2), "valid");
  });

  it("cross-safe topic: a high-s twin of a valid attestation → IGNORE signature-high-s (protocol notes §8.7)", async () => {
    const m = message(4, {}, { domain: CROSS_SAFE_SIGNING_DOMAIN });
    const c = () => ctx(4, { kind: "cross-safe", topic: crossSafeTopic(CHAIN) });
    await expectReason(m.raw, c(), "valid");
    const high = m.signature.slice();
    high.set(bigintToBytes(N - BigInt(toHex(m.signature.subarray(32, 64))), 32), 32);
    high[64]! ^= 1;
    expect(isHighS(high)).toBe(true);
    expect(isHighS(m.signature)).toBe(false);
    await expectReason(withSignature(m, high), c(), "signature-high-s");
  });

  it("the signature is checked before SSZ and the block hash (op-node order)", async () => {
    await expectReason(signRaw(rng.bytes(600), CHAIN, ANVIL[0].key).raw, ctx(2), "wrong-signer");
    await expectReason(message(1, {}, { key: ANVIL[0].key, badHash: true }).raw, ctx(1), "wrong-signer");
  });
});

describe("the cross-safe attestation domain (protocol notes §8.8)", () => {
  const xsCtx = (over: Partial<ValidationContext> = {}) => ctx(4, { kind: "cross-safe", topic: crossSafeTopic(CHAIN), ...over });

  it("an unsafe-block signature (domain 0) on the cross-safe topic → REJECT block-domain-signature", async () => {
    const unsafe = message(4);
    await expectReason(unsafe.raw, ctx(4), "valid"); // a valid unsafe block …
    const r = await expectReason(unsafe.raw, xsCtx(), "block-domain-signature"); // … is no attestation
    expect(r.signer).not.toBe(SIGNER);
  });

  it("an attestation (domain 0x00…01) is no unsafe block: on a blocks topic it is wrong-signer", async () => {
    const att = message(4, {}, { domain: CROSS_SAFE_SIGNING_DOMAIN });
    await expectReason(att.raw, xsCtx(), "valid");
    await expectReason(att.raw, ctx(4), "wrong-signer");
  });

  it("another key in either domain is wrong-signer, not block-domain-signature", async () => {
    await expectReason(message(4, {}, { key: ANVIL[0].key }).raw, xsCtx(), "wrong-signer");
    await expectReason(message(4, {}, { key: ANVIL[0].key, domain: CROSS_SAFE_SIGNING_DOMAIN }).raw, xsCtx(), "wrong-signer");
  });

  it("compatibility setting 'block': the design doc's literal scheme, domain 0 accepted, the attestation domain refused", async () => {
    await expectReason(message(4).raw, xsCtx({ attestationDomain: "block" }), "valid");
    await expectReason(message(4, {}, { domain: CROSS_SAFE_SIGNING_DOMAIN }).raw, xsCtx({ attestationDomain: "block" }), "wrong-signer");
  });

  it("the domain constants: block = 32 zero bytes (op-node SigningDomainBlocksV1), attestation = 0x00…01", () => {
    expect(BLOCK_SIGNING_DOMAIN).toEqual(new Uint8Array(32));
    expect(toHex(CROSS_SAFE_SIGNING_DOMAIN)).toBe(`0x${"00".repeat(31)}01`);
  });
});

describe("SSZ by topic version (step 3)", () => {
  it("ssz-invalid: signed garbage, and every envelope on every other version's topic", async () => {
    await expectReason(signRaw(rng.bytes(700), CHAIN, KEY).raw, ctx(4), "ssz-invalid");
    for (const v of [1, 2, 3, 4] as const) {
      const m = message(v);
      for (const o of [1, 2, 3, 4] as const) if (o !== v) await expectReason(m.raw, ctx(o), "ssz-invalid");
    }
  });

  it("a v1 payload cannot carry withdrawals nor blob gas, a v2 one no blob gas: those fields have no place in the layout", async () => {
    // a v2-encoded payload (with withdrawals) signed and sent on the v1 topic: extraData offset is 512, not 508
    const p2 = withValidBlockHash(validPayload(rng, 2, { timestamp: BigInt(NOW) }));
    await expectReason(buildGossip(p2, 2, CHAIN, KEY).raw, ctx(1), "ssz-invalid");
    // a v3-encoded payload (with blob gas) on the v2 topic, its beacon root dropped
    const p3 = validPayload(rng, 3, { timestamp: BigInt(NOW) });
    await expectReason(signRaw(encodePayload(p3, 3), CHAIN, KEY).raw, ctx(2), "ssz-invalid");
  });
});

describe("timestamps (steps 4–5)", () => {
  const at = (dt: number) => BigInt(NOW + dt);

  it("blocks topic: more than 60 s old → REJECT timestamp-too-old; exactly 60 s is fine", async () => {
    await expectReason(message(4, { timestamp: at(-61) }).raw, ctx(4), "timestamp-too-old");
    await expectReason(message(4, { timestamp: at(-60) }).raw, ctx(4), "valid");
    await expectReason(message(1, { timestamp: 0n }).raw, ctx(1), "timestamp-too-old");
  });

  it("blocks topic: the past window is configurable (op-node --p2p.gossip.timestamp.threshold)", async () => {
    const m = message(3, { timestamp: at(-100) });
    await expectReason(m.raw, ctx(3, { pastWindowSeconds: 120 }), "valid");
    await expectReason(m.raw, ctx(3, { pastWindowSeconds: 99 }), "timestamp-too-old");
  });

  it("cross-safe topic: no past window (a cross-safe block is minutes old by nature)", async () => {
    const c = ctx(4, { kind: "cross-safe", topic: crossSafeTopic(CHAIN) });
    const xs = { domain: CROSS_SAFE_SIGNING_DOMAIN };
    await expectReason(message(4, { timestamp: at(-61) }, xs).raw, c, "valid");
    await expectReason(message(4, { timestamp: at(-30 * 86400) }, xs).raw, { ...c, seen: new SeenBlocks() }, "valid");
    await expectReason(message(4, { timestamp: 0n }, xs).raw, { ...c, seen: new SeenBlocks(), pastWindowSeconds: 1 }, "valid");
  });

  it("both topics: more than 5 s in the future → REJECT timestamp-in-future; exactly 5 s is fine", async () => {
    for (const kind of ["blocks", "cross-safe"] as const) {
      const c = () => ctx(4, { kind, topic: kind === "blocks" ? formatTopic(CHAIN, "blocks", 4) : crossSafeTopic(CHAIN) });
      const o = { domain: kind === "blocks" ? BLOCK_SIGNING_DOMAIN : CROSS_SAFE_SIGNING_DOMAIN };
      await expectReason(message(4, { timestamp: at(6) }, o).raw, c(), "timestamp-in-future");
      await expectReason(message(4, { timestamp: at(5) }, o).raw, c(), "valid");
      await expectReason(message(4, { timestamp: (1n << 64n) - 1n }, o).raw, c(), "timestamp-in-future");
    }
  });

  it("a fractional clock is floored to whole seconds", async () => {
    await expectReason(message(2, { timestamp: at(-60) }).raw, ctx(2, { now: NOW + 0.999 }), "valid");
  });

  it("the timestamp rule fires before the block hash (op-node order)", async () => {
    await expectReason(message(2, { timestamp: at(-3600) }, { badHash: true }).raw, ctx(2), "timestamp-too-old");
  });
});

describe("block hash (step 6)", () => {
  it.each([1, 2, 3, 4] as const)("v%i: block-hash-mismatch", async (version) => {
    const m = message(version, {}, { badHash: true });
    const r = await expectReason(m.raw, ctx(version), "block-hash-mismatch");
    expect(r.blockHash).not.toBe(toHex(m.payload.blockHash));
  });

  it("a v3/v4 hash covers the parent beacon root: the same payload under another root mismatches", async () => {
    const p = withValidBlockHash(validPayload(rng, 4, { timestamp: BigInt(NOW) }), new Uint8Array(32).fill(1));
    await expectReason(buildGossip(p, 4, CHAIN, KEY, new Uint8Array(32).fill(1)).raw, ctx(4), "valid");
    await expectReason(buildGossip(p, 4, CHAIN, KEY, new Uint8Array(32).fill(2)).raw, ctx(4), "block-hash-mismatch");
  });
});

describe("per-version fields (steps 7–11)", () => {
  it.each([2, 3, 4] as const)("v%i: withdrawals-not-empty (even with a correct block hash)", async (version) => {
    await expectReason(message(version, { withdrawals: [randomWithdrawal(rng)] }).raw, ctx(version), "withdrawals-not-empty");
  });

  it.each([3, 4] as const)("v%i: blob-gas-used-nonzero before Jovian, allowed from Jovian on", async (version) => {
    const m = message(version, { blobGasUsed: 131072n });
    await expectReason(m.raw, ctx(version), "blob-gas-used-nonzero");
    await expectReason(m.raw, ctx(version, { jovianTime: BigInt(NOW + 1) }), "blob-gas-used-nonzero");
    await expectReason(m.raw, ctx(version, { jovianTime: BigInt(NOW) }), "valid");
    await expectReason(m.raw, ctx(version, { jovianTime: 0n }), "valid");
  });

  it.each([3, 4] as const)("v%i: excess-blob-gas-nonzero, also after Jovian", async (version) => {
    const m = message(version, { excessBlobGas: 1n });
    await expectReason(m.raw, ctx(version), "excess-blob-gas-nonzero");
    await expectReason(m.raw, ctx(version, { jovianTime: 0n }), "excess-blob-gas-nonzero");
  });

  it("order: withdrawals before blob gas used before excess blob gas", async () => {
    const m = message(3, { withdrawals: [randomWithdrawal(rng)], blobGasUsed: 1n, excessBlobGas: 1n });
    await expectReason(m.raw, ctx(3), "withdrawals-not-empty");
    await expectReason(message(4, { blobGasUsed: 1n, excessBlobGas: 1n }).raw, ctx(4), "blob-gas-used-nonzero");
  });

  it("layout-impossible rules: the decoder always yields withdrawals (v2+), blob gas (v3+), the beacon root (v3+), withdrawalsRoot (v4)", () => {
    for (let k = 0; k < 200; k++) {
      const version = rng.pick([1, 2, 3, 4] as const);
      const p = randomPayload(rng, version, { maxTxs: 2 });
      const d = decodePayload(encodePayload(p, version), version);
      if (!d.ok) throw new Error(d.error);
      expect(d.payload.withdrawals !== undefined).toBe(version >= 2);
      expect(d.payload.blobGasUsed !== undefined && d.payload.excessBlobGas !== undefined).toBe(version >= 3);
      expect(d.payload.withdrawalsRoot !== undefined).toBe(version === 4);
      if (version >= 3) expect(encodeSignedBytes(p, version, new Uint8Array(32)).length).toBe(32 + encodePayload(p, version).length);
    }
  });
});

describe("seen cache (step 12)", () => {
  it("already-seen → IGNORE; the same block in a different message (high-s signature) too", async () => {
    const seen = new SeenBlocks();
    const m = message(4);
    await expectReason(m.raw, ctx(4, { seen }), "valid");
    await expectReason(m.raw, ctx(4, { seen }), "already-seen");
    const high = m.signature.slice();
    high.set(bigintToBytes(N - BigInt(toHex(m.signature.subarray(32, 64))), 32), 32);
    high[64]! ^= 1;
    await expectReason(withSignature(m, high), ctx(4, { seen }), "already-seen");
  });

  it("too-many-blocks-at-height: 6 distinct blocks accepted, the 7th REJECTed, then even a duplicate", async () => {
    const seen = new SeenBlocks();
    const height = 123_456n;
    const ms = Array.from({ length: 8 }, () => message(4, { blockNumber: height }));
    for (let i = 0; i < 6; i++) await expectReason(ms[i]!.raw, ctx(4, { seen }), "valid");
    await expectReason(ms[6]!.raw, ctx(4, { seen }), "too-many-blocks-at-height");
    await expectReason(ms[0]!.raw, ctx(4, { seen }), "too-many-blocks-at-height");
    // a duplicate below the limit at another height is only ignored
    const other = message(4, { blockNumber: height + 1n });
    await expectReason(other.raw, ctx(4, { seen }), "valid");
    await expectReason(other.raw, ctx(4, { seen }), "already-seen");
  });

  it("without a seen cache (the Durable Object applies its own) repeats are accepted", async () => {
    const m = message(4);
    await expectReason(m.raw, ctx(4, { seen: undefined }), "valid");
    await expectReason(m.raw, ctx(4, { seen: undefined }), "valid");
  });

  it("a rejected block does not enter the seen cache", async () => {
    const seen = new SeenBlocks();
    const bad = message(4, { blockNumber: 5n }, { badHash: true });
    await expectReason(bad.raw, ctx(4, { seen }), "block-hash-mismatch");
    expect(seen.size).toBe(0);
  });
});

describe("internal errors", () => {
  it("an exception inside validation becomes REJECT internal-error (op-node guardGossipValidator), never a throw", async () => {
    const throwing = { checkAndMark: () => { throw new Error("boom"); }, size: 0 } as unknown as SeenBlocks;
    const r = await expectReason(message(4).raw, ctx(4, { seen: throwing }), "internal-error");
    expect(r.detail).toBe("boom");
  });
});

afterAll(() => {
  // Every reason code is either reached above or documented as impossible by layout — and not both.
  const all = Object.keys(REASONS) as GossipReason[];
  const missing = all.filter((r) => !observed.has(r) && !(r in UNREACHABLE));
  const contradicted = Object.keys(UNREACHABLE).filter((r) => observed.has(r as GossipReason));
  expect({ missing, contradicted }).toEqual({ missing: [], contradicted: [] });
});
