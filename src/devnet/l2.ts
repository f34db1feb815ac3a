// L2 blocks of the devnet, built from payload attributes the way op-node prepares them
// (op-node/rollup/derive/attributes.go PreparePayloadAttributes, optimism @ abe047af): the L1 info
// deposit first, then (first block of an epoch) the L1 origin's user deposits, then sequencer
// transactions; prevRandao = the origin's mixHash, parentBeaconBlockRoot = the origin's parent beacon
// root, feeRecipient = SequencerFeeVault 0x4200…0011, empty withdrawals, Holocene/Jovian extraData.
// Execution results (stateRoot, receipts, gasUsed) are modelled, not executed: stateRoot is a
// commitment to the parent state and the block's transactions, receipts are real receipts of the
// modelled gas (no logs, so the bloom is empty, which is exact for these transactions).
import { concatBytes } from "../protocol/bytes.ts";
import type { ChainConfig } from "../protocol/chain-config.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import {
  DA_FOOTPRINT_GAS_SCALAR_DEFAULT,
  DEPOSIT_TX_TYPE,
  encodeDepositTx,
  l1InfoDeposit,
  l1InfoFormatAt,
  userDepositSourceHash,
  type DepositTx,
} from "../protocol/l1-info.ts";
import type { Address } from "../protocol/types.ts";
import {
  intrinsicGas,
  nextBaseFee,
  optimismExtraData,
  receiptsOf,
  seal,
  type BaseFeeParams,
  type DepositRole,
  type DepositTxRecord,
  type DevTx,
  type L1Block,
  type L2Block,
  type L2BlockKind,
  type ReplacementVariant,
  type UserTxRecord,
} from "./block.ts";
import { DEV_ACCOUNTS } from "./dev-accounts.ts";
import { daUsageEstimate } from "./fastlz.ts";
import { streamBytes, type Rng } from "./rng.ts";
import { signDynamicFeeTx } from "./tx.ts";

/** predeploys.SequencerFeeVaultAddr */
export const SEQUENCER_FEE_VAULT: Address = "0x4200000000000000000000000000000000000011";
export const L2_GENESIS_BASE_FEE = 1_000_000_000n;

/**
 * Calldata per transaction of a big block: under op-geth's txpool limit of 128 KiB per transaction
 * (core/txpool/legacypool txMaxSize = 4 × txSlotSize of 32 KiB), so the block is one a sequencer
 * could really have built from its mempool.
 */
export const BULK_TX_CALLDATA = 120_000;

export interface L2Params {
  chainConfig: ChainConfig;
  gasLimit: bigint;
  feeParams: BaseFeeParams;
  batcher: Address;
  /** Ecotone scalars and Isthmus operator fee, as the SystemConfig holds them. */
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
  operatorFeeScalar: number;
  operatorFeeConstant: bigint;
  daFootprintGasScalar: number;
  /** L2ToL1MessagePasser storage root: the Isthmus header withdrawalsRoot (never the empty root). */
  messagePasserRoot: Uint8Array;
  /** Indexes into DEV_ACCOUNTS that send L2 transfers. */
  users: readonly number[];
  /** Inclusive range of user transactions per normal block. */
  userTxs: readonly [number, number];
}

/** What the builder needs besides the parent. */
export interface L2Attributes {
  timestamp: bigint;
  origin: L1Block;
  sequenceNumber: bigint;
  /** Deposits in order (the first is the L1 info deposit), with their roles. */
  deposits: { deposit: DepositTx; role: DepositRole }[];
  /** false: deposits only. */
  userTxs: boolean;
  /** Instead of transfers, user transactions carrying this many bytes of calldata in all (a big block). */
  calldataBytes?: number;
  kind: L2BlockKind;
  salt: number;
  replaces?: L2Block;
  variant?: ReplacementVariant;
}

