// Signed cross-safe gossip messages of devnet blocks (src/protocol/publish.ts does the signing), for
// tests and tools that need a ready message without running the publisher. Pure (runs in workerd too).
import { fromHex } from "../protocol/hex.ts";
import { signGossipMessage } from "../protocol/publish.ts";
import { CROSS_SAFE_SIGNING_DOMAIN } from "../protocol/signing-domain.ts";
import { crossSafeTopic } from "../protocol/topic.ts";
import type { Hex } from "../protocol/types.ts";
import type { DevChain, L2Block } from "./chain.ts";

/**
 * snappy(signature ‖ parentBeaconBlockRoot ‖ SSZ v4 payload) of `b`, signed by `privateKey` (default: the
 * sequencer) in the cross-safe attestation domain, or in `domain` (e.g. the block domain, to forge a
 * "borrowed" unsafe-block signature in tests).
 */
export function signedGossipMessage(
  chain: DevChain,
  b: L2Block,
  privateKey: Hex = chain.options.sequencerKey,
  domain: Uint8Array = CROSS_SAFE_SIGNING_DOMAIN,
): { topic: string; message: Uint8Array; envelope: Uint8Array } {
  const env = chain.payloadOf(b);
  const m = signGossipMessage(env.payload, 4, env.parentBeaconBlockRoot, chain.options.l2ChainId, fromHex(privateKey), domain);
  return { topic: crossSafeTopic(chain.options.l2ChainId), message: m.message, envelope: m.envelope };
}
