// Every vector in test/vectors (bytes from other implementations' tests and real blocks) decodes
// to exactly what its JSON says, re-encodes byte for byte, and gets the verdict op-node would give.
import "../../src/node/keccak.ts";
import snappyjs from "snappyjs";
import { describe, expect, it } from "vitest";
import { decodeEnvelope, detectVersion, encodeEnvelope, encodeSignedBytes } from "../../src/protocol/envelope.ts";
import { computeBlockHash } from "../../src/protocol/header.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { SeenBlocks } from "../../src/protocol/seen-blocks.ts";
import { payloadHash, recoverSigner, signHash, signingHash } from "../../src/protocol/signature.ts";
import { snappyDecode } from "../../src/protocol/snappy.ts";
import { decodePayload, encodePayload, FIXED_PART } from "../../src/protocol/ssz.ts";
import { crossSafeTopic, formatTopic, parseTopic } from "../../src/protocol/topic.ts";
import type { Address, BlockVersion } from "../../src/protocol/types.ts";
import { summarize, validateGossipMessage, type ValidationContext } from "../../src/protocol/validate.ts";
import {
  ANVIL,
  GOSSIP_VECTORS,
  type GossipVector,
  type JsonPayload,
  listVectorFiles,
  normalizeJsonPayload,
  normalizePayload,
  OTHER_VECTORS,
  payloadFromJson,
  readVectorHex,
  readVectorJson,
  SSZ_VECTORS,
  type SszVector,
  versionOfTopic,
} from "../helpers/vectors.ts";

const hex = (b: Uint8Array) => toHex(b);

