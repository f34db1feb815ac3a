import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import LongFirstSequencer from "./test/helpers/long-first-sequencer.ts";
import { TEST_ADMIN_TOKEN, TEST_RELAY_2_ID, TEST_RELAY_2_SECRET, TEST_RELAY_ID, TEST_RELAY_SECRET } from "./test/worker/secrets.ts";

// In CI, a test of the node and interop projects that fails is run once more before it counts: those
// tests drive real processes (wrangler dev, relays, op-node) over real sockets on a shared 2-core
// machine, where one late GRAFT can miss a deadline. vitest prints every retry ("retry x1"), so a flake
// stays visible; a test that fails twice fails the run. The workers project (in-isolate) and local runs
// never retry.
const NETWORK_RETRY = process.env.CI ? 1 : 0;

export default defineConfig({
  test: {
    // the run's own TMPDIR, checked empty at the end (test/helpers/tmp-guard.ts)
    globalSetup: ["./test/helpers/tmp-guard.ts"],
    // Two files at a time (vitest's default is cores − 1, i.e. one on a 2-core CI machine): most files
    // wait on child processes (wrangler dev, relays, op-node) or on the clock (the interop mesh runs
    // two minutes of blocks), so the node and interop projects' files share the two slots. vitest runs
    // a project whose files go one at a time in a group of its own after the others (vitest's
    // groupSpecs), with one core idle: that is why the interop files are not one at a time, and why
    // the workers project (one at a time: it shares one chain server) is its own group, last, in one
    // runtime. Measured on this 2-core machine: 984 s before (node 2 at a time, then interop and
    // workers one file at a time with a new workerd per file), 662 s after.
    maxWorkers: 2,
    // the files that take minutes start first, in a fresh clone too (test/helpers/long-first-sequencer.ts)
    sequence: { sequencer: LongFirstSequencer },
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/worker/**", "test/durable/**", "test/interop/**"],
          environment: "node",
          testTimeout: 60_000,
          retry: NETWORK_RETRY,
        },
      },
      {
        test: {
          // op-node's own p2p code (test/interop/opnode-peer, Go) as a live peer: built once by the
          // global setup, which skips the project without Go locally and fails in CI.
          name: "interop",
          include: ["test/interop/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/interop/harness/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          retry: NETWORK_RETRY,
          // each file runs its own op-node peers, relays and Workers on ports of their own: files run
          // beside the node project's, two at a time
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => {
            const chain = inject("workerChain");
            return {
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  // The devnet chain, and a second chain (a preset) whose nodes are unreachable: one
                  // deployment serves several chains, each in its own Durable Object.
                  CHAINS: JSON.stringify([
                    { chain: chain.chainConfig, l1Rpc: chain.urls.l1, l2Rpc: chain.urls.l2, rollupRpc: chain.urls.rollup },
                    { network: "op-sepolia", l1Rpc: "http://127.0.0.1:9/", l2Rpc: "http://127.0.0.1:9/", rollupRpc: "http://127.0.0.1:9/" },
                  ]),
                  RELAY_SECRETS: JSON.stringify({ [TEST_RELAY_ID]: TEST_RELAY_SECRET, [TEST_RELAY_2_ID]: TEST_RELAY_2_SECRET }),
                  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                  RPC_TIMEOUT_MS: "1000",
                  // /healthz thresholds in seconds, short so test/worker/health.test.ts sees each transition
                  HEALTH_RPC_FAILING_SECONDS: "2",
                  HEALTH_RPC_ERROR_WINDOW_SECONDS: "3",
                  HEALTH_STALL_SECONDS: "2",
                  HEALTH_STALL_FAILING_SECONDS: "4",
                },
              },
            };
          }),
        ],
        test: {
          name: "workers",
          include: ["test/worker/**/*.test.ts", "test/durable/**/*.test.ts"],
          globalSetup: ["./test/helpers/worker-global-setup.ts"],
          testTimeout: 60_000,
          // The chain server is shared by the files of this project: run them one at a time, after the
          // other projects (a group of their own: groupOrder 1), all in one workerd runtime rather than
          // a new one per file (≈ 4 s each). Every file already works against state other files left
          // (the shared chain server, the Durable Objects of chain 901): shuffled orders pass too.
          fileParallelism: false,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
