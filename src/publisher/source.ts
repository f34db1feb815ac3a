// What the publisher reads from the sequencer: its op-node's cross-safe head and its op-geth's blocks.
import { toQuantity } from "../protocol/hex.ts";
import { parseRpcBlock, type RpcBlock } from "../protocol/rpc-block.ts";
import type { Hash } from "../protocol/types.ts";
import { RpcError, type RpcClient } from "./rpc.ts";
import { crossSafeOf, unsafeOf, type CrossSafeField, type HeadRef } from "./sync-status.ts";

export interface SequencerSource {
  /** `optimism_syncStatus` → cross_safe_l2, else safe_l2 (sync-status.ts). */
  crossSafeHead(): Promise<HeadRef & { field: CrossSafeField }>;
  /** `optimism_syncStatus` → unsafe_l2 (needed for --unsafe). */
  unsafeHead?(): Promise<HeadRef>;
  /** `eth_getBlockByNumber(n, true)`, parsed; null when the node has no block there. */
  block(n: bigint): Promise<RpcBlock | null>;
  /** The canonical hash at `n` (`eth_getBlockByNumber(n, false)`), or null. */
  hashAt(n: bigint): Promise<Hash | null>;
  /** `eth_chainId` of the execution node. */
  chainId(): Promise<bigint>;
}

export function rpcSequencerSource(l2: RpcClient, rollup: RpcClient): SequencerSource {
  return {
    async crossSafeHead() {
      return crossSafeOf(await rollup.call("optimism_syncStatus"));
    },
    async unsafeHead() {
      return unsafeOf(await rollup.call("optimism_syncStatus"));
    },
    async block(n) {
      const json = await l2.call<unknown>("eth_getBlockByNumber", [toQuantity(n), true]);
      if (json === null) return null;
      const b = parseRpcBlock(json);
      if (!b.ok) throw new RpcError(l2.name, "eth_getBlockByNumber", `block ${n}: ${b.error.path}: ${b.error.message}`);
      if (b.value.number !== n) throw new RpcError(l2.name, "eth_getBlockByNumber", `asked for block ${n}, got ${b.value.number}`);
      return b.value;
    },
    async hashAt(n) {
      const json = await l2.call<{ hash?: unknown; number?: unknown } | null>("eth_getBlockByNumber", [toQuantity(n), false]);
      if (json === null) return null;
      if (typeof json !== "object" || typeof json.hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(json.hash)) {
        throw new RpcError(l2.name, "eth_getBlockByNumber", `block ${n}: malformed header`);
      }
      return json.hash.toLowerCase() as Hash;
    },
    async chainId() {
      const id = await l2.call<unknown>("eth_chainId");
      if (typeof id !== "string" || !/^0x[0-9a-fA-F]+$/.test(id)) throw new RpcError(l2.name, "eth_chainId", `unexpected result ${JSON.stringify(id)}`);
      return BigInt(id);
    },
  };
}
