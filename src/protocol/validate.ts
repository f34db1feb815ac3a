// The gossip validation pipeline for one message, in op-node's order (op-node/p2p/gossip.go
// BuildBlocksValidator; protocol notes §4.1), each rule yielding a stable reason code whose
// verdict (REJECT or IGNORE) is op-node's (verdict.ts). The cross-safe topic differs in one rule
// in three: no past-timestamp window (protocol notes §8.4) — staleness there is judged against the
// cross-safe head by the Durable Object —, its own signing domain (§8.8) and low-s signatures only.
import { equalBytes } from "./bytes.ts";
import { decodeEnvelope, MIN_ENVELOPE_SIZE } from "./envelope.ts";
import { computeBlockHash } from "./header.ts";
import { toHex } from "./hex.ts";
import { computeMessageId } from "./message-id.ts";
import { SeenBlocks } from "./seen-blocks.ts";
import { sameAddress } from "./address.ts";
import { isHighS, payloadHash, recoverSigner, signingHash } from "./signature.ts";
import { BLOCK_SIGNING_DOMAIN, signingDomainFor, type AttestationDomain } from "./signing-domain.ts";
import { MAX_GOSSIP_SIZE, snappyDecode } from "./snappy.ts";
import type { TopicKind } from "./topic.ts";
import type { Address, BlockVersion, Hash, SignedEnvelope } from "./types.ts";
import { verdictOf, type GossipReason, type Verdict } from "./verdict.ts";

/** op-node `--p2p.gossip.timestamp.threshold` default. */
export const DEFAULT_PAST_WINDOW_SECONDS = 60;
/** op-node: a block more than 5 s in the future is rejected. */
export const FUTURE_WINDOW_SECONDS = 5;

export interface ValidationContext {
  chainId: bigint;
  topic: string;
  kind: TopicKind;
  version: BlockVersion;
  /** The chain's unsafe-block signer; undefined or zero → IGNORE (op-node: no signer known yet). */
  signer: Address | undefined;
  /** Unix seconds (injectable clock). */
  now: number;
  /** Jovian activation (unix seconds): from then on v3/v4 may carry a non-zero blobGasUsed. */
  jovianTime?: bigint | undefined;
  /** op-node's past window for the `blocks` topics (default 60 s); ignored on the cross-safe topic. */
  pastWindowSeconds?: number;
  /**
   * The cross-safe topic's signing domain: op-follow's own (default) or, for compatibility only, the
   * block domain (signing-domain.ts states the risk). Ignored on the blocks topics (always domain 0).
   */
  attestationDomain?: AttestationDomain;
  /** The per-height seen cache; omit to stop before step 12 (the Worker's Durable Object applies it). */
  seen?: SeenBlocks;
}

