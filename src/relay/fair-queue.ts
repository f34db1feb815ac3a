// The forwarder's queue (forwarder.ts): which waiting message goes to the Worker next, and which one
// is dropped when the queue is full. Pure: no clock, no I/O.
//
// Order. Messages wait in one FIFO per (standing, topic, propagation peer). The two standings are
// served 4:1 (deficit round robin with unit cost: the Worker's cost is mostly per request, not per
// byte); within a standing the topics take turns, one message each, and within a topic its peers
// take turns. So a valid block waits behind at most one message per other busy peer of its topic, not
// behind a flooder's backlog, and every chain's topic gets its turn. A "low" peer (gossipsub score
// < 0, or recently REJECTed: peer-standing.ts) is served, never starved, but it may hold at most
// `lowInFlight` of the Worker requests, so known-bad peers cannot fill the Worker with work.
//
// Bounds. Per peer: queued + in flight ≤ `maxPerPeer`; beyond it the peer's new messages are refused
// (`peer-queue-full`), a flooder's excess costs nothing. Globally: `maxItems` and `maxBytes`. When a
// new message does not fit, room is made by dropping the newest message of the longest queue
// (longest-queue drop): the lowest standing first, then the topic with the most waiting (count or
// bytes, whichever bound is hit), then that topic's peer with the most; if that longest queue is the
// newcomer's own, the newcomer is refused (`queue-full`). One chain's backlog thus shrinks before a
// quiet chain loses a message, and no peer's flood takes the room of another's.
//
// Follows: go-libp2p-pubsub validation.go (a per-topic validation throttle, WithValidatorConcurrency,
// under a global one, WithValidateThrottle; a message over either is dropped as "throttled", which
// never penalises, score.go RejectValidationThrottled), and op-node p2p/gossip.go (validate queue
// 256, global throttle 512, per-topic concurrency 4). Those throttles refuse whatever arrives when
// full; the per-peer and longest-queue choice here is ours, so one peer cannot use them all up.

export type Standing = "good" | "low";
const STANDINGS: readonly Standing[] = ["good", "low"];
/** Messages served per round: good peers 4, low peers 1. */
const WEIGHTS: Readonly<Record<Standing, number>> = { good: 4, low: 1 };

export interface FairQueueLimits {
  /** messages queued, all topics and peers */
  maxItems: number;
  /** bytes queued */
  maxBytes: number;
  /** one peer's messages queued + in flight */
  maxPerPeer: number;
  /** low-standing messages in flight at once (≥ 1) */
  lowInFlight: number;
}

export interface QueueEntry<T> {
  item: T;
  topic: string;
  peer: string;
  bytes: number;
  standing: Standing;
}

export type RefuseReason = "peer-queue-full" | "queue-full";
/**
 * Accepted or refused; either way `dropped` are the queued messages dropped to make room (when the
 * bytes bound is hit, some may go before the newcomer's own queue turns out the largest).
 */
export type Admission<T> = { ok: true; dropped: QueueEntry<T>[] } | { ok: false; reason: RefuseReason; dropped: QueueEntry<T>[] };

interface TopicQueue<T> {
  /** peer → its FIFO; Map order is the round-robin order (the head is served next) */
  peers: Map<string, QueueEntry<T>[]>;
  count: number;
  bytes: number;
}

interface Lane<T> {
  topics: Map<string, TopicQueue<T>>;
  count: number;
}

export class FairQueue<T> {
  private readonly limits: FairQueueLimits;
  private readonly lanes: Record<Standing, Lane<T>> = { good: { topics: new Map(), count: 0 }, low: { topics: new Map(), count: 0 } };
  private readonly credit: Record<Standing, number> = { ...WEIGHTS };
  /** peer → queued + in flight */
  private readonly perPeer = new Map<string, number>();
  private lowRunning = 0;
  private queuedBytes = 0;

  constructor(limits: FairQueueLimits) {
    if (limits.maxItems < 1 || limits.maxPerPeer < 1 || limits.lowInFlight < 1 || limits.maxBytes < 1) throw new Error("fair queue: every limit must be ≥ 1");
    this.limits = { ...limits };
  }

  get size(): number {
    return this.lanes.good.count + this.lanes.low.count;
  }
  get bytes(): number {
    return this.queuedBytes;
  }
  /** A peer's messages queued + in flight. */
  pendingOf(peer: string): number {
    return this.perPeer.get(peer) ?? 0;
  }
  /** Messages waiting in one topic (both standings). */
  topicSize(topic: string): number {
    return STANDINGS.reduce((n, s) => n + (this.lanes[s].topics.get(topic)?.count ?? 0), 0);
  }

  push(e: QueueEntry<T>): Admission<T> {
    const dropped: QueueEntry<T>[] = [];
    if (this.pendingOf(e.peer) >= this.limits.maxPerPeer) return { ok: false, reason: "peer-queue-full", dropped };
    if (e.bytes > this.limits.maxBytes) return { ok: false, reason: "queue-full", dropped };
    for (;;) {
      const overCount = this.size + 1 > this.limits.maxItems;
      if (!overCount && this.queuedBytes + e.bytes <= this.limits.maxBytes) break;
      const victim = this.longestQueue(e, overCount ? "count" : "bytes");
      if (!victim) return { ok: false, reason: "queue-full", dropped };
      dropped.push(this.dropNewest(victim.standing, victim.topic, victim.peer));
    }
    const lane = this.lanes[e.standing];
    let tq = lane.topics.get(e.topic);
    if (!tq) lane.topics.set(e.topic, (tq = { peers: new Map(), count: 0, bytes: 0 }));
    let fifo = tq.peers.get(e.peer);
    if (!fifo) tq.peers.set(e.peer, (fifo = []));
    fifo.push(e);
    tq.count++;
    tq.bytes += e.bytes;
    lane.count++;
    this.queuedBytes += e.bytes;
    this.perPeer.set(e.peer, this.pendingOf(e.peer) + 1);
    return { ok: true, dropped };
  }

