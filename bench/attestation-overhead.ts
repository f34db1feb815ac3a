// What the attestation checks of issue 10 cost on the validation hot path (goal: under 5% on the
// large case). The cross-safe topic now checks the signature in its own domain and refuses high-s
// signatures; the blocks topic does neither. Same payload, same work otherwise: the large fixture
// validated as a cross-safe attestation against the same block signed in the block domain and
// validated on a blocks topic (past window off), interleaved call by call so load drift cancels.
import { snappyEncode } from "../src/protocol/snappy.ts";
import { BLOCK_SIGNING_DOMAIN, payloadHash, signHash, signingHash } from "../src/protocol/signature.ts";
import { formatTopic } from "../src/protocol/topic.ts";
import { validateGossipMessage } from "../src/protocol/validate.ts";
import type { EnvelopeFixture } from "./fixtures.ts";
import { measureInterleaved, type MeasureOptions, type Stats } from "./measure.ts";
import { oursContext } from "./pipelines.ts";

export const ATTESTATION_OVERHEAD_GOAL = 0.05;

export interface AttestationOverhead {
  crossSafe: Stats;
  blocks: Stats;
  /** crossSafe / blocks − 1, medians */
  overhead: number;
}

export async function measureAttestationOverhead(f: EnvelopeFixture, key: Uint8Array, budget: MeasureOptions): Promise<AttestationOverhead> {
  const asBlock = f.decompressed.slice();
  asBlock.set(signHash(signingHash(f.chainId, payloadHash(asBlock.subarray(65)), BLOCK_SIGNING_DOMAIN), key), 0);
  const blockRaw = snappyEncode(asBlock);
  const xs = oursContext(f);
  const blocks = { ...xs, kind: "blocks" as const, topic: formatTopic(f.chainId, "blocks", 4), pastWindowSeconds: Number.MAX_SAFE_INTEGER };
  for (const [raw, ctx] of [[f.raw, xs], [blockRaw, blocks]] as const) {
    const r = await validateGossipMessage(raw, ctx);
    if (r.verdict !== "accept") throw new Error(`attestation overhead fixture: ${r.reason}`);
  }
  const [c, b] = (await measureInterleaved([() => validateGossipMessage(f.raw, xs), () => validateGossipMessage(blockRaw, blocks)], budget)) as [Stats, Stats];
  return { crossSafe: c, blocks: b, overhead: c.medianMs / b.medianMs - 1 };
}