/** The deposits op-node puts first in a block: L1 info, then (new epoch) the origin's user deposits. */
export function attributeDeposits(p: L2Params, origin: L1Block, sequenceNumber: bigint, timestamp: bigint): { deposit: DepositTx; role: DepositRole }[] {
  const format = l1InfoFormatAt(p.chainConfig, timestamp);
  const info = l1InfoDeposit(
    {
      format,
      l1Number: origin.number,
      l1Timestamp: origin.timestamp,
      l1BaseFee: origin.payload.baseFeePerGas,
      l1BlockHash: origin.hash,
      sequenceNumber,
      batcherAddress: p.batcher,
      // op-node L1InfoDeposit: Ecotone+ fields; blob base fee of an L1 block with excessBlobGas 0 is 1 wei.
      blobBaseFee: 1n,
      baseFeeScalar: p.baseFeeScalar,
      blobBaseFeeScalar: p.blobBaseFeeScalar,
      operatorFeeScalar: p.operatorFeeScalar,
      operatorFeeConstant: p.operatorFeeConstant,
      daFootprintGasScalar: p.daFootprintGasScalar === 0 ? DA_FOOTPRINT_GAS_SCALAR_DEFAULT : p.daFootprintGasScalar,
      l1FeeOverhead: 0n,
      l1FeeScalar: 0n,
    },
    format,
  );
  const out: { deposit: DepositTx; role: DepositRole }[] = [{ deposit: info, role: "l1-info" }];
  if (sequenceNumber === 0n) {
    for (const d of origin.deposits) {
      out.push({
        role: "user-deposit",
        deposit: {
          sourceHash: userDepositSourceHash(origin.hash, d.logIndex),
          from: d.from.toLowerCase() as Address,
          to: d.to.toLowerCase() as Address,
          mint: d.mint,
          value: d.value,
          gas: d.gasLimit,
          isSystemTx: false,
          data: d.data,
        },
      });
    }
  }
  return out;
}

function depositGasUsed(role: DepositRole, dep: DepositTx): bigint {
  // Modelled: the L1 info call runs the L1Block setter (≈ 20k gas of SSTOREs on top of intrinsic gas).
  return role === "l1-info" ? intrinsicGas(dep.data) + 20_000n : intrinsicGas(dep.data);
}

