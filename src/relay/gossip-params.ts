// Every gossipsub parameter the relay takes from op-node, in one place. Sources (protocol notes §1.6):
//   op-node/p2p/gossip.go        BuildGlobalGossipParams, NewGossipSub options, newBlockTopic
//   op-node/p2p/peer_params.go   LightPeerScoreParams ("light", the --p2p.scoring default), NewPeerScoreThresholds
//   op-node/flags/p2p_flags.go   mesh-size flag defaults, --p2p.ban.threshold / --p2p.ban.duration
// Go durations are converted to the milliseconds @libp2p/gossipsub takes.
import type { GossipsubOpts } from "@libp2p/gossipsub";
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from "@libp2p/gossipsub/score";
import { MAX_GOSSIP_SIZE } from "../protocol/snappy.ts";

/** gossip.go BuildGlobalGossipParams (the p2p_flags.go mesh defaults are the same numbers). */
export const MESH = {
  D: 8,
  Dlo: 6,
  Dhi: 12,
  Dlazy: 6,
  /** gossipHeartbeat = 500 ms */
  heartbeatMs: 500,
  /** params.FanoutTTL = 24 s */
  fanoutTTLMs: 24_000,
  /** params.HistoryLength = 12 (mcache windows kept for IWANT) */
  mcacheLength: 12,
  /** params.HistoryGossip = 3 */
  mcacheGossip: 3,
  /** seenMessagesTTL = 130 * gossipHeartbeat = 65 s */
  seenTTLMs: 130 * 500,
} as const;

/**
 * How long an async-validated message stays in gossipsub's mcache: a verdict reported later finds
 * nothing to forward or penalise (`reportMessageValidationResult` is then a no-op). op-node's own
 * per-topic validator timeout is 3 s (gossip.go newBlockTopic `WithValidatorTimeout(3*time.Second)`);
 * after it go-libp2p-pubsub drops the message like an IGNORE.
 */
export const MCACHE_WINDOW_MS = MESH.mcacheLength * MESH.heartbeatMs;

/** gossip.go: validator queue, throttle and per-topic concurrency (the relay's forwarder takes their role). */
export const OP_NODE_VALIDATION = {
  validateQueueSize: 256,
  validateThrottle: 512,
  topicValidatorConcurrency: 4,
  topicValidatorTimeoutMs: 3_000,
} as const;

/** peer_params.go: DecayToZero and ScoreDecay(duration, slot) = DecayToZero^(1 / (duration/slot)). */
export const DECAY_TO_ZERO = 0.01;
export function scoreDecay(durationMs: number, slotMs: number): number {
  return Math.pow(DECAY_TO_ZERO, 1 / Math.floor(durationMs / slotMs));
}

/** op-node falls back to a 2 s slot when the rollup config's block time is 0; every OP chain we know uses 2 s. */
export const DEFAULT_BLOCK_TIME_SECONDS = 2;

/** peer_params.go NewPeerScoreThresholds. */
export const PEER_SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -40,
  graylistThreshold: -40,
  acceptPXThreshold: 20,
  opportunisticGraftThreshold: 0.05,
};

/** p2p_flags.go: --p2p.ban.peers (default true), --p2p.ban.threshold -100, --p2p.ban.duration 1h. */
export const BAN = { threshold: -100, durationMs: 60 * 60 * 1000 } as const;

/**
 * op-follow's addition, NOT op-node: P4 (invalid message deliveries) on the cross-safe topics, so a
 * REJECT verdict lowers the sender's gossipsub score. op-node's light params have no topic scores at all
 * ("the network is expected to migrate from older topics to newer ones"), which would leave a REJECT
 * without any score effect; the cross-safe topic is a single topic op-node does not know, so there is
 * nothing of op-node's to match. Weight -10 × count²: one reject → -10 (gossip threshold), three → -90
 * (graylisted), a flood → far below the ban threshold. The counter decays over 50 epochs (1 epoch = 6 slots).
 * Pass weight 0 for op-node's exact parameters (no topic scoring).
 */
export const DEFAULT_INVALID_MESSAGE_WEIGHT = -10;

export interface ScoreParamsInput {
  topics: readonly string[];
  appSpecificScore: (peerId: string) => number;
  blockTimeSeconds?: number;
  /** ≤ 0; 0 disables topic scoring (op-node's exact light params). */
  invalidMessageWeight?: number;
}

/** peer_params.go LightPeerScoreParams, plus the optional P4 topic scoring described above. */
export function peerScoreParams(input: ScoreParamsInput): Partial<PeerScoreParams> {
  const slot = (input.blockTimeSeconds ?? DEFAULT_BLOCK_TIME_SECONDS) * 1000;
  const epoch = 6 * slot; // "an epoch as 6 blocks"
  const weight = input.invalidMessageWeight ?? DEFAULT_INVALID_MESSAGE_WEIGHT;
  const topics: Record<string, TopicScoreParams> = {};
  if (weight < 0) {
    for (const t of input.topics) topics[t] = invalidOnlyTopicParams(weight, scoreDecay(50 * epoch, slot));
  }
  return {
    topics,
    topicScoreCap: 34,
    appSpecificScore: input.appSpecificScore,
    appSpecificWeight: 1,
    IPColocationFactorWeight: -35,
    IPColocationFactorThreshold: 10,
    IPColocationFactorWhitelist: new Set(),
    behaviourPenaltyWeight: -16,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: scoreDecay(10 * epoch, slot),
    decayInterval: slot,
    decayToZero: DECAY_TO_ZERO,
    retainScore: 100 * epoch,
  };
}

function invalidOnlyTopicParams(weight: number, decay: number): TopicScoreParams {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 0,
    firstMessageDeliveriesWeight: 0,
    firstMessageDeliveriesDecay: 0,
    firstMessageDeliveriesCap: 0,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0,
    meshMessageDeliveriesCap: 0,
    meshMessageDeliveriesThreshold: 0,
    meshMessageDeliveriesWindow: 0,
    meshMessageDeliveriesActivation: 0,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0,
    invalidMessageDeliveriesWeight: weight,
    invalidMessageDeliveriesDecay: decay,
  };
}

/**
 * The NewGossipSub options of gossip.go mapped onto @libp2p/gossipsub. The message-id function, the
 * scoring callbacks and the topic allow-list are supplied by the node factory.
 */
export const GOSSIPSUB_STATIC: Partial<GossipsubOpts> = {
  D: MESH.D,
  Dlo: MESH.Dlo,
  Dhi: MESH.Dhi,
  Dlazy: MESH.Dlazy,
  heartbeatInterval: MESH.heartbeatMs,
  fanoutTTL: MESH.fanoutTTLMs,
  mcacheLength: MESH.mcacheLength,
  mcacheGossip: MESH.mcacheGossip,
  seenTTL: MESH.seenTTLMs,
  // WithMessageSignaturePolicy(StrictNoSign) + WithNoAuthor()
  globalSignaturePolicy: "StrictNoSign",
  // WithMaxMessageSize(maxGossipSize): go-libp2p-pubsub applies it to the whole RPC frame.
  maxInboundDataLength: MAX_GOSSIP_SIZE,
  // WithPeerExchange(false)
  doPX: false,
  // op-node's --p2p.gossip.mesh.floodpublish defaults to false (js-gossipsub defaults to true).
  floodPublish: false,
  // go-libp2p-pubsub's gossipsub router also speaks floodsub.
  fallbackToFloodsub: true,
  // verdicts come from the Worker, asynchronously
  asyncValidation: true,
  emitSelf: false,
};
