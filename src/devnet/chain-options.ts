// The devnet chain's options (DevChain's constructor argument) and their defaults.
import { toHex } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import type { Address, Hex } from "../protocol/types.ts";
import { DEV_ACCOUNTS, DEV_ROLES } from "./dev-accounts.ts";

export interface HeadLags {
  /** local-safe trails unsafe by this many L2 blocks. */
  localSafe: number;
  /** cross-safe trails local-safe by this many L2 blocks. */
  crossSafe: number;
  /** finalized trails cross-safe by this many L2 blocks. */
  finalized: number;
}

export interface L1Lags {
  /** L1 `safe` trails the L1 head by this many blocks. */
  safe: number;
  /** L1 `finalized` trails the L1 head by this many blocks. */
  finalized: number;
}

export interface DevChainOptions {
  /** Everything random derives from it. Default "op-follow". */
  seed?: string | number | bigint;
  l1ChainId?: bigint;
  l2ChainId?: bigint;
  /** Unix seconds of both genesis blocks. Default 1_750_000_000 (fixed, for reproducible hashes). */
  genesisTime?: bigint;
  /** Default 12. */
  l1BlockTime?: number;
  /** Default 2. */
  l2BlockTime?: number;
  /** Activate Jovian at genesis (extraData v1 with minBaseFee, DA footprint in blobGasUsed, Jovian L1 info). */
  jovian?: boolean;
  /** Private key of the sequencer (the SystemConfig unsafeBlockSigner). Default: dev account #5. */
  sequencerKey?: Hex;
  systemConfig?: Address;
  optimismPortal?: Address;
  batcher?: Address;
  gasLimit?: bigint;
  eip1559?: { elasticity: number; denominator: number; denominatorCanyon: number };
  /** Jovian minimum base fee (wei). Default 1_000_000. */
  minBaseFee?: bigint;
  /** SystemConfig daFootprintGasScalar (Jovian; 0 = the default 400, 1 = effectively off). Default 0. */
  daFootprintGasScalar?: number;
  lags?: Partial<HeadLags>;
  l1Lags?: Partial<L1Lags>;
  /** The sequencer only adopts L1 origins this many blocks behind the L1 head (op-node --sequencer.l1-confs). Default 0. */
  sequencerL1Confs?: number;
  /** User EIP-1559 txs per normal L2 block, inclusive range. Default [1, 3]. */
  userTxsPerBlock?: [number, number];
  /** Probability that an L1 block carries user deposits. Default 0.5. */
  depositChance?: number;
  /** Move the heads with the tip automatically (default true); setHeads always works. */
  autoHeads?: boolean;
  /** Switch the follower's view to a replacement once cross-safe reaches its height. Default false (see promoteReplacement). */
  autoPromoteReplacements?: boolean;
  /**
   * What the follower's op-node reports as `safe_l2` (and its op-geth as the `safe` tag):
   * "local-safe" (default; a node that cannot see cross-chain validity, as op-node before interop,
   * where SafeL2 = LocalSafeL2) or "cross-safe".
   */
  followerSafeL2?: "local-safe" | "cross-safe";
}

/** A fixed, recognisable address for a devnet contract: the last 20 bytes of keccak256(label). */
export const fixedAddr = (label: string): Address => toHex(keccak256(new TextEncoder().encode(label)).subarray(12)) as Address;

/** The resolved configuration (every option filled in). */
export type ResolvedOptions = Required<Omit<DevChainOptions, "lags" | "l1Lags" | "eip1559" | "seed">> & {
  seed: string | number | bigint;
  lags: HeadLags;
  l1Lags: L1Lags;
  eip1559: { elasticity: number; denominator: number; denominatorCanyon: number };
};

export function resolveOptions(o: DevChainOptions): ResolvedOptions {
  return {
    seed: o.seed ?? "op-follow",
    l1ChainId: o.l1ChainId ?? 900n,
    l2ChainId: o.l2ChainId ?? 901n,
    genesisTime: o.genesisTime ?? 1_750_000_000n,
    l1BlockTime: o.l1BlockTime ?? 12,
    l2BlockTime: o.l2BlockTime ?? 2,
    jovian: o.jovian ?? false,
    sequencerKey: o.sequencerKey ?? DEV_ACCOUNTS[DEV_ROLES.sequencer]!.privateKey,
    systemConfig: o.systemConfig ?? fixedAddr("op-follow devnet SystemConfigProxy"),
    optimismPortal: o.optimismPortal ?? fixedAddr("op-follow devnet OptimismPortalProxy"),
    batcher: o.batcher ?? DEV_ACCOUNTS[DEV_ROLES.batcher]!.address,
    gasLimit: o.gasLimit ?? 30_000_000n,
    eip1559: o.eip1559 ?? { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    minBaseFee: o.minBaseFee ?? 1_000_000n,
    daFootprintGasScalar: o.daFootprintGasScalar ?? 0,
    lags: { localSafe: 6, crossSafe: 2, finalized: 10, ...o.lags },
    l1Lags: { safe: 4, finalized: 8, ...o.l1Lags },
    sequencerL1Confs: o.sequencerL1Confs ?? 0,
    userTxsPerBlock: o.userTxsPerBlock ?? [1, 3],
    depositChance: o.depositChance ?? 0.5,
    autoHeads: o.autoHeads ?? true,
    autoPromoteReplacements: o.autoPromoteReplacements ?? false,
    followerSafeL2: o.followerSafeL2 ?? "local-safe",
  };
}