  /**
   * The next message to forward, now counted in flight for its peer until `done(entry)`; undefined
   * when nothing is queued or only low messages are, with their in-flight share used up.
   */
  next(): QueueEntry<T> | undefined {
    const eligible = (s: Standing): boolean => this.lanes[s].count > 0 && (s === "good" || this.lowRunning < this.limits.lowInFlight);
    let s = STANDINGS.find((x) => eligible(x) && this.credit[x] > 0);
    if (s === undefined) {
      // a new round: every standing's quantum again
      Object.assign(this.credit, WEIGHTS);
      s = STANDINGS.find(eligible);
      if (s === undefined) return undefined;
    }
    this.credit[s]--;
    const lane = this.lanes[s];
    const [topic, tq] = lane.topics.entries().next().value!;
    const [peer, fifo] = tq.peers.entries().next().value!;
    const e = fifo.shift()!;
    // rotate: the peer and the topic just served go to the back of their rings
    tq.peers.delete(peer);
    if (fifo.length) tq.peers.set(peer, fifo);
    tq.count--;
    tq.bytes -= e.bytes;
    lane.topics.delete(topic);
    if (tq.count) lane.topics.set(topic, tq);
    lane.count--;
    this.queuedBytes -= e.bytes;
    if (s === "low") this.lowRunning++;
    return e;
  }

  /** A message from `next()` is answered: its peer's and its standing's in-flight share is free. */
  done(e: QueueEntry<T>): void {
    this.release(e.peer);
    if (e.standing === "low") this.lowRunning--;
  }

  /** Empties the queue (shutdown), returning what waited; in-flight counts stay until `done`. */
  drain(): QueueEntry<T>[] {
    const out: QueueEntry<T>[] = [];
    for (let e = this.takeAny(); e; e = this.takeAny()) out.push(e);
    return out;
  }

  private takeAny(): QueueEntry<T> | undefined {
    for (const s of STANDINGS) {
      const lane = this.lanes[s];
      const first = lane.topics.entries().next().value;
      if (!first) continue;
      const [topic, tq] = first;
      const [peer] = tq.peers.keys();
      const e = this.dropNewest(s, topic, peer!);
      return e;
    }
    return undefined;
  }

  /**
   * Where to make room for `arrival`: the longest queue of the lowest standing present, counting the
   * arrival in its own; undefined when that is the arrival's own queue (ties go against the arrival).
   */
  private longestQueue(arrival: QueueEntry<T>, by: "count" | "bytes"): { standing: Standing; topic: string; peer: string } | undefined {
    const standing = [...STANDINGS].reverse().find((s) => this.lanes[s].count > 0 || s === arrival.standing)!;
    const mine = standing === arrival.standing;
    const add = by === "count" ? 1 : arrival.bytes;
    let best: { topic: string; size: number } | undefined = mine ? { topic: arrival.topic, size: (this.lanes[standing].topics.get(arrival.topic)?.[by] ?? 0) + add } : undefined;
    for (const [topic, tq] of this.lanes[standing].topics) {
      if (mine && topic === arrival.topic) continue;
      if (!best || tq[by] > best.size) best = { topic, size: tq[by] };
    }
    const tq = this.lanes[standing].topics.get(best!.topic);
    const sizeOf = (f: QueueEntry<T>[]): number => (by === "count" ? f.length : f.reduce((n, x) => n + x.bytes, 0));
    const mineTopic = mine && best!.topic === arrival.topic;
    let peerBest: { peer: string; size: number } | undefined = mineTopic ? { peer: arrival.peer, size: sizeOf(tq?.peers.get(arrival.peer) ?? []) + add } : undefined;
    for (const [peer, fifo] of tq?.peers ?? []) {
      if (mineTopic && peer === arrival.peer) continue;
      const size = sizeOf(fifo);
      if (!peerBest || size > peerBest.size) peerBest = { peer, size };
    }
    if (mineTopic && peerBest!.peer === arrival.peer) return undefined;
    return { standing, topic: best!.topic, peer: peerBest!.peer };
  }

  /** Removes the newest message of one (non-empty) queue. */
  private dropNewest(s: Standing, topic: string, peer: string): QueueEntry<T> {
    const lane = this.lanes[s];
    const tq = lane.topics.get(topic)!;
    const fifo = tq.peers.get(peer)!;
    const e = fifo.pop()!;
    if (!fifo.length) tq.peers.delete(peer);
    tq.count--;
    tq.bytes -= e.bytes;
    if (!tq.count) lane.topics.delete(topic);
    lane.count--;
    this.queuedBytes -= e.bytes;
    this.release(peer);
    return e;
  }

  private release(peer: string): void {
    const n = this.pendingOf(peer) - 1;
    if (n > 0) this.perPeer.set(peer, n);
    else this.perPeer.delete(peer);
  }
}
