// At the end of the chaos run, with every fault over: the head must be a block of the follower's own
// chain, the paged evidence endpoint must still hold every record the status ever showed (and serve
// its conflicting message), and the Worker's counters give the summary's decisions.
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

interface EvidencePageJson {
  evidence: Array<{ id: number; number: number; existing: { hash: string; message: string | null }; conflicting: { hash: string; message: string } }>;
  next: number | null;
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

  // every record seen is still served (paged), with its conflicting message
  const get = (path: string): Promise<Response> => fetch(`${s.worker.url}${path}`, { signal: AbortSignal.timeout(5_000) });
  const served: EvidencePageJson["evidence"] = [];
  for (let cursor = 0; ; ) {
    const page = (await (await get(`/v1/chains/${s.chainId}/evidence?cursor=${cursor}&limit=100`)).json()) as EvidencePageJson;
    served.push(...page.evidence);
    if (page.next === null) break;
    cursor = page.next;
  }
  const ids = new Set(served.map((e) => e.id));
  for (const id of checker.evidenceIds()) if (!ids.has(id)) checker.add(t(), "evidence", `evidence #${id} was seen but /evidence no longer serves it`);
  for (const e of served) {
    const r = await get(e.conflicting.message);
    const bytes = r.status === 200 ? (await r.arrayBuffer()).byteLength : 0;
    if (bytes === 0) checker.add(t(), "evidence", `evidence #${e.id}: its conflicting message is not served (${r.status})`);
  }

  const metrics = await (await fetch(`${s.worker.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const byReason = parseMessageCounters(metrics);
  const decided = Object.entries(byReason)
    .filter(([k]) => k.startsWith("accept/"))
    .reduce((a, [, v]) => a + v, 0);
  return { byReason, decided, finalHead: head?.number ?? null, evidence: served.length };
}
