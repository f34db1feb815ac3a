// The operator's part of `npm run bench` (issue 15 item 2): redundant relays, a modelled WAN, a relay
// under a flood, many chains in one deployment — each skippable (`--no-redundancy`, `--no-wan`,
// `--no-attack`, `--no-chains`), shortened by `--quick`. In `--json` each figure is a ratio next to
// its goal (printed, never asserted), the details under the bench's own key.
import { ATTACK_SOAK_SECONDS, printAttack, runAttackBench, type AttackResult } from "./attack.ts";
import { round } from "./bench-env.ts";
import { printManyChains, runManyChainsBench, type ManyChainsResult } from "./many-chains.ts";
import { printRedundancy, runRedundancyBench, type RedundancyResult } from "./redundancy.ts";
import { printWan, runWanBench, type WanResult } from "./wan.ts";

/** Blocks made the head ÷ blocks offered in the many-chains bench: ours, the issue states no number (a little slack for the sampling edges). */
export const CHAINS_SUSTAINED_GOAL = 0.95;

export interface OperatorResults {
  redundancy: RedundancyResult | null;
  wan: WanResult | null;
  attack: AttackResult | null;
  chains: ManyChainsResult | null;
}

export async function runOperatorBenches(args: Set<string>, quick: boolean, log: (s: string) => void): Promise<OperatorResults> {
  const redundancy = args.has("--no-redundancy") ? null : await runRedundancyBench({ blocks: quick ? 40 : 300, log });
  const wan = args.has("--no-wan") ? null : await runWanBench({ blocks: quick ? 30 : 100, log });
  const attack = args.has("--no-attack") ? null : await runAttackBench({ blocks: quick ? 40 : 150, soakSeconds: quick ? 30 : ATTACK_SOAK_SECONDS, log });
  const chains = args.has("--no-chains") ? null : await runManyChainsBench({ seconds: quick ? 60 : 300, log });
  return { redundancy, wan, attack, chains };
}

export function operatorJson(r: OperatorResults): Record<string, unknown> {
  return {
    ...(r.redundancy
      ? {
          redundancyRpcReadsRatio: round(r.redundancy.rpcReadsRatio),
          redundancyEnvelopeBytesRatio: round(r.redundancy.doEnvelopeBytesRatio),
          redundancyIngestToHeadP50Ratio: round(r.redundancy.ingestToHeadP50Ratio),
          redundancyGoalMax: r.redundancy.goal,
          redundancy: r.redundancy,
        }
      : {}),
    ...(r.wan ? { wanRatio: round(r.wan.ratio), wanGoalMax: r.wan.goal, wan: r.wan } : {}),
    ...(r.attack ? { attackP50Ratio: round(r.attack.p50Ratio), attackP99Ratio: round(r.attack.p99Ratio), attackGoalMax: r.attack.goal, attack: r.attack } : {}),
    ...(r.chains
      ? {
          chainsMaxLag: r.chains.maxLag,
          chainsMaxLagGoalMax: r.chains.goal,
          chainsSustainedRatio: round(r.chains.madeHeadPerSecond / r.chains.targetPerSecond),
          chainsSustainedGoalMin: CHAINS_SUSTAINED_GOAL,
          chainsWorkerCpuMsPerBlock: r.chains.workerCpuMsPerBlock === null ? null : round(r.chains.workerCpuMsPerBlock, 2),
          chains: r.chains,
        }
      : {}),
  };
}

export function printOperatorBenches(r: OperatorResults): void {
  if (r.redundancy) printRedundancy(r.redundancy);
  if (r.wan) printWan(r.wan);
  if (r.attack) printAttack(r.attack);
  if (r.chains) {
    printManyChains(r.chains);
    const s = r.chains.madeHeadPerSecond / r.chains.targetPerSecond;
    console.log(`  sustained ${s.toFixed(2)}× the offered rate (goal ≥ ${CHAINS_SUSTAINED_GOAL}×: ${s >= CHAINS_SUSTAINED_GOAL ? "met" : "MISSED"})`);
  }
}
