// The per-chain cross-safe state machine. It alone decides head advancement; the Durable Object is
// a thin shell that feeds it events, runs the RPC work it asks for, and persists what it changed.
// Pure and deterministic: no I/O, no clock (callers pass `now` in ms), so it is tested without a
// runtime (test/durable/machine*.test.ts).
//
// Invariants (checked by the model-based property test):
//  - the head only moves forward, except by an explicit reorg rewind to a stored ancestor;
//  - only a ConsolidatedCandidate can become the head;
//  - evidence, once stored, is never dropped (its messages go to storage, not kept here);
//  - no gossip message is held here: heads', pending candidates' and evidence's bytes leave with
//    the change that stores them, and the machine keeps their sizes;
//  - memory is bounded: history, pending, seen heights, peers (count and bytes), events and nonces
//    are capped; a full nonce table refuses rather than forgets an unexpired nonce.
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { Hash } from "../protocol/types.ts";
import type { Outcome } from "../checks/outcome.ts";
import { LIMITS, noChanges, type AdmitInput, type Changes, type Decision, type MachineSnapshot } from "./machine-types.ts";
import { NonceBook, type NonceClaim } from "./nonce-book.ts";
import { EnvelopeBook } from "./envelope-book.ts";
import { EventLog } from "./event-log.ts";
import { EvidenceBook } from "./evidence-book.ts";
import { HistoryBook, isLocal } from "./history-book.ts";
import { PendingBook } from "./pending-book.ts";
import { PeerBook, SCORING } from "./peer-book.ts";
import { SeenBook, type SeenState } from "./seen-book.ts";
import type {
  Alarm,
  ChainEvent,
  ConsolidatedCandidate,
  CrossSafeHead,
  Evidence,
  PeerScore,
  HoldRequest,
  PendingCandidate,
} from "./types.ts";

export { LIMITS, type AdmitInput, type Changes, type Decision, type MachineSnapshot } from "./machine-types.ts";
export { type NonceClaim } from "./nonce-book.ts";
export { decayed, isGraylisted, PEER_RECORD_BYTES, SCORING } from "./peer-book.ts";
export type { Outcome } from "../checks/outcome.ts";

export class ChainMachine {
  #head: CrossSafeHead | null = null;
  #localSafe: L2BlockRef | null = null;
  #alarm: Alarm | null = null;
  readonly #history = new HistoryBook(() => this.#changes);
  readonly #envelopes = new EnvelopeBook(() => this.#changes);
  readonly #pending = new PendingBook(() => this.#changes);
  readonly #evidence = new EvidenceBook(() => this.#changes);
  readonly #peers = new PeerBook(() => this.#changes);
  readonly #events = new EventLog(() => this.#changes);
  readonly #nonces = new NonceBook(() => this.#changes);
  readonly #seen = new SeenBook(); // not persisted: op-node's is in memory too
  #changes: Changes = noChanges();

  static restore(s: MachineSnapshot): ChainMachine {
    const m = new ChainMachine();
    m.#head = s.head;
    m.#localSafe = s.localSafe;
    m.#alarm = s.alarm;
    m.#history.restore(s.history);
    m.#envelopes.restore(s.envelopes);
    m.#pruneEnvelopes(); // storage from before LIMITS.envelopeBytes may hold more
    for (const p of s.pending) {
      m.#pending.put(p);
      m.#seen.mark(p.number, p.hash, { state: "pending" });
    }
    m.#boundPending();
    m.#evidence.restore(s.evidence, s.nextEvidenceId);
    m.#peers.restore(s.peers);
    m.#events.restore(s.events);
    m.#nonces.restore(s.nonces);
    return m;
  }

  snapshot(): MachineSnapshot {
    return {
      head: this.#head,
      localSafe: this.#localSafe,
      alarm: this.#alarm,
      nextEvidenceId: this.#evidence.nextId,
      history: this.#history.list(),
      envelopes: this.#envelopes.entries(),
      pending: this.#pending.list(),
      evidence: this.#evidence.list(),
      peers: this.#peers.snapshot(),
      events: this.#events.list(),
      nonces: this.#nonces.snapshot(),
    };
  }

  takeChanges(): Changes {
    const c = this.#changes;
    this.#changes = noChanges();
    return c;
  }

