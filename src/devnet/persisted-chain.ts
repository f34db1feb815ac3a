// `op-follow devnet --persist-to DIR` across runs. The Worker's Durable Object state in DIR describes
// a chain; the chain server keeps its chain in memory only. So that a second run continues the same
// chain (and the Worker resumes its head instead of rewinding it past every block it knew, the
// `rewound #-1` of a fresh chain), DIR also records what defines the chain — its seed, genesis time
// and block times — and the next run rebuilds it from genesis: every block is a pure function of
// these (chain.ts). Scenario changes (reorgs, replacements) are not replayed; the Worker sees them as a
// reorg and rewinds to the common ancestor, as it would on a real chain.
//
// Rebuilding costs time per block (≈ 5–20 ms, mostly signing transactions), so a chain older than
// MAX_RESUME_BLOCKS is not resumed: a new chain starts, and the Worker state of the old one is
// removed from DIR (only what the devnet and wrangler put there), saying so.
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../node/atomic-write.ts";

export const MANIFEST = "op-follow-devnet.json";
/** What the devnet puts in DIR besides the manifest: wrangler's state and the publisher's. */
export const PERSISTED_ENTRIES = ["v3", "publisher-state.json"];
export const MAX_RESUME_BLOCKS = 3_600;

export interface ChainIdentity {
  seed: string;
  genesisTime: bigint;
  l2BlockTime: number;
  l1BlockTime: number;
}

export type PersistPlan =
  | { kind: "new"; chain: ChainIdentity }
  | { kind: "resume"; chain: ChainIdentity; blocks: number }
  /** the recorded chain cannot be resumed: a new one, the old state removed */
  | { kind: "restart"; chain: ChainIdentity; why: string };

function parseManifest(text: string): ChainIdentity | string {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return "not JSON";
  }
  if (j["version"] !== 1 || typeof j["seed"] !== "string" || typeof j["genesisTime"] !== "string" || !/^\d+$/.test(j["genesisTime"])) return "not a devnet manifest (version 1)";
  if (typeof j["l2BlockTime"] !== "number" || typeof j["l1BlockTime"] !== "number") return "no block times";
  return { seed: j["seed"], genesisTime: BigInt(j["genesisTime"]), l2BlockTime: j["l2BlockTime"], l1BlockTime: j["l1BlockTime"] };
}

/** Decides how to start from DIR (pure, given the manifest's text or null when there is none). */
export function planPersisted(manifest: string | null, fresh: ChainIdentity, nowS: number): PersistPlan {
  if (manifest === null) return { kind: "new", chain: fresh };
  const old = parseManifest(manifest);
  if (typeof old === "string") return { kind: "restart", chain: fresh, why: `${MANIFEST} is unreadable (${old})` };
  if (old.l2BlockTime !== fresh.l2BlockTime || old.l1BlockTime !== fresh.l1BlockTime) {
    return { kind: "restart", chain: fresh, why: `it was made with --block-time ${old.l2BlockTime}, this run has ${fresh.l2BlockTime}` };
  }
  const blocks = Math.max(0, Math.floor((nowS - Number(old.genesisTime)) / old.l2BlockTime));
  if (blocks > MAX_RESUME_BLOCKS) return { kind: "restart", chain: fresh, why: `its chain is ${blocks} blocks old, more than the ${MAX_RESUME_BLOCKS} a run rebuilds` };
  return { kind: "resume", chain: old, blocks };
}

/** Reads DIR, applies the plan (a restart clears the old state) and records the chain to use. */
export async function preparePersisted(dir: string, fresh: ChainIdentity, nowS = Math.floor(Date.now() / 1000)): Promise<PersistPlan> {
  await mkdir(dir, { recursive: true });
  const text = await readFile(join(dir, MANIFEST), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw e;
  });
  const plan = planPersisted(text, fresh, nowS);
  if (plan.kind === "restart") for (const e of PERSISTED_ENTRIES) await rm(join(dir, e), { recursive: true, force: true });
  if (plan.kind !== "resume") {
    const c = plan.chain;
    await writeFileAtomic(join(dir, MANIFEST), JSON.stringify({ version: 1, seed: c.seed, genesisTime: c.genesisTime.toString(), l2BlockTime: c.l2BlockTime, l1BlockTime: c.l1BlockTime }, null, 1) + "\n");
  }
  return plan;
}
