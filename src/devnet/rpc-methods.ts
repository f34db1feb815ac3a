// The JSON-RPC methods each endpoint of the chain server answers, with the argument lists and
// results of the real nodes:
// - geth/op-geth `eth` namespace (internal/ethapi/api.go): eth_chainId, eth_blockNumber,
//   eth_getBlockByNumber(number|tag, fullTx), eth_getBlockByHash(hash, fullTx) (fullTx false: the
//   transactions as hashes), eth_getTransactionByBlockNumberAndIndex(number|tag, index) and
//   eth_getTransactionByBlockHashAndIndex(hash, index) (L2: the block's RPCTransaction, null for an
//   unknown block or an index past its end, as newRPCTransactionFromBlockIndex), eth_call(args,
//   block?), eth_getStorageAt(address, key, blockNumberOrHash), eth_syncing; net_version;
//   web3_clientVersion. An unknown block gives a null result, as geth does.
// - op-node `optimism` namespace (op-node/node/api.go): optimism_syncStatus(), optimism_rollupConfig(),
//   optimism_outputAtBlock(hexutil.Uint64), optimism_version().
import { l2RefJson } from "../protocol/block-ref.ts";
import { bigintToBytes, concatBytes } from "../protocol/bytes.ts";
import { toHex, toQuantity } from "../protocol/hex.ts";
import { UNSAFE_BLOCK_SIGNER_SELECTOR, UNSAFE_BLOCK_SIGNER_SLOT } from "../protocol/system-config.ts";
import type { ChainView, DevChain, L1Block, L2Block } from "./chain.ts";
import type { EndpointName } from "./endpoints.ts";
import {
  addressArg,
  anyArg,
  blockNumberArg,
  blockNumberOrHashArg,
  boolArg,
  callArgsArg,
  hashArg,
  RpcError,
  stringArg,
  uint64Arg,
  type ArgSpec,
  type BlockNumberOrHash,
  type BlockSelector,
  type CallArgs,
  uintArg,
} from "./jsonrpc.ts";
import { blockToJson, syncStatusToJson, txToJson, word } from "./rpc-json.ts";

export const CLIENT_VERSION = "op-follow-devnet/v0.1.0";

export interface MethodContext {
  chain: DevChain;
  endpoint: EndpointName;
  /** Overrides the chain id reported (the wrong-chain-id fault). */
  chainIdOverride?: bigint;
}

export interface Method {
  args: readonly ArgSpec[];
  run: (ctx: MethodContext, args: unknown[]) => unknown;
}

type Methods = Record<string, Method>;

const notFound = (msg: string): RpcError => new RpcError(-32000, msg);

// ---------------------------------------------------------------------------------------------
// Shared eth_* methods

function chainIdMethods(id: (c: DevChain) => bigint): Methods {
  return {
    eth_chainId: { args: [], run: (ctx) => toQuantity(ctx.chainIdOverride ?? id(ctx.chain)) },
    net_version: { args: [], run: (ctx) => (ctx.chainIdOverride ?? id(ctx.chain)).toString(10) },
    web3_clientVersion: { args: [], run: () => CLIENT_VERSION },
    eth_syncing: { args: [], run: () => false },
  };
}

function viewOf(ctx: MethodContext): ChainView {
  return ctx.chain.view(ctx.endpoint === "sequencer-l2" || ctx.endpoint === "sequencer-rollup" ? "sequencer" : "follower");
}

function l2BySelector(view: ChainView, s: BlockSelector): L2Block | undefined {
  return "tag" in s ? view.blockByTag(s.tag) : view.blockByNumber(s.number);
}

function l1BySelector(chain: DevChain, s: BlockSelector): L1Block | undefined {
  return "tag" in s ? chain.l1BlockByTag(s.tag) : chain.l1BlockByNumber(s.number);
}

