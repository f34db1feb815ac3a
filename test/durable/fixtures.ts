// Builders shared by the chain-machine tests (test/durable/*.test.ts): deterministic hashes, refs,
// candidates and outcomes, the Worker's admit → RPC → decide/hold sequence, and a mirror store that
// applies `takeChanges()` exactly as src/durable/storage.ts does (to check that the changes reported
// are exactly what changed).
import type { Hash } from "../../src/protocol/types.ts";
import { ChainMachine, type Changes, type Decision, type MachineSnapshot, type Outcome } from "../../src/durable/machine.ts";
import type { Consolidation, ConsolidatedCandidate, CrossSafeHead, Evidence, HoldRequest, PeerScore, PendingCandidate } from "../../src/durable/types.ts";
import type { L2BlockRef } from "../../src/protocol/block-ref.ts";

export const T0 = 1_700_000_000_000;

/**
 * A 32-byte hash naming a block: its height, a tag (0 = the local chain's block, other values =
 * blocks the sequencer signed but the local chain does not have) and the local chain's branch
 * version at that height (bumped by every local reorg at or below it).
 */
export function hashOf(n: bigint | number, tag = 0, version = 0): Hash {
  const h = BigInt(n).toString(16).padStart(16, "0") + tag.toString(16).padStart(8, "0") + version.toString(16).padStart(40, "0");
  return `0x${h}`;
}

export function ref(n: bigint | number, hash: Hash = hashOf(n), parentHash: Hash = hashOf(BigInt(n) - 1n)): L2BlockRef {
  const b = BigInt(n);
  return { hash, number: b, parentHash, timestamp: 1_000n + 2n * b, l1origin: { hash: hashOf(b / 6n, 0xff), number: b / 6n }, sequenceNumber: b % 6n };
}

/** Deterministic stand-in for the raw gossip message of a block. */
export function rawOf(hash: Hash, extra = 0): Uint8Array {
  const out = new Uint8Array(40);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hash.slice(2 + 2 * i, 4 + 2 * i), 16);
  new DataView(out.buffer).setUint32(32, extra);
  out[39] = 0xaa;
  return out;
}

export interface CandidateOpts {
  peer?: string;
  relay?: string;
  receivedMs?: number;
  consolidation?: Consolidation;
  messageId?: string;
}

export function candidate(n: bigint | number, hash: Hash = hashOf(n), o: CandidateOpts = {}): ConsolidatedCandidate {
  return {
    ref: ref(n, hash),
    consolidation: o.consolidation ?? { kind: "match" },
    messageId: o.messageId ?? `msg-${hash.slice(2, 10)}-${hash.slice(-6)}`,
    peer: o.peer ?? "peerA",
    relay: o.relay ?? "relay1",
    receivedMs: o.receivedMs ?? T0,
    raw: rawOf(hash),
  };
}

export function consolidated(n: bigint | number, hash: Hash = hashOf(n), o: CandidateOpts & { localHash?: Hash } = {}): Outcome {
  return { kind: "consolidated", candidate: candidate(n, hash, o), localHash: o.localHash ?? hash };
}

/**
 * The sequencer's deposits-only replacement of the local block at n (tag ≠ 0 picks another one): it
 * consolidates too, so against a record of the original it is the equivocation of §8.7.
 */
export function replacement(n: bigint | number, peer = "peerA", tag = 1, raw?: Uint8Array): Outcome {
  const o = consolidated(n, hashOf(n, tag), { peer, localHash: hashOf(n), consolidation: { kind: "match-deposits-only", variant: "spec" } });
  if (raw && o.kind === "consolidated") o.candidate.raw = raw;
  return o;
}

export function mismatch(n: bigint | number, hash: Hash, localHash: Hash, peer = "peerA", reason = "consolidation-mismatch:transactions"): Outcome {
  return { kind: "mismatch", number: BigInt(n), hash, messageId: `msg-${hash.slice(2, 10)}-${hash.slice(-6)}`, peer, raw: rawOf(hash), reason, localHash };
}

export function held(n: bigint | number, hash: Hash = hashOf(n), reason = "above-local-safe", peer = "peerA"): HoldRequest {
  return { number: BigInt(n), hash, messageId: `msg-${hash.slice(2, 10)}-${hash.slice(-6)}`, peer, relay: "relay1", receivedMs: T0, reason, raw: rawOf(hash) };
}

/** admit then decide, as the Worker does for a block whose RPC checks concluded `o`. */
export function deliver(m: ChainMachine, o: Outcome, now: number): Decision & { admitted: boolean } {
  const { number, hash, peer } = o.kind === "consolidated" ? { ...o.candidate.ref, peer: o.candidate.peer } : o;
  const a = m.admit({ peer, verdict: "accept", reason: "valid", number, hash }, now);
  if (!a.proceed) return { verdict: a.verdict, reason: a.reason, admitted: false };
  return { ...m.decide(o, now), admitted: true };
}

/** Advances a fresh or existing machine through consecutive local-chain blocks from..to. */
export function advanceThrough(m: ChainMachine, from: number, to: number, now: number, tag = 0, version = 0): void {
  for (let n = from; n <= to; n++) {
    const h = hashOf(n, tag, version);
    const d = deliver(m, consolidated(n, h), now);
    if (d.verdict !== "accept") throw new Error(`advanceThrough: block ${n} → ${d.verdict} ${d.reason}`);
  }
}

