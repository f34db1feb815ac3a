// vitest globalSetup that starts one chain server for a test project and hands its URLs to the tests
// with provide/inject. It runs in Node even when the tests run in workerd (the Worker tests reach the
// server over real HTTP and steer it with POST /__control). Wire it in a project's config:
//   test: { globalSetup: ["./test/devnet/global-setup.ts"] }   and in a test:   inject("chainServer")
// OP_FOLLOW_CHAIN_SERVER_PORT pins the port (for configs that must know the URLs up front).
import type { TestProject } from "vitest/node";
import { startChainServer } from "../../src/devnet/rpc-server.ts";
import "./chain-server-info.ts";

export type { ChainServerInfo } from "./chain-server-info.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = Number(process.env["OP_FOLLOW_CHAIN_SERVER_PORT"] ?? 0);
  const server = await startChainServer({ port });
  server.advance(120); // 10 L1 and 60 L2 blocks to start from; POST /__control {"op":"reset"} starts over
  const c = server.chain;
  project.provide("chainServer", {
    urls: server.urls,
    l1ChainId: c.options.l1ChainId.toString(),
    l2ChainId: c.options.l2ChainId.toString(),
    systemConfig: c.options.systemConfig,
    sequencerAddress: c.sequencerAddress,
    sequencerKey: c.options.sequencerKey,
    genesisTime: c.options.genesisTime.toString(),
  });
  return () => server.close();
}
