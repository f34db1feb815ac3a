// The three pipelines the benchmark compares, each taking one gossip message (snappy bytes):
//   ours      — validateGossipMessage, the code path the Worker runs (WASM keccak installed);
//   floor     — the least work any validator must do: snappy decode, keccak over the signed bytes,
//               keccak over each transaction, one secp256k1 public-key recovery — using the fastest
//               snappy decoder, keccak and secp256k1 recovery measured on this machine (chosen at
//               start-up, see main.ts);
//   reference — what a JS developer would assemble from the ecosystem's libraries: snappyjs,
//               @lodestar/types SSZ, @ethereumjs/trie for the transactions root, @ethereumjs/block for
//               the header hash, @ethereumjs/util ecrecover, and @ethereumjs's default keccak (@noble/hashes,
//               pure JS). It does the same checks as ours (signer, block hash, v4 field rules).
import { ContainerType } from "@chainsafe/ssz";
import { createBlockHeader } from "@ethereumjs/block";
import { Trie } from "@ethereumjs/trie";
import { bigIntToBytes, ecrecover, equalsBytes, publicToAddress, setLengthLeft } from "@ethereumjs/util";
import { ssz } from "@lodestar/types";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createKeccak } from "hash-wasm";
import jsSha3 from "js-sha3";
import snappy from "snappyjs";
import * as tinySecp256k1 from "tiny-secp256k1";
import { EMPTY_REQUESTS_HASH } from "../src/protocol/header.ts";
import { keccak256 as protocolKeccak, keccakBackend } from "../src/protocol/keccak/index.ts";
import { recoverPublicKey, secp256k1Backend } from "../src/protocol/secp256k1/index.ts";
import { rlpEncode, rlpUint } from "../src/protocol/rlp.ts";
import { CROSS_SAFE_SIGNING_DOMAIN } from "../src/protocol/signing-domain.ts";
import { MAX_GOSSIP_SIZE, snappyDecode } from "../src/protocol/snappy.ts";
import { validateGossipMessage, type ValidationContext, type ValidationResult } from "../src/protocol/validate.ts";
import type { EnvelopeFixture } from "./fixtures.ts";

// ---------------------------------------------------------------------------------------------- ours

export function oursContext(f: EnvelopeFixture): ValidationContext {
  // No seen cache (the Durable Object applies it), pinned clock, the cross-safe topic (v4 encoding).
  return { chainId: f.chainId, topic: f.topic, kind: "cross-safe", version: 4, signer: f.signer, now: f.now };
}

export function ours(raw: Uint8Array, ctx: ValidationContext): Promise<ValidationResult> {
  return validateGossipMessage(raw, ctx);
}

// --------------------------------------------------------------------------------------------- floor

export type Hasher = (data: Uint8Array) => Uint8Array;
export interface Candidate<F> {
  name: string;
  fn: F;
}

/** Every keccak-256 available here; main.ts times them on the floor's workload and keeps the fastest. */
export async function keccakCandidates(): Promise<Candidate<Hasher>[]> {
  const hw = await createKeccak(256);
  return [
    {
      name: "op-follow WASM (src/protocol/keccak, hash-wasm's module)",
      fn: (d) => {
        if (keccakBackend() !== "wasm") throw new Error("WASM keccak backend not installed");
        return protocolKeccak(d);
      },
    },
    { name: "hash-wasm createKeccak(256)", fn: (d) => hw.init().update(d).digest("binary") },
    { name: "js-sha3", fn: (d) => new Uint8Array(jsSha3.keccak256.arrayBuffer(d)) },
    { name: "@noble/hashes keccak_256", fn: (d) => keccak_256(d) },
  ];
}

/** Uncompressed public key from r ‖ s, recovery id and a 32-byte hash (throws on an invalid signature). */
export type Recoverer = (sig64: Uint8Array, recoveryId: number, hash: Uint8Array) => Uint8Array;

/** Every secp256k1 public-key recovery available here; main.ts times them and keeps the fastest. */
export function secp256k1Candidates(): Candidate<Recoverer>[] {
  const some = (p: Uint8Array | null | undefined) => {
    if (!p) throw new Error("recovery failed");
    return p;
  };
  return [
    {
      name: "op-follow WASM (src/protocol/secp256k1, tiny-secp256k1's libsecp256k1 module)",
      fn: (sig, v, h) => {
        if (secp256k1Backend() !== "wasm") throw new Error("WASM secp256k1 backend not installed");
        return some(recoverPublicKey(sig, v, h));
      },
    },
    { name: "tiny-secp256k1 recover", fn: (sig, v, h) => some(tinySecp256k1.recover(h, sig, v as 0 | 1, false)) },
    {
      name: "@noble/curves",
      fn: (sig, v, h) => {
        const rec = new Uint8Array(65);
        rec[0] = v;
        rec.set(sig, 1);
        return secp256k1.Signature.fromBytes(rec, "recovered").recoverPublicKey(h).toBytes(false);
      },
    },
  ];
}

export type SnappyDecoder = (raw: Uint8Array) => Uint8Array;

