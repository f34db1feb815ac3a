// The publisher in its own process (publisher-child.ts), as the redundancy bench runs it: the
// sequencer's node apart from the chain server that plays the follower's nodes.
import { fileURLToPath } from "node:url";
import { spawnChild } from "../src/chaos/child.ts";
import { guard } from "../src/devnet/reaper-client.ts";
import type { ChainServer } from "../src/devnet/rpc-server.ts";
import type { PublisherChildOptions } from "./publisher-child.ts";

const ENTRY = fileURLToPath(new URL("./publisher-child.ts", import.meta.url));

export interface PublisherProc {
  readonly pid: number;
  readonly topic: string;
  readonly peerId: string;
  readonly addrs: string[];
  waitForTopicPeers(n: number, timeoutMs: number, kind: "mesh" | "subscribers"): Promise<void>;
  stop(): Promise<void>;
}

/** The publisher against the chain server's sequencer endpoints, gossiping to `peers`; cross-safe only. */
export async function startPublisherProc(server: ChainServer, peers: string[], stateFile: string, listenHost = "127.0.0.1"): Promise<PublisherProc> {
  const lines: string[] = [];
  const child = spawnChild("publisher", ENTRY, (l) => {
    lines.push(l);
    if (lines.length > 100) lines.shift();
  });
  const release = guard({ group: child.pid }); // stopped by the reaper if this process is killed outright
  void child.exited.then(release);
  const options: PublisherChildOptions = {
    chainId: server.chain.options.l2ChainId.toString(),
    l2Rpc: server.urls.sequencerL2,
    rollupRpc: server.urls.sequencerRollup,
    signerKey: server.chain.options.sequencerKey,
    stateFile,
    peers,
    listenHost,
  };
  const st = await child.request<{ topic: string; peerId: string; addrs: string[] }>({ type: "start", options }, 60_000).catch(async (e: unknown) => {
    await child.stop(5_000);
    throw new Error(`the publisher did not start: ${String(e)}\n${lines.slice(-20).join("\n")}`);
  });
  return {
    pid: child.pid,
    ...st,
    waitForTopicPeers: async (n, timeoutMs, kind) => void (await child.request({ type: "waitForTopicPeers", n, timeoutMs, kind }, timeoutMs + 10_000)),
    stop: () => child.stop(5_000),
  };
}
