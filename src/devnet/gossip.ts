// Signed gossip messages of devnet blocks, cross-safe and unsafe (blocks topic; src/protocol/publish.ts does the signing), for
// tests and tools that need a ready message without running the publisher. Pure (runs in workerd too).
import { fromHex } from "../protocol/hex.ts";
import { signGossipMessage } from "../protocol/publish.ts";
import { CROSS_SAFE_SIGNING_DOMAIN } from "../protocol/signing-domain.ts";
import { crossSafeTopic, formatTopic } from "../protocol/topic.ts";
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

/**
 * The same block as op-node's sequencer gossips it on the blocks topic: v4 (the devnet is Isthmus
 * from genesis, so blocksv4, /optimism/<id>/3/blocks), signed over the blocks signing domain (0).
 */
export function signedUnsafeMessage(chain: DevChain, b: L2Block, privateKey: Hex = chain.options.sequencerKey): { topic: string; message: Uint8Array; envelope: Uint8Array } {
  const env = chain.payloadOf(b);
  const m = signGossipMessage(env.payload, 4, env.parentBeaconBlockRoot, chain.options.l2ChainId, fromHex(privateKey));
  return { topic: formatTopic(chain.options.l2ChainId, "blocks", 4), message: m.message, envelope: m.envelope };
}
