// Starts the chain server (L1, follower L2 + rollup node, sequencer nodes) in Node for the Worker
// tests, which run inside workerd and reach it over real HTTP. The Worker's CHAINS setting points
// at it (vitest.config.ts reads what this provides).
import type { TestProject } from "vitest/node";
import { chainConfigToJson } from "../../src/protocol/chain-config.ts";
import { startChainServer, type ChainServerUrls } from "../../src/devnet/rpc-server.ts";

export interface WorkerChainInfo {
  urls: ChainServerUrls;
  chainId: string;
  chainConfig: Record<string, unknown>;
  sequencerKey: string;
  sequencerAddress: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    workerChain: WorkerChainInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startChainServer();
  server.advance(120);
  const c = server.chain;
  project.provide("workerChain", {
    urls: server.urls,
    chainId: c.options.l2ChainId.toString(),
    // Without unsafeBlockSigner: the Worker reads it from the L1 SystemConfig, as in production.
    chainConfig: (({ unsafeBlockSigner: _s, ...rest }) => rest)(chainConfigToJson(c.chainConfig)),
    sequencerKey: c.options.sequencerKey,
    sequencerAddress: c.sequencerAddress,
  });
  return () => server.close();
}