  // ---- reads -------------------------------------------------------------------------------

  get head(): CrossSafeHead | null {
    return this.#head;
  }
  get localSafe(): L2BlockRef | null {
    return this.#localSafe;
  }
  get alarm(): Alarm | null {
    return this.#alarm;
  }
  get nextEvidenceId(): number {
    return this.#evidence.nextId;
  }
  historyAt(n: bigint): CrossSafeHead | undefined {
    return this.#history.get(n);
  }
  history(): CrossSafeHead[] {
    return this.#history.list();
  }
  /** The size of a head's stored envelope, if it is kept (the bytes are in storage only). */
  envelopeSize(hash: Hash): number | undefined {
    return this.#envelopes.size(hash);
  }
  pending(): PendingCandidate[] {
    return this.#pending.list();
  }
  pendingByHash(hash: Hash): PendingCandidate | undefined {
    return this.#pending.get(hash);
  }
  /** What op-node's seen set says of a block: in flight (admitted, being checked), pending, final, or nothing. */
  seenState(n: bigint, h: Hash): SeenState["state"] | undefined {
    return this.#seen.get(n, h)?.state;
  }
  evidence(): Evidence[] {
    return this.#evidence.list();
  }
  evidenceById(id: number): Evidence | undefined {
    return this.#evidence.byId(id);
  }
  events(): ChainEvent[] {
    return this.#events.list();
  }
  peers(now: number): PeerScore[] {
    return this.#peers.list(now);
  }
  /** The stored record (score as of `updatedAt`, not decayed to now): what gets persisted. */
  peerRaw(id: string): PeerScore | undefined {
    return this.#peers.raw(id);
  }
  peer(id: string, now: number): PeerScore | undefined {
    return this.#peers.get(id, now);
  }

  // ---- relay authentication (nonce-book.ts) -------------------------------------------------

  nonceUsed(key: string, now: number): boolean {
    return this.#nonces.used(key, now);
  }
  nonceRoom(now: number): boolean {
    return this.#nonces.room(now);
  }
  /** Claims a request nonce: "replay" if it was used within its validity, "full" if there is no room. */
  claimNonce(key: string, expiresAt: number, now: number): NonceClaim {
    return this.#nonces.claim(key, expiresAt, now);
  }
  get nonceCount(): number {
    return this.#nonces.size;
  }
  nonceExpiry(key: string): number | undefined {
    return this.#nonces.expiry(key);
  }

  // ---- gossip admission ----------------------------------------------------------------------

  /**
   * Records the Worker's stateless verdict and applies op-node's per-height rules (protocol notes
   * §4.1 step 12) to valid messages. `proceed` means: run the RPC checks, then `submit`/`hold`.
   */
  admit(input: AdmitInput, now: number): Decision & { proceed: boolean } {
    if (input.verdict === "reject") {
      this.#peers.score(input.peer, SCORING.reject, now, "rejected");
      this.#event({ at: now, kind: "rejected", peer: input.peer, reason: input.reason, ...num(input.number), ...(input.hash ? { hash: input.hash } : {}) });
      return { proceed: false, verdict: "reject", reason: input.reason };
    }
    if (input.verdict === "ignore" || input.number === undefined || input.hash === undefined) {
      this.#event({ at: now, kind: "ignored", peer: input.peer, reason: input.reason, ...num(input.number) });
      return { proceed: false, verdict: "ignore", reason: input.reason };
    }
    const n = input.number;
    const h = input.hash;
    // Stale or duplicate against what is already cross-safe: no RPC needed.
    const known = this.#history.get(n);
    if (known && known.hash === h) return this.#ignore(now, "duplicate", input.peer, n, h, "duplicate");
    const heights = this.#seen.at(n);
    const distinct = heights?.size ?? 0;
    const mine = heights?.get(h);
    if (distinct > LIMITS.maxBlocksPerHeight) {
      this.#peers.score(input.peer, SCORING.reject, now, "rejected");
      this.#event({ at: now, kind: "rejected", peer: input.peer, reason: "too-many-blocks-at-height", number: n.toString(), hash: h });
      return { proceed: false, verdict: "reject", reason: "too-many-blocks-at-height" };
    }
    if (mine?.state === "final" && mine.rejected !== undefined) {
      // A copy of a block its owner's checks rejected (another relay's delivery): the same REJECT, so
      // every relay's gossipsub scores its sender down. The peer's score here was lowered once, by the
      // owner's decision: copies (one per relay, often from the same peer) do not count again.
      return { proceed: false, verdict: "reject", reason: mine.rejected };
    }
    if (mine && !(mine.state === "inflight" && now - mine.since > LIMITS.inflightMs)) {
      return this.#ignore(now, "ignored", input.peer, n, h, "already-seen");
    }
    if (this.#head && n <= this.#head.number && !known && n < this.#history.oldest()) {
      return this.#ignore(now, "stale", input.peer, n, h, "below-history");
    }
    this.#seen.mark(n, h, { state: "inflight", since: now });
    // A different block at a height already cross-safe proceeds too: the RPC checks tell a local
    // reorg (rewind) from equivocation (decide).
    return { proceed: true, verdict: "accept", reason: known ? "conflicts-with-cross-safe" : "admitted" };
  }

