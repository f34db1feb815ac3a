// What op-node's sequencer gossips for each block it builds (SignAndPublishL2Payload,
// publishRawSignedPayload; protocol notes §1.1–§3): the payload in the version of the block's fork,
// signed over the blocks signing domain (SigningDomainBlocksV1, 32 zero bytes), on the blocks topic
// of that version, /optimism/<chainId>/<version-1>/blocks.
import { blockVersionAt, type ChainConfig } from "../protocol/chain-config.ts";
import { signGossipMessage } from "../protocol/publish.ts";
import { formatTopic } from "../protocol/topic.ts";
import type { BlockVersion } from "../protocol/types.ts";
import type { BlockCodec } from "./engine.ts";
import { prepareBlock } from "./message.ts";

export function unsafeCodec(config: ChainConfig): BlockCodec {
  return {
    prepare: (b) => prepareBlock(b, blockVersionAt(config, b.timestamp)),
    sign: (p, chainId, key) => signGossipMessage(p.payload, p.version, p.parentBeaconBlockRoot, chainId, key).message,
  };
}

export function unsafeTopic(chainId: bigint, version: BlockVersion): string {
  return formatTopic(chainId, "blocks", version);
}
