// The chain server in its own process for the chaos run (child.ts): real time, genesis in the past so
// cross-safe is past genesis at once, as the devnet runs it. Everything else goes through its HTTP
// control API (control-client.ts), as it would for a chain in another process.
import "../node/keccak.ts";
import { devnetWorkerChain } from "../devnet/worker-chain.ts";
import { startChainServer, type ChainServer } from "../devnet/rpc-server.ts";
import { serveParent } from "./child.ts";

export interface ChainProcStart {
  type: "start";
  seed: string;
  l2BlockTime: number;
  l1BlockTime: number;
  /** Genesis this many seconds before now. */
  historyS: number;
}

let server: ChainServer | undefined;

async function start(m: ChainProcStart): Promise<Record<string, unknown>> {
  if (server) throw new Error("already started");
  server = await startChainServer({
    realtime: { intervalMs: 200 },
    chain: { seed: m.seed, l2BlockTime: m.l2BlockTime, l1BlockTime: m.l1BlockTime, genesisTime: BigInt(Math.floor(Date.now() / 1000) - m.historyS) },
  });
  return {
    urls: server.urls,
    chainId: server.chain.options.l2ChainId.toString(),
    sequencerKey: server.chain.options.sequencerKey,
    workerChain: devnetWorkerChain(server),
  };
}

let stopping = false;
async function stopAndExit(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const t = setTimeout(() => process.exit(0), 3_000);
  await server?.close().catch(() => undefined);
  clearTimeout(t);
  process.exit(0);
}

serveParent(async (m) => {
  if (m["type"] === "start") return start(m as unknown as ChainProcStart);
  throw new Error(`unknown request ${String(m["type"])}`);
}, () => void stopAndExit());
process.on("SIGTERM", () => void stopAndExit());
process.on("SIGINT", () => void stopAndExit());