  /**
   * The outcome of the Worker's RPC checks for an admitted candidate. `localHash` is the hash the
   * follower's own node has at that height.
   *
   * Equivocation (protocol notes §8.7) needs two attestations at one height that BOTH consolidate
   * against the follower's current chain: our record there (still the local block, or its
   * deposits-only replacement) and a different consolidated candidate — e.g. an original and its
   * replacement, each signed in the attestation domain. Only the sequencer's key can produce that
   * pair. A conflicting attestation that does not consolidate (one from before a reorg, a foreign
   * or replayed one) is rejected like any mismatch: an event, never an alarm or a halt. If our
   * record at the head's height is no longer the local block, the local chain reorged there: rewind
   * first. A stale record below the head proves nothing about the head (it may have been accepted
   * after that reorg, over a gap), so an outsider's replay must not rewind it: the alarm's reorg
   * probe checks the head itself every tick.
   */
  decide(o: Outcome, now: number, how: { promoted?: boolean } = {}): Decision {
    const { number: n, hash: h, peer } = o.kind === "consolidated" ? { ...o.candidate.ref, peer: o.candidate.peer } : o;
    this.#seen.mark(n, h, { state: "final" });
    // Decided now, unless the head is frozen (below): then it stays pending as it was.
    const wasPending = this.#pending.get(h);
    this.#pending.drop(h);
    const existing = this.#history.get(n);
    if (existing && existing.hash === h) return this.#ignore(now, "duplicate", peer, n, h, "duplicate");
    if (existing && isLocal(existing, o.localHash) && o.kind === "consolidated") return this.#equivocation(o.candidate, existing, now);
    if (existing && !isLocal(existing, o.localHash) && n === this.#head?.number) {
      // The local chain changed at the head's height: the newest record below it becomes the head,
      // and the alarm's reorg check verifies that one.
      this.#rewindTo(this.#history.below(n), `local chain changed at ${n}`, now);
    }
    if (o.kind === "mismatch") {
      this.#seen.mark(n, h, { state: "final", rejected: o.reason });
      this.#peers.score(peer, SCORING.reject, now, "rejected");
      this.#event({ at: now, kind: "rejected", peer, reason: o.reason, number: n.toString(), hash: h });
      return { verdict: "reject", reason: o.reason };
    }
    const c = o.candidate;
    if (this.#alarm) {
      // Re-deciding a held candidate (the alarm's promotion) must not re-announce it: one "pending"
      // event per candidate, attempts counted from its first hold.
      if (wasPending) this.#pending.put(wasPending);
      return this.hold({ number: n, hash: h, messageId: c.messageId, peer, relay: c.relay, receivedMs: c.receivedMs, reason: "halted-equivocation", raw: c.raw }, now);
    }
    if (this.#head && n <= this.#head.number) {
      // Below the head but not in history: older than what we remember, or in a gap we skipped.
      return this.#ignore(now, "stale", peer, n, h, "at-or-below-head");
    }
    const replaced = c.consolidation.kind === "match-deposits-only" ? c.consolidation.variant : false;
    const head: CrossSafeHead = { ...c.ref, replaced, updatedAt: now, messageId: c.messageId, peer, ...(o.localHash !== h ? { localHash: o.localHash } : {}) };
    this.#setHead(head);
    this.#envelopes.put(h, c.raw);
    this.#pruneEnvelopes();
    this.#prunePendingAtOrBelow(n);
    this.#peers.score(peer, SCORING.firstDelivery, now, "accepted");
    // One event per advance: "promoted" when it came from pending (the alarm), not from gossip.
    const kind = replaced ? "replaced" : how.promoted ? "promoted" : "advanced";
    this.#event({ at: now, kind, number: n.toString(), hash: h, peer, ...(replaced ? { reason: `deposits-only (${replaced})${how.promoted ? ", promoted" : ""}` } : {}) });
    return { verdict: "accept", reason: replaced ? `advanced-replaced-${replaced}` : "advanced" };
  }