function expectPayloadFields(actual: ReturnType<typeof normalizePayload>, expected: JsonPayload) {
  const want = normalizeJsonPayload(expected);
  // same set of fields present (a v1 payload has no withdrawals, a v2 one no blob gas, …)
  expect(Object.keys(actual).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(actual[k], `field ${k}`).toEqual(want[k]);
}

describe("vector inventory", () => {
  it("every file in test/vectors is covered by this suite", () => {
    const known = new Set<string>(["README.md"]);
    for (const n of [...GOSSIP_VECTORS, ...SSZ_VECTORS]) known.add(`${n}.hex`).add(`${n}.json`);
    for (const n of OTHER_VECTORS) known.add(`${n}.json`);
    const files = listVectorFiles();
    expect(files.filter((f) => !known.has(f)), "vectors not covered by a test").toEqual([]);
    expect([...known].filter((f) => !files.includes(f)), "vectors missing on disk").toEqual([]);
  });
});

describe.each(GOSSIP_VECTORS)("gossip vector %s", (name) => {
  const v = readVectorJson<GossipVector>(name);
  const raw = readVectorHex(name);
  const version = versionOfTopic(v.topic_version);
  const d = snappyDecode(raw);
  if (!d.ok) throw new Error(`${name}: snappy ${d.error}`);
  const decompressed = d.data;
  const e = decodeEnvelope(decompressed, version);
  if (!e.ok) throw new Error(`${name}: ${e.error}`);
  const env = e.envelope;

  it("has the expected lengths, and snappyjs decompresses it identically", () => {
    expect(raw.length).toBe(v.compressed_len);
    expect(decompressed.length).toBe(v.decompressed_len);
    expect(snappyjs.uncompress(raw, 10 << 20)).toEqual(decompressed);
  });

  it("topic matches the topic version", () => {
    expect(parseTopic(v.topic)).toEqual({ chainId: BigInt(v.chain_id ?? 100), kind: "blocks", version });
    expect(formatTopic(BigInt(v.chain_id ?? 100), "blocks", version)).toBe(v.topic);
  });

  it("decodes the envelope: signature, y parity, parent beacon root, version detection", () => {
    expect(env.version).toBe(version);
    expect(detectVersion(decompressed)).toBe(version);
    expect(hex(env.signature)).toBe(v.signature_rsv);
    expect(env.signature[64]).toBe(v.signature_y_parity);
    if (v.parent_beacon_block_root === null) expect(env.parentBeaconBlockRoot).toBeUndefined();
    else expect(hex(env.parentBeaconBlockRoot!)).toBe(v.parent_beacon_block_root);
    expect(env.signedBytes).toEqual(decompressed.subarray(65));
  });

  it("payload hash, number, timestamp, embedded and recomputed block hash", () => {
    expect(hex(payloadHash(env.signedBytes))).toBe(v.payload_hash);
    expect(env.payload.blockNumber).toBe(BigInt(v.block_number));
    expect(env.payload.timestamp).toBe(BigInt(v.timestamp));
    expect(hex(env.payload.blockHash)).toBe(v.embedded_block_hash);
    const recomputed = computeBlockHash(env.payload, env.parentBeaconBlockRoot);
    expect(hex(recomputed)).toBe(v.recomputed_block_hash);
    expect(v.recomputed_block_hash === v.embedded_block_hash).toBe(v.block_hash_valid);
  });

  it("decoded payload equals the JSON field by field (transactions, withdrawals included)", () => {
    expectPayloadFields(normalizePayload(env.payload), v.decoded_payload);
  });

  it("re-encodes byte-exactly, from the decoded payload and from the JSON alone", () => {
    expect(encodeEnvelope(env)).toEqual(decompressed);
    const fromJson = payloadFromJson(v.decoded_payload);
    const pbr = v.parent_beacon_block_root === null ? undefined : fromHex(v.parent_beacon_block_root);
    expect(encodeSignedBytes(fromJson, version, pbr)).toEqual(decompressed.subarray(65));
  });

  it("message ids: op-node (topic hashed in) and spec text / kona (no topic)", async () => {
    expect(hex(await computeMessageId(v.topic, raw)).slice(2)).toBe(v.message_id.op_node);
    expect(hex(await computeMessageId(v.topic, raw, undefined, "spec")).slice(2)).toBe(v.message_id.spec_text_and_kona);
    // passing the already-decoded data must not change the id
    expect(hex(await computeMessageId(v.topic, raw, decompressed)).slice(2)).toBe(v.message_id.op_node);
  });

  if (v.chain_id !== undefined) {
    const chainId = BigInt(v.chain_id);
    it("signing hash and recovered signer", () => {
      const sh = signingHash(chainId, payloadHash(env.signedBytes));
      expect(hex(sh)).toBe(v.signing_hash);
      // exact EIP-55 spelling, not just case-insensitive equality
      expect(recoverSigner(env.signature, sh)).toBe(v.recovered_signer);
    });

    it("re-signing with the dev key reproduces the signature bytes (RFC 6979)", () => {
      const signer = v.recovered_signer === ANVIL[5].address ? ANVIL[5] : ANVIL[0];
      expect(v.recovered_signer).toBe(signer.address);
      const sh = signingHash(chainId, payloadHash(env.signedBytes));
      expect(hex(signHash(sh, signer.key))).toBe(v.signature_rsv);
    });
  }

  if (v.recovered_signer_by_chain_id) {
    it("recovers the listed signer for each chain id", () => {
      for (const [id, addr] of Object.entries(v.recovered_signer_by_chain_id!)) {
        expect(recoverSigner(env.signature, signingHash(BigInt(id), payloadHash(env.signedBytes))), `chain ${id}`).toBe(addr);
      }
    });
  }
});

describe("gossip vectors: verdicts with a pinned clock", () => {
  const load = (name: (typeof GOSSIP_VECTORS)[number]) => ({ v: readVectorJson<GossipVector>(name), raw: readVectorHex(name) });
  const ctxFor = (v: GossipVector, signer: string, over: Partial<ValidationContext> = {}): ValidationContext => ({
    chainId: BigInt(v.chain_id ?? 100),
    topic: v.topic,
    kind: "blocks",
    version: versionOfTopic(v.topic_version),
    signer: signer as Address,
    now: v.timestamp,
    seen: new SeenBlocks(),
    ...over,
  });

  it.each(["opalloy_gossip_v1", "opalloy_gossip_v2", "opalloy_gossip_v3"] as const)("%s: ACCEPT with signer anvil #5 at its timestamp", async (name) => {
    const { v, raw } = load(name);
    const r = await validateGossipMessage(raw, ctxFor(v, ANVIL[5].address));
    expect([r.verdict, r.reason]).toEqual(["accept", "valid"]);
    expect(r.messageId).toBe(v.message_id.op_node);
    expect(r.signer).toBe(v.recovered_signer);
    expect(r.payloadHash).toBe(v.payload_hash);
    expect(r.blockHash).toBe(v.recomputed_block_hash);
    expect(summarize(r)).toEqual({
      verdict: "accept",
      reason: "valid",
      version: `v${versionOfTopic(v.topic_version)}`,
      number: Number(v.block_number),
      blockHash: v.embedded_block_hash,
      parentHash: v.decoded_payload.parentHash,
      timestamp: Number(v.timestamp),
      txCount: v.decoded_payload.transactions.length,
      signer: v.recovered_signer,
      payloadHash: v.payload_hash,
      messageId: v.message_id.op_node,
    });
  });

  it("opalloy_gossip_v4: REJECT block-hash-mismatch when its (chain 100) signer is configured", async () => {
    const { v, raw } = load("opalloy_gossip_v4");
    const signer = v.recovered_signer_by_chain_id!["100"]!;
    const r = await validateGossipMessage(raw, ctxFor(v, signer));
    expect([r.verdict, r.reason]).toEqual(["reject", "block-hash-mismatch"]);
    expect(r.blockHash).toBe(v.recomputed_block_hash);
    expect(r.messageId).toBe(v.message_id.op_node);
  });

  it("opalloy_gossip_v4: REJECT wrong-signer with anvil #5 (signature is checked before the hash)", async () => {
    const { v, raw } = load("opalloy_gossip_v4");
    const r = await validateGossipMessage(raw, ctxFor(v, ANVIL[5].address));
    expect([r.verdict, r.reason]).toEqual(["reject", "wrong-signer"]);
    expect(r.signer).toBe(v.recovered_signer_by_chain_id!["100"]);
  });

  it("unichain valid: ACCEPT; wrong_signer: REJECT wrong-signer", async () => {
    const ok = load("synthetic_v4_unichain_sepolia_35535698_valid");
    const r1 = await validateGossipMessage(ok.raw, ctxFor(ok.v, ok.v.expected_signer_configured!));
    expect([r1.verdict, r1.reason]).toEqual(["accept", "valid"]);
    expect(r1.messageId).toBe(ok.v.message_id.op_node);
    expect(summarize(r1).txCount).toBe(ok.v.decoded_payload.transactions.length);

    const bad = load("synthetic_v4_unichain_sepolia_35535698_wrong_signer");
    const r2 = await validateGossipMessage(bad.raw, ctxFor(bad.v, bad.v.expected_signer_configured!));
    expect([r2.verdict, r2.reason]).toEqual(["reject", "wrong-signer"]);
    expect(r2.signer).toBe(bad.v.recovered_signer);
    expect(r2.messageId).toBe(bad.v.message_id.op_node);
  });

  it("unichain valid, 3 hours later: REJECT block-domain-signature on the cross-safe topic (an unsafe-block signature is no attestation, §8.8) unless in the block-domain compatibility mode; REJECT timestamp-too-old on the blocks topic", async () => {
    const { v, raw } = load("synthetic_v4_unichain_sepolia_35535698_valid");
    const later = v.timestamp + 3 * 3600;
    const borrowed = await validateGossipMessage(raw, ctxFor(v, ANVIL[5].address, { kind: "cross-safe", topic: crossSafeTopic(1301n), now: later }));
    expect([borrowed.verdict, borrowed.reason]).toEqual(["reject", "block-domain-signature"]);
    const cs = await validateGossipMessage(raw, ctxFor(v, ANVIL[5].address, { kind: "cross-safe", topic: crossSafeTopic(1301n), now: later, attestationDomain: "block" }));
    expect([cs.verdict, cs.reason]).toEqual(["accept", "valid"]);
    // the id depends on the topic, so it differs from the blocks-topic id in the vector
    expect(cs.messageId).not.toBe(v.message_id.op_node);
    expect(cs.messageId).toBe(hex(await computeMessageId("/optimism/1301/0/cross-safe-blocks", raw)).slice(2));
    const b = await validateGossipMessage(raw, ctxFor(v, ANVIL[5].address, { now: later }));
    expect([b.verdict, b.reason]).toEqual(["reject", "timestamp-too-old"]);
  });

  it("unichain valid: timestamp window edges (60 s past, 5 s future)", async () => {
    const { v, raw } = load("synthetic_v4_unichain_sepolia_35535698_valid");
    const at = async (now: number, kind: "blocks" | "cross-safe" = "blocks") =>
      (await validateGossipMessage(raw, ctxFor(v, ANVIL[5].address, { now, kind, attestationDomain: "block" }))).reason;
    expect(await at(v.timestamp + 60)).toBe("valid");
    expect(await at(v.timestamp + 61)).toBe("timestamp-too-old");
    expect(await at(v.timestamp - 5)).toBe("valid");
    expect(await at(v.timestamp - 6)).toBe("timestamp-in-future");
    expect(await at(v.timestamp - 6, "cross-safe")).toBe("timestamp-in-future");
    expect(await at(v.timestamp + 10 * 86400, "cross-safe")).toBe("valid");
  });
});

describe.each(SSZ_VECTORS)("SSZ vector %s", (name) => {
  const v = readVectorJson<SszVector>(name);
  const all = readVectorHex(name);
  const version = v.block_version as BlockVersion;
  const isEnvelope = name === "ssz_opalloy_envelope_v4";
  const bytes = isEnvelope ? all.subarray(32) : all;

  it(`decodes as v${version}, field by field`, () => {
    const r = decodePayload(bytes, version);
    if (!r.ok) throw new Error(r.error);
    expectPayloadFields(normalizePayload(r.payload), v.decoded);
  });

  it("re-encodes byte-exactly (from the decoded payload and from the JSON alone)", () => {
    const r = decodePayload(bytes, version);
    if (!r.ok) throw new Error(r.error);
    expect(encodePayload(r.payload, version)).toEqual(bytes);
    expect(encodePayload(payloadFromJson(v.decoded), version)).toEqual(bytes);
  });

  it("fixed part and total length", () => {
    if (v.fixed_part_len !== undefined) expect(FIXED_PART[version]).toBe(v.fixed_part_len);
    if (v.total_len !== undefined) expect(bytes.length).toBe(v.total_len);
    // the extraData offset always points just past the fixed part
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(436, true)).toBe(FIXED_PART[version]);
  });

  it("does not decode as any other version", () => {
    for (const other of [1, 2, 3, 4] as const) if (other !== version) expect(decodePayload(bytes, other).ok, `as v${other}`).toBe(false);
  });

  if (v.expected) {
    it("hildr: decodes as V2, fails as V1, baseFeePerGas", () => {
      expect(decodePayload(bytes, 2).ok).toBe(v.expected!.decodes_as_v2);
      expect(decodePayload(bytes, 1).ok).toBe(v.expected!.decodes_as_v1);
      const r = decodePayload(bytes, 2);
      expect(r.ok && r.payload.baseFeePerGas).toBe(BigInt(v.expected!.baseFeePerGas));
      // one zero-length transaction
      expect(r.ok && r.payload.transactions.map((t) => t.length)).toEqual([0]);
    });
  }

  if (isEnvelope) {
    it("is parentBeaconBlockRoot ‖ payload: the signed bytes of a v4 envelope, and its payload hash", () => {
      expect(hex(all.subarray(0, 32))).toBe(v.parent_beacon_block_root);
      expect(hex(keccak256(all))).toBe(v.payload_hash_if_gossiped);
      const withSig = new Uint8Array(65 + all.length);
      withSig.set(all, 65);
      const e = decodeEnvelope(withSig, 4);
      if (!e.ok) throw new Error(e.error);
      expect(hex(e.envelope.parentBeaconBlockRoot!)).toBe(v.parent_beacon_block_root);
      expect(e.envelope.signedBytes).toEqual(all);
      expect(hex(payloadHash(e.envelope.signedBytes))).toBe(v.payload_hash_if_gossiped);
      expect(encodeSignedBytes(payloadFromJson(v.decoded), 4, fromHex(v.parent_beacon_block_root!))).toEqual(all);
    });
  }
});