const L1_METHODS: Methods = {
  ...chainIdMethods((c) => c.options.l1ChainId),
  eth_blockNumber: { args: [], run: (ctx) => toQuantity(ctx.chain.l1Head().number) },
  eth_getBlockByNumber: {
    args: [blockNumberArg, boolArg],
    run: (ctx, [sel, full]) => {
      const b = l1BySelector(ctx.chain, sel as BlockSelector);
      return b ? blockToJson(b, full as boolean) : null;
    },
  },
  eth_getBlockByHash: {
    args: [hashArg, boolArg],
    run: (ctx, [h, full]) => {
      const b = ctx.chain.l1BlockByHash(h as string);
      return b ? blockToJson(b, full as boolean) : null;
    },
  },
  eth_getStorageAt: {
    args: [addressArg, stringArg, blockNumberOrHashArg],
    run: (ctx, [address, key, at]) => {
      const b = l1At(ctx.chain, at as BlockNumberOrHash);
      const slot = storageKey(key as string);
      if ((address as string) === ctx.chain.options.systemConfig.toLowerCase() && slot === UNSAFE_BLOCK_SIGNER_SLOT) {
        return word(BigInt(ctx.chain.unsafeBlockSignerAt(b.number)));
      }
      return word(0n);
    },
  },
  eth_call: {
    args: [callArgsArg, { ...blockNumberOrHashArg, optional: true }, anyArg, anyArg],
    run: (ctx, [call, at]) => {
      const b = l1At(ctx.chain, (at as BlockNumberOrHash | undefined) ?? { tag: "latest" });
      const c = call as CallArgs;
      if (c.to === ctx.chain.options.systemConfig.toLowerCase()) {
        if ((c.input ?? "0x").startsWith(UNSAFE_BLOCK_SIGNER_SELECTOR)) return word(BigInt(ctx.chain.unsafeBlockSignerAt(b.number)));
        // A proxy call with no matching function and no revert data: geth reports a plain error.
        throw new RpcError(-32000, "execution reverted");
      }
      return "0x";
    },
  },
};

/** geth BlockChainAPI.GetStorageAt's decodeHash: optional 0x, odd length padded, at most 32 bytes. */
function storageKey(s: string): string {
  let h = s.startsWith("0x") || s.startsWith("0X") ? s.slice(2) : s;
  if (h.length % 2 === 1) h = "0" + h;
  if (h.length > 64) throw new RpcError(-32000, "unable to decode storage key: hex string too long, want at most 32 bytes");
  if (!/^[0-9a-fA-F]*$/.test(h)) throw new RpcError(-32000, "unable to decode storage key: hex string invalid");
  return "0x" + h.toLowerCase().padStart(64, "0");
}

function l1At(chain: DevChain, at: BlockNumberOrHash): L1Block {
  if ("hash" in at) {
    const b = chain.l1BlockByHash(at.hash);
    if (!b) throw notFound("header for hash not found");
    if (at.requireCanonical && !chain.isCanonicalL1(b)) throw notFound("hash is not currently canonical");
    return b;
  }
  const b = l1BySelector(chain, at);
  if (!b) throw notFound("header not found");
  return b;
}

const L2_METHODS: Methods = {
  ...chainIdMethods((c) => c.options.l2ChainId),
  eth_blockNumber: { args: [], run: (ctx) => toQuantity(viewOf(ctx).head().number) },
  eth_getBlockByNumber: {
    args: [blockNumberArg, boolArg],
    run: (ctx, [sel, full]) => {
      const b = l2BySelector(viewOf(ctx), sel as BlockSelector);
      return b ? blockToJson(b, full as boolean) : null;
    },
  },
  eth_getBlockByHash: {
    args: [hashArg, boolArg],
    run: (ctx, [h, full]) => {
      const b = viewOf(ctx).blockByHash(h as string);
      return b ? blockToJson(b, full as boolean) : null;
    },
  },
  eth_getTransactionByBlockNumberAndIndex: {
    args: [blockNumberArg, uintArg],
    run: (ctx, [sel, i]) => txAt(l2BySelector(viewOf(ctx), sel as BlockSelector), i as bigint),
  },
  eth_getTransactionByBlockHashAndIndex: {
    args: [hashArg, uintArg],
    run: (ctx, [h, i]) => txAt(viewOf(ctx).blockByHash(h as string), i as bigint),
  },
};

function txAt(b: L2Block | undefined, index: bigint): unknown {
  return b && index < BigInt(b.txs.length) ? txToJson(b.txs[Number(index)]!, b, Number(index)) : null;
}

