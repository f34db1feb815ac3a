// The Worker's CHAINS entry for a chain server, apart from stack.ts so a process that only serves the
// chain (the chaos run's chain process) does not load the relay and the publisher.
import { chainConfigToJson } from "../protocol/chain-config.ts";
import type { ChainServer } from "./rpc-server.ts";
import type { WorkerChainEntry } from "./worker-dev.ts";

/**
 * The Worker's CHAINS entry for a chain server: its chain config and the follower's three RPC
 * endpoints. The signer is left out, so the Worker reads SystemConfig.unsafeBlockSigner() over L1 RPC
 * as in production.
 */
export function devnetWorkerChain(server: ChainServer): WorkerChainEntry {
  const { unsafeBlockSigner: _signer, ...chain } = chainConfigToJson(server.chain.chainConfig);
  return {
    chain,
    l1Rpc: server.urls.l1,
    l2Rpc: server.urls.l2,
    rollupRpc: server.urls.rollup,
  };
}