export function buildL2Block(rng: Rng, p: L2Params, parent: L2Block, a: L2Attributes): L2Block {
  const number = parent.number + 1n;
  const baseFee = nextBaseFee({ ...parent.payload }, p.feeParams);
  const nonces = new Map(parent.nonces);
  const bump = (addr: string): bigint => {
    const k = addr.toLowerCase();
    const n = nonces.get(k) ?? 0n;
    nonces.set(k, n + 1n);
    return n;
  };
  const txs: DevTx[] = a.deposits.map(({ deposit, role }): DepositTxRecord => {
    const raw = encodeDepositTx(deposit);
    return { type: DEPOSIT_TX_TYPE, role, deposit, raw, hash: toHex(keccak256(raw)), depositNonce: bump(deposit.from), gasUsed: depositGasUsed(role, deposit), logs: [] };
  });
  const jovian = p.feeParams.minBaseFee !== undefined;
  let daFootprint = 0n;
  if (a.userTxs) {
    for (const [i, u] of userTxShapes(rng, p, number, a).entries()) {
      const fromIdx = p.users[(Number(number) + i) % p.users.length]!;
      const toIdx = p.users[(Number(number) + i + 1) % p.users.length]!;
      const sender = DEV_ACCOUNTS[fromIdx]!;
      const tip = 1_000_000n + rng.int(1_000_000n, "l2-tip", number, a.salt, i);
      const signed = signDynamicFeeTx(
        {
          chainId: p.chainConfig.chainId,
          nonce: bump(sender.address),
          maxPriorityFeePerGas: tip,
          maxFeePerGas: baseFee * 2n + tip,
          gas: u.gas,
          to: DEV_ACCOUNTS[toIdx]!.address,
          value: (1n + rng.int(1_000_000n, "l2-value", number, a.salt, i)) * 1_000_000_000n,
          input: u.input,
        },
        sender.privateKey,
      );
      const tx: UserTxRecord = { ...signed, gasUsed: u.gas, logs: [] };
      txs.push(tx);
      // Jovian's DA footprint: the Fjord estimate of each non-deposit transaction (specs jovian/exec-engine.md).
      if (jovian) daFootprint += daUsageEstimate(tx.raw);
    }
  }
  const r = receiptsOf(txs);
  const daFootprintGas = jovian ? daFootprint * BigInt(p.daFootprintGasScalar || DA_FOOTPRINT_GAS_SCALAR_DEFAULT) : 0n;
  // An honest block fits its gas limit, and from Jovian on its DA footprint too (chain.ts bigBlocks
  // checks both before planning a big block; this is the backstop).
  if (r.gasUsed > p.gasLimit) throw new Error(`devnet: block ${number} would use ${r.gasUsed} gas, over the gas limit ${p.gasLimit}`);
  if (daFootprintGas > p.gasLimit) throw new Error(`devnet: block ${number} has a DA footprint of ${daFootprintGas}, over the gas limit ${p.gasLimit}`);
  const transactions = txs.map((t) => t.raw);
  const stateRoot = keccak256(concatBytes(parent.payload.stateRoot, ...txs.map((t) => fromHex(t.hash))));
  const sealed = seal(
    {
      parentHash: fromHex(parent.hash),
      feeRecipient: fromHex(SEQUENCER_FEE_VAULT),
      stateRoot,
      receiptsRoot: r.receiptsRoot,
      logsBloom: r.logsBloom,
      prevRandao: a.origin.payload.prevRandao,
      blockNumber: number,
      gasLimit: p.gasLimit,
      gasUsed: r.gasUsed,
      timestamp: a.timestamp,
      extraData: optimismExtraData(p.feeParams),
      baseFeePerGas: baseFee,
      transactions,
      withdrawals: [],
      // Jovian: blobGasUsed carries the DA footprint (specs jovian/exec-engine.md); before it, 0.
      blobGasUsed: daFootprintGas,
      excessBlobGas: 0n,
      withdrawalsRoot: p.messagePasserRoot,
    },
    a.origin.parentBeaconBlockRoot,
  );
  const block: L2Block = {
    layer: "l2",
    hash: sealed.hash,
    number,
    parentHash: parent.hash,
    timestamp: a.timestamp,
    payload: sealed.payload,
    parentBeaconBlockRoot: a.origin.parentBeaconBlockRoot,
    transactionsRoot: sealed.transactionsRoot,
    size: sealed.size,
    txs,
    nonces,
    l1Origin: { hash: a.origin.hash, number: a.origin.number },
    sequenceNumber: a.sequenceNumber,
    kind: a.kind,
    salt: a.salt,
  };
  if (a.replaces) block.replaces = a.replaces.hash;
  if (a.variant) block.variant = a.variant;
  return block;
}

/**
 * Upper bounds for a block whose user transactions carry `bytes` of incompressible calldata: gas
 * (every byte non-zero, EIP-7623 floor; deposits get a generous allowance), Jovian DA footprint
 * (FastLZ emits 33 bytes per 32 of incompressible input), and the signed envelope (signature,
 * parent beacon root, SSZ payload with a 4-byte offset per transaction) before and after snappy
 * (whose literal runs add at most a few bytes per 64 KiB block).
 */
