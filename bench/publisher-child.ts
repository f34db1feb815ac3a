// The publisher (src/publisher, as `op-follow publish` runs it) in its own process, for the redundancy
// bench: the sequencer's node is not the follower's. In the bench process it shared one event loop
// with the devnet chain server that answers the Worker's checks (the follower's op-geth and op-node),
// so a check that arrived while the publisher was sending a block to 5 peers waited for it. Started
// by a `start` request carrying its options (the signing key never on a command line); the chaos run's
// child machinery (src/chaos/child.ts) runs it.
import { serveParent } from "../src/chaos/child.ts";
import { startPublisher, type Publisher } from "../src/publisher/publisher.ts";
import { fromHex } from "../src/protocol/hex.ts";
import { silentLogger } from "../src/relay/log.ts";

export interface PublisherChildOptions {
  chainId: string;
  l2Rpc: string;
  rollupRpc: string;
  /** 0x-hex secp256k1 key of the sequencer. */
  signerKey: string;
  stateFile: string;
  peers: string[];
  listenHost: string;
}

let publisher: Publisher | undefined;

async function start(o: PublisherChildOptions): Promise<Record<string, unknown>> {
  if (publisher) throw new Error("already started");
  publisher = await startPublisher(
    {
      chainId: BigInt(o.chainId),
      l2Rpc: o.l2Rpc,
      rollupRpc: o.rollupRpc,
      signerKey: fromHex(o.signerKey),
      stateFile: o.stateFile,
      pollIntervalMs: 50,
      rpcTimeoutMs: 30_000,
      publishTimeoutMs: 30_000,
      statusIntervalMs: 0,
      unsafe: false,
      listen: [`/ip4/${o.listenHost}/tcp/0`],
      peers: o.peers,
      bootstrap: [],
      logLevel: "warn",
      maxConnections: 16,
    },
    { log: silentLogger, redialMs: 1_000 },
  );
  return { topic: publisher.topic, addrs: publisher.node.multiaddrs(), peerId: publisher.node.peerId };
}

let stopping = false;
async function stopAndExit(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const t = setTimeout(() => process.exit(0), 5_000);
  await publisher?.stop().catch(() => undefined);
  clearTimeout(t);
  process.exit(0);
}

serveParent(async (m) => {
  if (m["type"] === "start") return start(m["options"] as PublisherChildOptions);
  if (!publisher) throw new Error("not started");
  if (m["type"] === "waitForTopicPeers") {
    await publisher.node.waitForTopicPeers(publisher.topic, Number(m["n"]), Number(m["timeoutMs"]), m["kind"] === "mesh" ? "mesh" : "subscribers");
    return {};
  }
  throw new Error(`unknown request ${String(m["type"])}`);
}, () => void stopAndExit());
process.on("SIGTERM", () => void stopAndExit());
process.on("SIGINT", () => void stopAndExit());