// ---- the mirror store -----------------------------------------------------------------------------

/** What storage.ts keeps, in plain maps. */
export interface Mirror {
  head: CrossSafeHead | null;
  localSafe: L2BlockRef | null;
  alarm: MachineSnapshot["alarm"];
  nextEvidenceId: number;
  history: Map<bigint, CrossSafeHead>;
  envelopes: Map<Hash, Uint8Array>;
  pending: Map<Hash, PendingCandidate>;
  /** the stored messages, as storage.ts's blobs: pending candidates' and evidence's ("id:side") */
  pendingRaw: Map<Hash, Uint8Array>;
  evidenceRaw: Map<string, Uint8Array>;
  evidence: Map<number, Evidence>;
  peers: Map<string, PeerScore>;
  events: MachineSnapshot["events"];
  nonces: Map<string, number>;
}

export function emptyMirror(): Mirror {
  return { head: null, localSafe: null, alarm: null, nextEvidenceId: 1, history: new Map(), envelopes: new Map(), pending: new Map(), pendingRaw: new Map(), evidenceRaw: new Map(), evidence: new Map(), peers: new Map(), events: [], nonces: new Map() };
}

/** Applies one batch of changes in storage.ts's order: evidence, then per table deletes first, then puts. */
export function applyChanges(db: Mirror, m: ChainMachine, c: Changes, eventsLimit: number): void {
  const s = m.snapshot();
  if (c.meta) {
    db.head = s.head;
    if (s.localSafe) db.localSafe = s.localSafe;
    db.alarm = s.alarm;
    db.nextEvidenceId = s.nextEvidenceId;
  }
  if (c.historyDeleteAbove !== null) for (const n of [...db.history.keys()]) if (n > c.historyDeleteAbove) db.history.delete(n);
  if (c.historyDeleteBelow !== null) for (const n of [...db.history.keys()]) if (n < c.historyDeleteBelow) db.history.delete(n);
  for (const n of c.historyPut) {
    const r = m.historyAt(n);
    if (r) db.history.set(n, r);
  }
  for (const put of c.evidencePut) {
    const e = m.evidenceById(put.id);
    if (!e) continue;
    db.evidence.set(put.id, e);
    const existing = put.existing === null ? undefined : "raw" in put.existing ? put.existing.raw : db.envelopes.get(put.existing.copyOf);
    if (existing) db.evidenceRaw.set(`${put.id}:existing`, existing);
    else db.evidenceRaw.delete(`${put.id}:existing`);
    db.evidenceRaw.set(`${put.id}:conflicting`, put.conflicting);
  }
  for (const h of c.envelopesDelete) db.envelopes.delete(h);
  for (const [h, raw] of c.envelopesPut) db.envelopes.set(h, raw);
  for (const h of c.pendingDelete) {
    db.pending.delete(h);
    db.pendingRaw.delete(h);
  }
  for (const [h, raw] of c.pendingPut) {
    const p = m.pendingByHash(h);
    if (!p) continue;
    if (!db.pending.has(h)) db.pendingRaw.set(h, raw);
    db.pending.set(h, p);
  }
  for (const id of c.peersDelete) db.peers.delete(id);
  for (const id of new Set(c.peersPut)) {
    const p = m.peerRaw(id);
    if (p) db.peers.set(id, p);
  }
  db.events.push(...c.events);
  if (db.events.length > eventsLimit) db.events.splice(0, db.events.length - eventsLimit);
  for (const k of c.noncesPut) {
    const e = m.nonceExpiry(k);
    if (e !== undefined) db.nonces.set(k, e);
  }
}

// ---- comparing states -------------------------------------------------------------------------------

const byNumber = <T extends { number: bigint }>(a: T, b: T) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
const byKey = <T>(k: (t: T) => string | number) => (a: T, b: T) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0);

/** A snapshot in a canonical order (maps have insertion order; storage returns rows in key order). */
export function normalise(s: MachineSnapshot): MachineSnapshot {
  return {
    ...s,
    history: [...s.history].sort(byNumber),
    envelopes: [...s.envelopes].sort(byKey(([h]) => h)),
    pending: [...s.pending].sort(byKey((p) => p.hash)),
    evidence: [...s.evidence].sort(byKey((e) => e.id)),
    peers: [...s.peers].sort(byKey((p) => p.peerId)),
    nonces: [...s.nonces].sort(byKey(([k]) => k)),
  };
}

export function mirrorSnapshot(db: Mirror): MachineSnapshot {
  return normalise({
    head: db.head,
    localSafe: db.localSafe,
    alarm: db.alarm,
    nextEvidenceId: db.nextEvidenceId,
    history: [...db.history.values()],
    envelopes: [...db.envelopes].map(([h, raw]) => [h, raw.length] as [Hash, number]),
    // as storage.ts load(): a candidate's size is its stored message's
    pending: [...db.pending.values()].map((p) => ({ ...p, bytes: db.pendingRaw.get(p.hash)?.length ?? 0 })),
    evidence: [...db.evidence.values()],
    peers: [...db.peers.values()],
    events: [...db.events],
    nonces: [...db.nonces],
  });
}