export function bigBlockNeeds(bytes: number, daFootprintGasScalar: number): { gas: bigint; daFootprint: bigint; envelopeBytes: number } {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`bigBlocks: bytes must be a positive integer, got ${bytes}`);
  const txs = Math.ceil(bytes / BULK_TX_CALLDATA);
  const DEPOSIT_ALLOWANCE = 5_000_000n;
  const gas = 21_000n * BigInt(txs) + 40n * BigInt(bytes) + DEPOSIT_ALLOWANCE;
  const flz = BigInt(Math.ceil((bytes * 33) / 32) + 64 * txs);
  const daFootprint = ((836_500n * flz) / 1_000_000n + 100n * 4n) * BigInt(daFootprintGasScalar);
  const TX_OVERHEAD = 200; // RLP framing, fees, to, value, signature of one transaction
  const FIXED = 16_384; // signature, header fields, extraData, the deposits
  const envelopeBytes = FIXED + bytes + txs * (TX_OVERHEAD + 4) + 8 * Math.ceil(bytes / 65_536);
  return { gas, daFootprint, envelopeBytes };
}

/**
 * Gas of a call carrying `data` to an account without code: EIP-2028 calldata gas with EIP-7623's
 * floor (Prague, part of Isthmus): max(21000 + 4·zero + 16·nonzero, 21000 + 10·(zero + 4·nonzero)).
 */
export function calldataTxGas(data: Uint8Array): bigint {
  let zero = 0;
  for (const b of data) if (b === 0) zero++;
  const nonzero = data.length - zero;
  const standard = 21_000 + 4 * zero + 16 * nonzero;
  const floor = 21_000 + 10 * (zero + 4 * nonzero);
  return BigInt(Math.max(standard, floor));
}

/** The user transactions of a block: 21000-gas transfers, or (a big block) calldata in ≤ BULK_TX_CALLDATA pieces. */
function userTxShapes(rng: Rng, p: L2Params, number: bigint, a: L2Attributes): { input: Uint8Array; gas: bigint }[] {
  if (a.calldataBytes) {
    const out: { input: Uint8Array; gas: bigint }[] = [];
    for (let at = 0, i = 0; at < a.calldataBytes; at += BULK_TX_CALLDATA, i++) {
      // Incompressible bytes: the worst case for the wire (snappy) and the DA footprint (FastLZ).
      const input = streamBytes(rng, Math.min(BULK_TX_CALLDATA, a.calldataBytes - at), "l2-calldata", number, a.salt, i);
      out.push({ input, gas: calldataTxGas(input) });
    }
    return out;
  }
  const n = rng.range(p.userTxs[0], p.userTxs[1], "l2-user-tx-count", number, a.salt);
  return Array.from({ length: n }, () => ({ input: new Uint8Array(0), gas: 21_000n }));
}

/** The L2 genesis block: no transactions, L1 origin = the L1 genesis block. */
export function buildL2Genesis(rng: Rng, p: L2Params, l1Genesis: L1Block): L2Block {
  const sealed = seal(
    {
      parentHash: new Uint8Array(32),
      feeRecipient: fromHex(SEQUENCER_FEE_VAULT),
      stateRoot: rng.bytes32("l2-genesis-state"),
      receiptsRoot: receiptsOf([]).receiptsRoot,
      logsBloom: new Uint8Array(256),
      prevRandao: new Uint8Array(32),
      blockNumber: 0n,
      gasLimit: p.gasLimit,
      gasUsed: 0n,
      timestamp: l1Genesis.timestamp,
      extraData: optimismExtraData(p.feeParams),
      baseFeePerGas: L2_GENESIS_BASE_FEE,
      transactions: [],
      withdrawals: [],
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      withdrawalsRoot: p.messagePasserRoot,
    },
    new Uint8Array(32),
  );
  return {
    layer: "l2",
    hash: sealed.hash,
    number: 0n,
    parentHash: toHex(new Uint8Array(32)),
    timestamp: l1Genesis.timestamp,
    payload: sealed.payload,
    parentBeaconBlockRoot: new Uint8Array(32),
    transactionsRoot: sealed.transactionsRoot,
    size: sealed.size,
    txs: [],
    nonces: new Map(),
    l1Origin: { hash: l1Genesis.hash, number: l1Genesis.number },
    sequenceNumber: 0n,
    kind: "genesis",
    salt: 0,
  };
}