export interface ValidationResult {
  verdict: Verdict;
  reason: GossipReason;
  /** Human-readable detail for logs (never parsed). */
  detail?: string;
  messageId: string;
  version: BlockVersion;
  envelope?: SignedEnvelope;
  payloadHash?: Hash;
  signer?: Address;
  /** The recomputed block hash (equal to the payload's when the hash check passed). */
  blockHash?: Hash;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Steps 4–5: the block time against the clock. The past window applies to the blocks topics only
 * (a cross-safe attestation may come long after its block, protocol notes §8); the future window to both.
 */
export function timestampWindow(ts: bigint, ctx: Pick<ValidationContext, "kind" | "now" | "pastWindowSeconds">): "timestamp-too-old" | "timestamp-in-future" | undefined {
  const now = BigInt(Math.floor(ctx.now));
  if (ctx.kind === "blocks" && ts < now - BigInt(ctx.pastWindowSeconds ?? DEFAULT_PAST_WINDOW_SECONDS)) return "timestamp-too-old";
  if (ts > now + BigInt(FUTURE_WINDOW_SECONDS)) return "timestamp-in-future";
  return undefined;
}

export async function validateGossipMessage(raw: Uint8Array, ctx: ValidationContext): Promise<ValidationResult> {
  let decompressed: Uint8Array | null = null;
  const out: Omit<ValidationResult, "verdict" | "reason" | "messageId"> = { version: ctx.version };
  const finish = async (reason: GossipReason, detail?: string): Promise<ValidationResult> => {
    const messageId = toHex(await computeMessageId(ctx.topic, raw, decompressed)).slice(2);
    return { verdict: verdictOf(reason), reason, ...(detail ? { detail } : {}), messageId, ...out };
  };
  try {
    // 1. size and snappy (the length preamble is checked before anything is allocated)
    if (raw.length > MAX_GOSSIP_SIZE) return await finish("message-too-large");
    const d = snappyDecode(raw, MAX_GOSSIP_SIZE);
    if (!d.ok) return await finish(d.error);
    decompressed = d.data;
    if (decompressed.length < MIN_ENVELOPE_SIZE) return await finish("too-short");

    // 2. signature over data[65:], before decoding (op-node order)
    const signedBytes = decompressed.subarray(65);
    const ph = payloadHash(signedBytes);
    out.payloadHash = toHex(ph);
    if (!ctx.signer || sameAddress(ctx.signer, ZERO_ADDRESS)) return await finish("no-signer-configured");
    const sig = decompressed.subarray(0, 65);
    // Cross-safe only (op-node accepts high-s on the blocks topics): a high-s twin of a signature
    // needs no key, so accepting it would let anyone mint fresh message ids for old attestations.
    if (ctx.kind === "cross-safe" && isHighS(sig)) return await finish("signature-high-s");
    const domain = signingDomainFor(ctx.kind, ctx.attestationDomain);
    const signer = recoverSigner(sig, signingHash(ctx.chainId, ph, domain));
    if (!signer) return await finish("signature-invalid");
    out.signer = signer;
    if (!sameAddress(signer, ctx.signer)) {
      // Only on this failing path: name an unsafe-block signature presented as an attestation (a
      // borrowed or replayed block, or a publisher still signing in the block domain).
      if (domain !== BLOCK_SIGNING_DOMAIN && sameAddress(recoverSigner(sig, signingHash(ctx.chainId, ph)) ?? ZERO_ADDRESS, ctx.signer)) {
        return await finish("block-domain-signature", "an unsafe-block signature is not a cross-safe attestation (protocol notes §8.8)");
      }
      return await finish("wrong-signer", `signed by ${signer}, expected ${ctx.signer}`);
    }

    // 3. SSZ by topic version
    const e = decodeEnvelope(decompressed, ctx.version);
    if (!e.ok) return await finish("ssz-invalid", e.error);
    const env = e.envelope;
    out.envelope = env;
    const p = env.payload;

    // 4–5. timestamp window
    const ts = p.timestamp;
    const outside = timestampWindow(ts, ctx);
    if (outside) return await finish(outside, `block time ${ts}, now ${Math.floor(ctx.now)}`);

    // 6. block hash
    const bh = computeBlockHash(p, env.parentBeaconBlockRoot);
    out.blockHash = toHex(bh);
    if (!equalBytes(bh, p.blockHash)) return await finish("block-hash-mismatch", `payload says ${toHex(p.blockHash)}`);

    // 7–11. per-version fields (v1 cannot carry withdrawals or blob fields by layout)
    if (ctx.version >= 2) {
      if (!p.withdrawals) return await finish("withdrawals-missing");
      if (p.withdrawals.length !== 0) return await finish("withdrawals-not-empty");
    }
    if (ctx.version >= 3) {
      if (p.blobGasUsed === undefined || p.excessBlobGas === undefined) return await finish("blob-gas-missing");
      const jovian = ctx.jovianTime !== undefined && ts >= ctx.jovianTime;
      if (p.blobGasUsed !== 0n && !jovian) return await finish("blob-gas-used-nonzero");
      if (p.excessBlobGas !== 0n) return await finish("excess-blob-gas-nonzero");
      if (!env.parentBeaconBlockRoot) return await finish("parent-beacon-root-missing");
    }
    if (ctx.version === 4 && !p.withdrawalsRoot) return await finish("withdrawals-root-missing");

    // 12. seen cache
    if (ctx.seen) {
      const s = ctx.seen.checkAndMark(p.blockNumber, out.blockHash);
      if (s === "too-many") return await finish("too-many-blocks-at-height");
      if (s === "seen") return await finish("already-seen");
    }
    return await finish("valid");
  } catch (err) {
    // op-node's guardGossipValidator turns a panic into REJECT; we never let one escape.
    return await finish("internal-error", err instanceof Error ? err.message : String(err));
  }
}

/**
 * A uint64 as a JSON number, as op-node's JSON has block numbers and timestamps; only a value past
 * 2^53 (a forged payload, never a real block) is given as a decimal string rather than rounded.
 */
const jsonUint = (v: bigint): number | string => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

/** A compact, JSON-safe summary of a result (what `inspect` prints and the Worker logs). */
export function summarize(r: ValidationResult) {
  const p = r.envelope?.payload;
  return {
    verdict: r.verdict,
    reason: r.reason,
    ...(r.detail ? { detail: r.detail } : {}),
    version: `v${r.version}`,
    number: p ? jsonUint(p.blockNumber) : null,
    blockHash: p ? toHex(p.blockHash) : null,
    parentHash: p ? toHex(p.parentHash) : null,
    timestamp: p ? jsonUint(p.timestamp) : null,
    txCount: p ? p.transactions.length : null,
    signer: r.signer ?? null,
    payloadHash: r.payloadHash ?? null,
    messageId: r.messageId,
  };
}