describe("signing_hash_vectors.json", () => {
  interface SigningVector {
    name: string;
    domain: string;
    chain_id: number;
    payload_bytes_utf8?: string;
    payload_bytes_hex?: string;
    payload_hash: string;
    payload_hash_base64_in_source?: string;
    expected_signing_hash: string;
  }
  const vs = readVectorJson<SigningVector[]>("signing_hash_vectors");

  it("has both vectors, one with a non-zero domain", () => {
    expect(vs).toHaveLength(2);
    expect(vs.some((x) => /[1-9a-f]/.test(x.domain.slice(2)))).toBe(true);
  });

  it.each(vs.map((x) => [x.name, x] as const))("%s", (_n, x) => {
    const data = x.payload_bytes_utf8 !== undefined ? new TextEncoder().encode(x.payload_bytes_utf8) : fromHex(x.payload_bytes_hex!);
    const ph = payloadHash(data);
    expect(hex(ph)).toBe(x.payload_hash);
    if (x.payload_hash_base64_in_source) expect(Buffer.from(ph).toString("base64")).toBe(x.payload_hash_base64_in_source);
    expect(hex(signingHash(BigInt(x.chain_id), ph, fromHex(x.domain)))).toBe(x.expected_signing_hash);
  });
});

describe("real_block_unichain_sepolia_35535698.json", () => {
  interface RealBlock {
    chain_id: number;
    block_number: number;
    expected_block_hash: string;
    parent_beacon_block_root: string;
    payload: JsonPayload;
  }
  const rb = readVectorJson<RealBlock>("real_block_unichain_sepolia_35535698");
  const p = payloadFromJson(rb.payload);
  const pbr = fromHex(rb.parent_beacon_block_root);

  it("recomputes the real block hash from the payload fields (Isthmus header, requestsHash = sha256(''))", () => {
    expect(hex(computeBlockHash(p, pbr))).toBe(rb.expected_block_hash);
    expect(hex(p.blockHash)).toBe(rb.expected_block_hash);
    expect(p.blockNumber).toBe(BigInt(rb.block_number));
  });

  it("any change to a hashed field changes the hash (parent beacon root, withdrawalsRoot, one tx byte)", () => {
    const h = hex(computeBlockHash(p, pbr));
    expect(hex(computeBlockHash(p, new Uint8Array(32)))).not.toBe(h);
    expect(hex(computeBlockHash({ ...p, withdrawalsRoot: new Uint8Array(32) }, pbr))).not.toBe(h);
    const txs = p.transactions.map((t) => t.slice());
    txs[3]![10]! ^= 1;
    expect(hex(computeBlockHash({ ...p, transactions: txs }, pbr))).not.toBe(h);
  });

  it("its v4 SSZ encoding is exactly the signed bytes of the synthetic unichain gossip vector", () => {
    const d = snappyDecode(readVectorHex("synthetic_v4_unichain_sepolia_35535698_valid"));
    if (!d.ok) throw new Error(d.error);
    expect(encodeSignedBytes(p, 4, pbr)).toEqual(d.data.subarray(65));
  });
});