  /** A validly signed candidate that cannot be decided yet: kept and retried by the alarm. */
  hold(req: HoldRequest, now: number): Decision {
    const { raw, ...p } = req;
    const prev = this.#pending.get(p.hash);
    if (!prev && this.#head && p.number <= this.#head.number && this.#history.get(p.number)?.hash === p.hash) {
      return { verdict: "ignore", reason: "duplicate" };
    }
    const entry: PendingCandidate = { ...p, bytes: raw.length, attempts: (prev?.attempts ?? 0) + 1, addedAt: prev?.addedAt ?? now };
    this.#pending.put(entry, raw);
    this.#seen.mark(p.number, p.hash, { state: "pending" });
    this.#boundPending();
    if (!prev) this.#event({ at: now, kind: "pending", number: p.number.toString(), hash: p.hash, peer: p.peer, reason: p.reason });
    return { verdict: "ignore", reason: p.reason };
  }

  /** Drops a pending candidate for good (its check can never succeed, e.g. no L1 info deposit). */
  dropPending(h: Hash, reason: string, now: number): void {
    const p = this.#pending.get(h);
    if (!p) return;
    this.#pending.drop(h);
    this.#seen.forget(p.number, h);
    this.#event({ at: now, kind: "ignored", number: p.number.toString(), hash: h, peer: p.peer, reason });
  }

