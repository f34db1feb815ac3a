// The read-only views of a chain's machine that its Durable Object serves (/status, /peers,
// /metrics): plain functions of the machine, kept out of the object's shell.
import type { ChainMachine } from "./machine.ts";
import { isGraylisted, SCORING } from "./peer-book.ts";

export function statusView(m: ChainMachine) {
  const head = m.head;
  const ls = m.localSafe;
  return {
    head,
    localSafe: ls,
    lag: head && ls ? ls.number - head.number : null,
    pending: m.pending().map(({ bytes: _bytes, ...p }) => p),
    events: m.events().slice(-50).reverse(),
    alarm: m.alarm,
    // the newest 50, like the events: the full list is paged by evidencePage()
    evidence: m
      .evidence()
      .slice(-50)
      .map((e) => ({ id: e.id, at: e.at, number: e.number, existing: e.existing.hash, conflicting: e.conflicting.hash, peer: e.conflicting.peer })),
  };
}

export function peersView(m: ChainMachine, now: number) {
  return {
    graylistThreshold: SCORING.graylist,
    peers: m
      .peers(now)
      .sort((a, b) => a.score - b.score)
      .map((p) => ({ ...p, score: Math.round(p.score * 1000) / 1000, graylisted: isGraylisted(p.score) })),
  };
}

export function metricsView(m: ChainMachine, counters: Map<string, number>, now: number) {
  const peers = m.peers(now);
  return {
    counters: Object.fromEntries(counters),
    head: m.head?.number ?? null,
    localSafe: m.localSafe?.number ?? null,
    pending: m.pending().length,
    alarm: m.alarm ? 1 : 0,
    peers: peers.length,
    graylisted: peers.filter((p) => isGraylisted(p.score)).length,
    evidence: m.evidence().length,
    nonces: m.nonceCount,
  };
}