// ---------------------------------------------------------------------------------------------
// op-node

/** op-node rollup.Config JSON (op-node/rollup/types.go field order and tags). */
export function rollupConfigJson(chain: DevChain, chainIdOverride?: bigint): Record<string, unknown> {
  const o = chain.options;
  const l1g = chain.l1BlockByNumber(0n)!;
  const l2g = chain.view("sequencer").blockByNumber(0n)!;
  const l2 = chain.l2Params;
  const scalar = new Uint8Array(32);
  scalar[0] = 1; // Ecotone scalar encoding: version 1 ‖ … ‖ blobBaseFeeScalar u32 ‖ baseFeeScalar u32
  scalar.set(bigintToBytes(BigInt(l2.blobBaseFeeScalar), 4), 24);
  scalar.set(bigintToBytes(BigInt(l2.baseFeeScalar), 4), 28);
  const forks: Record<string, number> = { regolith_time: 0 };
  for (const [f, t] of Object.entries(chain.chainConfig.hardforks)) forks[`${f}_time`] = Number(t);
  return {
    genesis: {
      l1: { hash: l1g.hash, number: 0 },
      l2: { hash: l2g.hash, number: 0 },
      l2_time: Number(o.genesisTime),
      system_config: {
        batcherAddr: o.batcher.toLowerCase(),
        overhead: toHex(new Uint8Array(32)),
        scalar: toHex(scalar),
        gasLimit: Number(o.gasLimit),
        eip1559Params: toHex(concatBytes(bigintToBytes(BigInt(o.eip1559.denominatorCanyon), 4), bigintToBytes(BigInt(o.eip1559.elasticity), 4))),
        operatorFeeParams: toHex(new Uint8Array(32)),
        minBaseFee: o.jovian ? Number(o.minBaseFee) : 0,
        daFootprintGasScalar: l2.daFootprintGasScalar,
      },
    },
    block_time: o.l2BlockTime,
    max_sequencer_drift: 600,
    seq_window_size: 3600,
    channel_timeout: 300,
    l1_chain_id: Number(o.l1ChainId),
    l2_chain_id: Number(chainIdOverride ?? o.l2ChainId),
    ...forks,
    batch_inbox_address: chain.chainConfig.batchInbox!.toLowerCase(),
    deposit_contract_address: o.optimismPortal.toLowerCase(),
    l1_system_config_address: o.systemConfig.toLowerCase(),
    protocol_versions_address: "0x0000000000000000000000000000000000000000",
    chain_op_config: { eip1559Elasticity: o.eip1559.elasticity, eip1559Denominator: o.eip1559.denominator, eip1559DenominatorCanyon: o.eip1559.denominatorCanyon },
  };
}

const ROLLUP_METHODS: Methods = {
  optimism_syncStatus: { args: [], run: (ctx) => syncStatusToJson(viewOf(ctx).syncStatus()) },
  optimism_rollupConfig: { args: [], run: (ctx) => rollupConfigJson(ctx.chain, ctx.chainIdOverride) },
  optimism_version: { args: [], run: () => CLIENT_VERSION },
  optimism_outputAtBlock: {
    args: [uint64Arg],
    run: (ctx, [n]) => {
      const view = viewOf(ctx);
      const b = view.blockByNumber(n as bigint);
      if (!b) throw new RpcError(-32000, `failed to get L2 block ref with sync status: failed to determine L2BlockRef of height ${n}, could not get payload: not found`);
      const out = ctx.chain.outputRoot(b);
      return {
        version: toHex(new Uint8Array(32)),
        outputRoot: out.outputRoot,
        blockRef: l2RefJson(ctx.chain.l2BlockRef(b)),
        withdrawalStorageRoot: toHex(b.payload.withdrawalsRoot!),
        stateRoot: toHex(b.payload.stateRoot),
        syncStatus: syncStatusToJson(view.syncStatus()),
      };
    },
  },
};

export const METHODS: Record<EndpointName, Methods> = {
  l1: L1_METHODS,
  l2: L2_METHODS,
  "sequencer-l2": L2_METHODS,
  rollup: ROLLUP_METHODS,
  "sequencer-rollup": ROLLUP_METHODS,
};


