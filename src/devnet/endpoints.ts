// The chain server's endpoints: one HTTP port, one path per node. Each path speaks the JSON-RPC of
// the node it stands for.
export const ENDPOINTS = {
  /** L1 execution client (geth): blocks, SystemConfig eth_call / eth_getStorageAt. */
  l1: "/l1",
  /** The follower's L2 execution client (op-geth). */
  l2: "/l2",
  /** The follower's rollup node (op-node): optimism_syncStatus, optimism_rollupConfig, optimism_outputAtBlock. */
  rollup: "/rollup",
  /** The sequencer's op-geth (what the publisher reads to build and sign cross-safe blocks). */
  "sequencer-l2": "/sequencer/l2",
  /** The sequencer's op-node (its safe_l2 is the cross-safe head). */
  "sequencer-rollup": "/sequencer/rollup",
} as const;

export type EndpointName = keyof typeof ENDPOINTS;

export const CONTROL_PATH = "/__control";

export function endpointOfPath(path: string): EndpointName | undefined {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  for (const [name, route] of Object.entries(ENDPOINTS)) if (route === p) return name as EndpointName;
  return undefined;
}

/** Where a chain server listens (startChainServer's `urls`). */
export interface ChainServerUrls {
  base: string;
  l1: string;
  l2: string;
  rollup: string;
  sequencerL2: string;
  sequencerRollup: string;
  control: string;
}