export function snappyCandidates(): Candidate<SnappyDecoder>[] {
  return [
    {
      name: "op-follow strict decoder (src/protocol/snappy)",
      fn: (raw) => {
        const r = snappyDecode(raw, MAX_GOSSIP_SIZE);
        if (!r.ok) throw new Error(r.error);
        return r.data;
      },
    },
    { name: "snappyjs uncompress", fn: (raw) => snappy.uncompress(raw, MAX_GOSSIP_SIZE) as Uint8Array },
  ];
}

const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const V4_HEAD = 65 + 32; // signature ‖ parentBeaconBlockRoot

/** The v4 transactions as views into the decompressed envelope (SSZ offsets; no checks — the floor trusts its input). */
export function transactionViews(data: Uint8Array): Uint8Array[] {
  const p = data.subarray(V4_HEAD);
  const txOff = u32(p, 504);
  const sec = p.subarray(txOff, u32(p, 508));
  if (sec.length === 0) return [];
  const n = u32(sec, 0) / 4;
  const txs = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) txs[i] = sec.subarray(u32(sec, 4 * i), i + 1 < n ? u32(sec, 4 * (i + 1)) : sec.length);
  return txs;
}

/** Returns the recovered public key (uncompressed), so the work cannot be skipped. */
export function makeFloor(decode: SnappyDecoder, keccak: Hasher, recover: Recoverer, chainId: bigint): (raw: Uint8Array) => Uint8Array {
  // the cross-safe attestation domain (0x00…01), then the chain id word
  const prefix = new Uint8Array(64);
  prefix.set(CROSS_SAFE_SIGNING_DOMAIN, 0);
  prefix.set(bigIntToBytes(chainId), 64 - bigIntToBytes(chainId).length);
  const msg = new Uint8Array(96);
  msg.set(prefix, 0);
  return (raw) => {
    const data = decode(raw);
    msg.set(keccak(data.subarray(65)), 64);
    for (const tx of transactionViews(data)) keccak(tx);
    return recover(data.subarray(0, 64), data[64]!, keccak(msg));
  };
}

// ----------------------------------------------------------------------------------------- reference

/**
 * OP's v4 payload (Isthmus) is the deneb ExecutionPayload plus a trailing fixed `withdrawalsRoot`
 * (op-service/eth/ssz.go). Lodestar has no such type, so it is declared from lodestar's own deneb
 * field types with @chainsafe/ssz — the extension a lodestar user would write.
 */
export const ExecutionPayloadV4 = new ContainerType(
  { ...ssz.deneb.ExecutionPayload.fields, withdrawalsRoot: ssz.Root },
  { typeName: "OpExecutionPayloadV4", jsonCase: "eth2" },
);

export interface ReferenceResult {
  ok: boolean;
  signer: Uint8Array;
  blockHash: Uint8Array;
}

/** ethereumjs's transactions trie: key rlp(index), value the raw transaction, pure-JS keccak. */
async function referenceTxRoot(txs: readonly Uint8Array[]): Promise<Uint8Array> {
  const trie = new Trie();
  for (let i = 0; i < txs.length; i++) await trie.put(rlpEncode(rlpUint(i)), txs[i]!);
  return trie.root();
}

export function makeReference(chainId: bigint, signer: Uint8Array): (raw: Uint8Array) => Promise<ReferenceResult> {
  const chainWord = setLengthLeft(bigIntToBytes(chainId), 32);
  return async (raw) => {
    const data = snappy.uncompress(raw, MAX_GOSSIP_SIZE) as Uint8Array;
    // signature: keccak(domain ‖ chainId ‖ keccak(signed bytes)), then ecrecover
    const payloadHash = keccak_256(data.subarray(65));
    const msg = new Uint8Array(96);
    msg.set(CROSS_SAFE_SIGNING_DOMAIN, 0);
    msg.set(chainWord, 32);
    msg.set(payloadHash, 64);
    const pub = ecrecover(keccak_256(msg), BigInt(data[64]!), data.subarray(0, 32), data.subarray(32, 64));
    const from = publicToAddress(pub);
    // SSZ decode, then the header hash from the decoded fields
    const p = ExecutionPayloadV4.deserialize(data.subarray(V4_HEAD));
    const header = createBlockHeader({
      parentHash: p.parentHash,
      coinbase: p.feeRecipient,
      stateRoot: p.stateRoot,
      transactionsTrie: await referenceTxRoot(p.transactions),
      receiptTrie: p.receiptsRoot,
      logsBloom: p.logsBloom,
      difficulty: 0n,
      number: BigInt(p.blockNumber),
      gasLimit: BigInt(p.gasLimit),
      gasUsed: BigInt(p.gasUsed),
      timestamp: BigInt(p.timestamp),
      extraData: p.extraData,
      mixHash: p.prevRandao,
      nonce: new Uint8Array(8),
      baseFeePerGas: p.baseFeePerGas,
      withdrawalsRoot: p.withdrawalsRoot,
      blobGasUsed: p.blobGasUsed,
      excessBlobGas: p.excessBlobGas,
      parentBeaconBlockRoot: data.subarray(65, V4_HEAD),
      requestsHash: EMPTY_REQUESTS_HASH,
    });
    const blockHash = header.hash();
    const ok =
      equalsBytes(from, signer) &&
      equalsBytes(blockHash, p.blockHash) &&
      p.withdrawals.length === 0 &&
      p.blobGasUsed === 0n &&
      p.excessBlobGas === 0n;
    return { ok, signer: from, blockHash };
  };
}
