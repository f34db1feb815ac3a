// The relay's and the publisher's default ports stay off the OP Stack's own defaults (they run beside
// op-node and op-geth), and a port in use is reported with the flag that changes it.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { OP_STACK_DEFAULT_PORTS, PUBLISHER_PORTS, RELAY_PORTS } from "../../src/flags/ports.ts";
import { parsePublishArgs } from "../../src/publisher/cli.ts";
import { parseRelayArgs } from "../../src/relay/cli.ts";
import { launchRelay, SECRET } from "../helpers/relay-nodes.ts";

describe("default ports", () => {
  it("are none of op-node's or op-geth's, nor each other's", async () => {
    const ours = [RELAY_PORTS.listen, RELAY_PORTS.metrics, PUBLISHER_PORTS.listen, PUBLISHER_PORTS.metrics];
    for (const p of ours) expect(OP_STACK_DEFAULT_PORTS[p], String(p)).toBeUndefined();
    expect(new Set(ours).size).toBe(ours.length);
    expect(OP_STACK_DEFAULT_PORTS[9222]).toMatch(/op-node p2p/);
    expect(OP_STACK_DEFAULT_PORTS[7300]).toMatch(/op-node metrics/);

    const r = await parseRelayArgs(["--chain-id", "10", "--worker-url", "http://w", "--relay-id", "r"], { OP_FOLLOW_RELAY_SECRET: SECRET });
    expect(!r.help && [r.config.listen, r.config.metricsAddr]).toEqual([[`/ip4/0.0.0.0/tcp/${RELAY_PORTS.listen}`], `127.0.0.1:${RELAY_PORTS.metrics}`]);
    const p = await parsePublishArgs(["--chain-id", "10", "--l2-rpc", "http://a", "--rollup-rpc", "http://b"], { OP_FOLLOW_PUBLISH_SIGNER_KEY: "0x" + "11".repeat(32) });
    expect(!p.help && [p.config.listen, p.config.metricsAddr]).toEqual([[`/ip4/0.0.0.0/tcp/${PUBLISHER_PORTS.listen}`], `127.0.0.1:${PUBLISHER_PORTS.metrics}`]);
  });

  it("a listen port in use: the error names the address and --listen, not a libp2p setting", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const err = await launchRelay("http://127.0.0.1:9", { listen: [`/ip4/127.0.0.1/tcp/${port}`] }).then(
        (relay) => relay.stop().then(() => new Error("started")),
        (e: unknown) => e as Error,
      );
      expect(err.message).toBe(`cannot listen on /ip4/127.0.0.1/tcp/${port} (address already in use): choose another with --listen (op-node's p2p port is 9222)`);
      expect(err.message).not.toMatch(/faultTolerance/);
    } finally {
      busy.close();
    }
  });
});
