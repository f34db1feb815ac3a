// Runs the chain server in real time on its own: `npm run chain -- [--port 8545] [--l1-block-time 2]
// [--l2-block-time 1] [--seed s] [--jovian]` (npm puts node_modules' Node 22 on PATH; a bare `node`
// may be an older system Node that cannot run TypeScript). Prints the endpoint URLs, then one line per
// L2 block with the heads, until SIGINT, SIGTERM or SIGHUP.
import { parseArgs } from "node:util";
import { onStopSignal } from "../process/stop-signals.ts";
import { startChainServer } from "./rpc-server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8545" },
    host: { type: "string", default: "127.0.0.1" },
    "l1-block-time": { type: "string", default: "2" },
    "l2-block-time": { type: "string", default: "1" },
    seed: { type: "string", default: "op-follow" },
    jovian: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

const server = await startChainServer({
  host: values.host,
  port: Number(values.port),
  realtime: true,
  chain: { seed: values.seed, l1BlockTime: Number(values["l1-block-time"]), l2BlockTime: Number(values["l2-block-time"]), jovian: values.jovian },
});
const u = server.urls;
console.log(`chain server (L1 ${server.chain.options.l1ChainId}, L2 ${server.chain.options.l2ChainId}, sequencer ${server.chain.sequencerAddress})`);
console.log(`  L1 geth          ${u.l1}\n  L2 op-geth       ${u.l2}\n  L2 op-node       ${u.rollup}\n  sequencer op-geth ${u.sequencerL2}\n  sequencer op-node ${u.sequencerRollup}\n  control          ${u.control}`);
if (!values.quiet) {
  server.chain.on((e) => {
    if (e.type !== "l2-block") return;
    const h = server.chain.heads();
    console.log(`L2 #${e.block.number} ${e.block.hash.slice(0, 12)}… origin L1 #${e.block.l1Origin.number}  local-safe ${h.localSafe}  cross-safe ${h.crossSafe}  finalized ${h.finalized}`);
  });
}
onStopSignal(() => void server.close().then(() => process.exit(0)));
