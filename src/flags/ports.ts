// Default ports. The relay runs beside the follower's op-node and op-geth, the publisher beside the
// sequencer's, so neither may take a port those use by default (op-node: op-node/flags/p2p_flags.go
// and op-service's metrics/pprof/rpc CLI defaults; op-geth: geth's node/defaults.go).
export const OP_STACK_DEFAULT_PORTS: Readonly<Record<number, string>> = {
  9222: "op-node p2p (tcp and udp)",
  7300: "op-node metrics (and every other op-service: batcher, proposer, challenger…)",
  9545: "op-node rpc",
  6060: "op-node pprof, op-geth metrics/pprof",
  8545: "op-geth http rpc",
  8546: "op-geth websocket rpc",
  8551: "op-geth engine api (authrpc)",
  30303: "op-geth p2p (tcp and udp)",
};

export const RELAY_PORTS = { listen: 9224, metrics: 7302 } as const;
export const PUBLISHER_PORTS = { listen: 9223, metrics: 7301 } as const;
