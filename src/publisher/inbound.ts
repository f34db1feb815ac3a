// What the publisher's node answers for messages peers send it (async validation must always be
// answered): op-node's rules with the sequencer's own address as signer and op-node's per-height
// seen cache — one per kind of topic, the cross-safe topic without the 60 s window and in its own
// signing domain (protocol notes §8.4, §8.8), the blocks topics with op-node's rules unchanged, each
// decoded at its topic's version.
import { SeenBlocks } from "../protocol/seen-blocks.ts";
import type { AttestationDomain } from "../protocol/signing-domain.ts";
import { parseTopic, type TopicKind } from "../protocol/topic.ts";
import type { Address } from "../protocol/types.ts";
import { validateGossipMessage } from "../protocol/validate.ts";
import type { Verdict } from "../protocol/verdict.ts";
import type { Logger } from "../relay/log.ts";
import type { GossipNode } from "../relay/node.ts";
import { VALIDATION_RESULT } from "../relay/node-setup.ts";

export interface InboundOptions {
  chainId: bigint;
  signer: Address;
  /** The topics the node joined; anything else is IGNOREd. */
  topics: ReadonlySet<string>;
  /** The cross-safe topic's signing domain setting (signing-domain.ts); the blocks topics always use domain 0. */
  attestationDomain?: AttestationDomain;
  /** Resolves once the Jovian time lookup is done; then `jovianTime()` is read. */
  ready: Promise<unknown>;
  jovianTime: () => bigint | undefined;
  log: Logger;
  onVerdict(v: Verdict): void;
}

export function answerInbound(node: GossipNode, o: InboundOptions): void {
  const seen: Record<TopicKind, SeenBlocks> = { "cross-safe": new SeenBlocks(), blocks: new SeenBlocks() };
  node.pubsub.addEventListener("gossipsub:message", (e) => {
    const { msgId, propagationSource, msg } = e.detail;
    const report = (v: Verdict): void => {
      o.onVerdict(v);
      if (node.libp2p.status === "started") node.pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), VALIDATION_RESULT[v]);
    };
    const topic = o.topics.has(msg.topic) ? parseTopic(msg.topic) : undefined;
    if (!topic || topic.chainId !== o.chainId) return report("ignore");
    void o.ready
      .then(() =>
        validateGossipMessage(msg.data, {
          chainId: o.chainId,
          topic: msg.topic,
          kind: topic.kind,
          version: topic.version,
          signer: o.signer,
          ...(o.attestationDomain ? { attestationDomain: o.attestationDomain } : {}),
          now: Math.floor(Date.now() / 1000),
          // Unknown Jovian time: accept a non-zero blobGasUsed rather than reject blocks we cannot judge.
          jovianTime: o.jovianTime() ?? 0n,
          seen: seen[topic.kind],
        }),
      )
      .then(
        (r) => {
          if (r.verdict !== "accept") o.log.debug("received message not accepted", { peer: propagationSource.toString(), topic: msg.topic, verdict: r.verdict, reason: r.reason });
          report(r.verdict);
        },
        () => report("ignore"),
      );
  });
}