  /** The Worker gave up on an in-flight candidate without holding it (e.g. it was malformed after all). */
  release(n: bigint, h: Hash): void {
    if (this.#seen.get(n, h)?.state === "inflight") this.#seen.forget(n, h);
  }

  // ---- local-safe, reorgs, alarms -------------------------------------------------------------

  /** The follower's local-safe head; `forwardOnly` ignores a lower one (a report older than what is known). */
  observeLocalSafe(ref: L2BlockRef, o: { forwardOnly?: boolean } = {}): void {
    if (this.#localSafe && this.#localSafe.hash === ref.hash) return;
    if (o.forwardOnly && this.#localSafe && ref.number < this.#localSafe.number) return;
    this.#localSafe = ref;
    this.#changes.meta = true;
  }

  /** Pending candidates at or below local-safe: the shell re-runs consolidation for these. */
  promotable(): PendingCandidate[] {
    const ls = this.#localSafe;
    if (!ls) return [];
    return this.pending().filter((p) => p.number <= ls.number);
  }

  /** Heights whose canonical L2 hash the shell should fetch to detect a local reorg (newest first). */
  reorgProbe(max = 64): bigint[] {
    return this.#history.heights().slice(0, max);
  }

  /**
   * Given canonical L2 hashes at some heights (from the follower's execution node), rewinds the head
   * to the newest stored ancestor that is still canonical, if the head itself no longer is.
   */
  reconcile(canonical: ReadonlyMap<bigint, Hash>, now: number): { rewound: boolean; to: bigint | null } {
    const head = this.#head;
    if (!head) return { rewound: false, to: null };
    const c = canonical.get(head.number);
    if (c === undefined || isLocal(head, c)) return { rewound: false, to: null };
    const target = this.#history.newestLocal(canonical);
    this.#rewindTo(target, `head ${head.number} no longer canonical`, now);
    return { rewound: true, to: target ? target.number : null };
  }

  /** Drops every record above `target` (all of them if null) and makes `target` the head. */
  #rewindTo(target: CrossSafeHead | null, reason: string, now: number): void {
    // Everything above the target goes (the whole history if nothing is canonical any more).
    for (const rec of this.#history.dropAbove(target ? target.number : -1n)) this.#seen.forget(rec.number, rec.hash);
    this.#head = target;
    this.#changes.meta = true;
    this.#event({ at: now, kind: "rewound", number: (target?.number ?? -1n).toString(), ...(target ? { hash: target.hash } : {}), reason });
  }

  /** Forgets one peer's score, or every peer's (an operator's remedy for a polluted table). */
  purgePeers(now: number, peer?: string): number {
    const n = this.#peers.purge(peer);
    if (n) this.#event({ at: now, kind: "peers-purged", reason: `${n} peer${n === 1 ? "" : "s"} purged by operator` });
    return n;
  }

  clearAlarm(now: number, note: string): boolean {
    if (!this.#alarm) return false;
    this.#alarm = null;
    this.#changes.meta = true;
    this.#event({ at: now, kind: "alarm-cleared", reason: note });
    return true;
  }

  /** Periodic upkeep: decays and persists scores, expires nonces and stuck in-flight marks. */
  tick(now: number): void {
    this.#peers.decayAll(now);
    this.#nonces.expire(now);
    for (const p of this.#pending.list()) if (now - p.addedAt > LIMITS.pendingTtlMs) this.dropPending(p.hash, "pending-expired", now);
    this.#seen.expireInflight(now);
  }

  // ---- internals -----------------------------------------------------------------------------

  #ignore(now: number, kind: ChainEvent["kind"], peer: string, n: bigint, h: Hash, reason: string): Decision & { proceed: false } {
    this.#event({ at: now, kind, peer, number: n.toString(), hash: h, reason });
    return { proceed: false, verdict: "ignore", reason };
  }

  #equivocation(c: ConsolidatedCandidate, existing: CrossSafeHead, now: number): Decision {
    // The same conflict reported again adds nothing; a new one is stored.
    if (!this.#evidence.find(c.ref.number, c.ref.hash)) {
      const ev = this.#evidence.add(
        {
          at: now,
          number: c.ref.number,
          existing: { hash: existing.hash, messageId: existing.messageId, bytes: this.#envelopes.size(existing.hash) ?? null },
          conflicting: { hash: c.ref.hash, messageId: c.messageId, peer: c.peer, bytes: c.raw.length },
        },
        // the messages go to storage with this change and are not kept here (types.ts Evidence)
        { existing: this.#envelopes.message(existing.hash), conflicting: c.raw },
      );
      if (!this.#alarm) {
        this.#alarm = { kind: "equivocation", raisedAt: now, number: c.ref.number.toString(), hashes: [existing.hash, c.ref.hash], evidenceId: ev.id };
      }
      this.#event({ at: now, kind: "equivocation", number: c.ref.number.toString(), hash: c.ref.hash, peer: c.peer, reason: `conflicts with ${existing.hash}` });
    }
    // The relaying peer did nothing wrong: the sequencer signed both.
    return { verdict: "ignore", reason: "equivocation" };
  }

  #setHead(head: CrossSafeHead): void {
    this.#head = head;
    this.#history.put(head);
    this.#changes.meta = true;
  }

  /** Keeps the envelopes of the newest heads within the bounds (envelope-book.ts). */
  #pruneEnvelopes(): void {
    this.#envelopes.keepNewest(() => this.#history.newest().map((h) => h.hash));
  }

  /**
   * Candidates the head has passed are stale — except one that conflicts with the record at its
   * height: it was held because its check failed (an RPC fault) and that check still has to tell
   * equivocation from a local reorg, so the alarm re-decides it. Dropping it lost an equivocation
   * whose first check met a timeout (found by the chaos run).
   */
  #prunePendingAtOrBelow(n: bigint): void {
    for (const p of this.#pending.list()) {
      if (p.number > n) continue;
      const rec = this.#history.get(p.number);
      if (rec && rec.hash !== p.hash) continue;
      this.#pending.drop(p.hash);
    }
  }

  /** Over a pending bound: the dropped candidates are forgotten by the seen cache, so a later copy is taken again. */
  #boundPending(): void {
    for (const p of this.#pending.bound()) this.#seen.forget(p.number, p.hash);
  }

  #event(e: ChainEvent): void {
    this.#events.add(e);
  }
}

function num(n: bigint | undefined): { number?: string } {
  return n === undefined ? {} : { number: n.toString() };
}
