// At the end of the chaos run, with every fault over: the head must be a block of the follower's own
// chain, the evidence endpoint must still hold every record the status showed (with the conflicting
// message), and the Worker's counters give the summary's decisions.
import type { Checker } from "./checker.ts";
import type { ChaosSystem } from "./system.ts";

export interface WorkerTotals {
  /** Messages the Worker decided, by "verdict/reason" (its persisted counters). */
  byReason: Record<string, number>;
  /** ACCEPTs: blocks that became the head. */
  decided: number;
  finalHead: number | null;
  evidence: number;
}

interface EvidenceJson {
  evidence: Array<{ id: number; number: string; existing: { hash: string }; conflicting: { hash: string; message: string | null } }>;
}

/** op_follow_messages_total{chain,verdict,reason} rows of the Worker's /metrics. */
export function parseMessageCounters(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^op_follow_messages_total\{[^}]*verdict="([^"]*)",reason="([^"]*)"\} (\d+)$/gm)) {
    const k = `${m[1]}/${m[2]}`;
    out[k] = (out[k] ?? 0) + Number(m[3]);
  }
  return out;
}

export async function finalChecks(s: ChaosSystem, checker: Checker, t: () => number): Promise<WorkerTotals> {
  const st = await s.status(5_000);
  checker.status(t(), st);
  const head = st.head;
  if (!head) checker.add(t(), "final-head", "no cross-safe head at the end");
  else {
    const local = await s.followerHash(head.number);
    if (local !== head.hash) checker.add(t(), "final-head", `the head #${head.number} ${head.hash} is not the follower's block there (${local ?? "none"})`);
  }

  const ev = (await (await fetch(`${s.worker.url}/v1/chains/${s.chainId}/evidence`, { signal: AbortSignal.timeout(5_000) })).json()) as EvidenceJson;
  const ids = new Set(ev.evidence.map((e) => e.id));
  for (const e of st.evidence) if (!ids.has(e.id)) checker.add(t(), "evidence", `evidence #${e.id} is in /status but not in /evidence`);
  for (const e of ev.evidence) if (!e.conflicting.message) checker.add(t(), "evidence", `evidence #${e.id} lost its conflicting message`);
  if (ev.evidence.length < checker.evidenceCount) checker.add(t(), "evidence", `/evidence has ${ev.evidence.length} records, ${checker.evidenceCount} were seen`);

  const metrics = await (await fetch(`${s.worker.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const byReason = parseMessageCounters(metrics);
  const decided = Object.entries(byReason)
    .filter(([k]) => k.startsWith("accept/"))
    .reduce((a, [, v]) => a + v, 0);
  return { byReason, decided, finalHead: head?.number ?? null, evidence: ev.evidence.length };
}
