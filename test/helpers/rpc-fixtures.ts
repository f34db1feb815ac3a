// Real op-geth block JSON for the rpc-block and consolidation tests (origins: the fixtures' own
// `origin` members and test/fixtures/rpc-blocks/README.md), the Unichain Sepolia vector turned into
// an RpcBlock-shaped object, and the mapping from an RPC block to the SSZ payload its sequencer
// would have gossiped.
import { readFileSync } from "node:fs";
import { Trie } from "@ethereumjs/trie";
import { hexToBytes, numberToHex, parseTransaction, recoverTransactionAddress, toRlp, type Hex as ViemHex } from "viem";
import { parseTransaction as parseOpTransaction } from "viem/op-stack";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { parseRpcBlock, rawTransactionsOf, type RpcBlock } from "../../src/protocol/rpc-block.ts";
import type { ConsolidationForks, ReceivedBlock } from "../../src/protocol/consolidate.ts";
import type { ExecutionPayload } from "../../src/protocol/types.ts";
import type { JsonPayload } from "./vectors.ts";

export const FIXTURE_BLOCKS = ["base-goerli-7542", "op-goerli-8381743", "ethrpc-rs-274"] as const;
export type FixtureName = (typeof FIXTURE_BLOCKS)[number];

/** Forks active at each fixture block (from its date/shape; see the README). */
export const FIXTURE_FORKS: Record<FixtureName | "unichain-sepolia-35535698", ConsolidationForks> = {
  "base-goerli-7542": { canyon: false, holocene: false, isthmus: false, jovian: false },
  "op-goerli-8381743": { canyon: false, holocene: false, isthmus: false, jovian: false },
  "ethrpc-rs-274": { canyon: true, holocene: false, isthmus: false, jovian: false },
  "unichain-sepolia-35535698": { canyon: true, holocene: true, isthmus: true, jovian: false },
};

export function loadFixtureBlock(name: string): { json: Record<string, unknown>; block: RpcBlock } {
  const file = JSON.parse(readFileSync(new URL(`../fixtures/rpc-blocks/${name}.json`, import.meta.url), "utf8")) as { block: Record<string, unknown> };
  const r = parseRpcBlock(file.block);
  if (!r.ok) throw new Error(`${name}: ${r.error.path}: ${r.error.message}`);
  return { json: file.block, block: r.value };
}

/** Independent transactions-trie root via @ethereumjs/trie, keys RLP(index) built with viem. */
export async function ethereumjsTxRoot(raws: readonly Uint8Array[]): Promise<Uint8Array> {
  const trie = new Trie();
  for (let i = 0; i < raws.length; i++) await trie.put(hexToBytes(toRlp(i === 0 ? "0x" : numberToHex(i))), raws[i]!);
  return trie.root();
}

// ---------------------------------------------------------------------------------------------
// Unichain Sepolia 35535698 (shared vector; a real V4 payload from op-alloy's flashblocks test)

interface UnichainVector {
  expected_block_hash: string;
  parent_beacon_block_root: string;
  payload: JsonPayload & { withdrawals: unknown[]; blobGasUsed: number; excessBlobGas: number; withdrawalsRoot: string };
}

export function unichainVector(): UnichainVector {
  return JSON.parse(readFileSync(new URL("../vectors/real_block_unichain_sepolia_35535698.json", import.meta.url), "utf8")) as UnichainVector;
}

/** The vector's payload exactly as gossiped (real raw transactions). */
export function unichainReceived(): ReceivedBlock {
  const v = unichainVector();
  const p = v.payload;
  const payload: ExecutionPayload = {
    parentHash: fromHex(p.parentHash),
    feeRecipient: fromHex(p.feeRecipient),
    stateRoot: fromHex(p.stateRoot),
    receiptsRoot: fromHex(p.receiptsRoot),
    logsBloom: fromHex(p.logsBloom),
    prevRandao: fromHex(p.prevRandao),
    blockNumber: BigInt(p.blockNumber),
    gasLimit: BigInt(p.gasLimit),
    gasUsed: BigInt(p.gasUsed),
    timestamp: BigInt(p.timestamp),
    extraData: fromHex(p.extraData),
    baseFeePerGas: BigInt(p.baseFeePerGas),
    blockHash: fromHex(p.blockHash),
    transactions: p.transactions.map((t) => fromHex(t)),
    withdrawals: [],
    blobGasUsed: BigInt(p.blobGasUsed),
    excessBlobGas: BigInt(p.excessBlobGas),
    withdrawalsRoot: fromHex(p.withdrawalsRoot),
  };
  return { payload, parentBeaconBlockRoot: fromHex(v.parent_beacon_block_root) };
}

const q = (x: bigint | number): string => `0x${BigInt(x).toString(16)}`;

/**
 * The vector block written the way op-geth's RPCMarshalBlock would write it. Transaction fields come
 * from decoding the real raw bytes with viem (senders recovered with viem); `hash` is keccak256 of
 * those bytes, transactionsRoot comes from @ethereumjs/trie. Not in the payload and so filled with
 * op-geth's constants: nonce 0, difficulty 0, sha3Uncles = empty-list hash, requestsHash = sha256("")
 * (Isthmus), size omitted. The deposit's receipt-derived members (nonce) are not knowable from the
 * payload and are set to 0; they are not part of the transaction bytes.
 */
export async function unichainRpcJson(): Promise<{ json: Record<string, unknown>; raws: Uint8Array[] }> {
  const v = unichainVector();
  const p = v.payload;
  const raws = p.transactions.map((t) => fromHex(t));
  const location = { blockHash: v.expected_block_hash, blockNumber: q(p.blockNumber) };
  const transactions: Record<string, unknown>[] = [];
  for (let i = 0; i < p.transactions.length; i++) {
    const raw = p.transactions[i]! as ViemHex;
    const hash = toHex(keccak256(raws[i]!));
    if (raw.startsWith("0x7e")) {
      const d = parseOpTransaction(raw as `0x7e${string}`);
      if (d.type !== "deposit") throw new Error("expected a deposit");
      transactions.push({
        ...location,
        from: d.from,
        gas: q(d.gas ?? 0n),
        gasPrice: "0x0",
        hash,
        input: d.data ?? "0x",
        nonce: "0x0",
        to: d.to ?? null,
        transactionIndex: q(i),
        value: q(d.value ?? 0n),
        type: "0x7e",
        v: "0x0",
        r: "0x0",
        s: "0x0",
        sourceHash: d.sourceHash,
        mint: q(d.mint ?? 0n),
        ...(d.isSystemTx ? { isSystemTx: true } : {}),
        depositReceiptVersion: "0x1",
      });
    } else {
      const t = parseTransaction(raw);
      if (t.type !== "eip1559") throw new Error(`unexpected ${t.type}`);
      const tip = t.maxPriorityFeePerGas ?? 0n;
      const cap = t.maxFeePerGas ?? 0n;
      const effective = BigInt(p.baseFeePerGas) + tip < cap ? BigInt(p.baseFeePerGas) + tip : cap; // op-geth effectiveGasPrice
      transactions.push({
        ...location,
        from: (await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` })).toLowerCase(),
        gas: q(t.gas ?? 0n),
        gasPrice: q(effective),
        maxFeePerGas: q(cap),
        maxPriorityFeePerGas: q(tip),
        hash,
        input: t.data ?? "0x",
        nonce: q(t.nonce ?? 0),
        to: t.to ?? null,
        transactionIndex: q(i),
        value: q(t.value ?? 0n),
        type: "0x2",
        accessList: t.accessList ?? [],
        chainId: q(t.chainId),
        v: q(t.yParity ?? 0),
        r: q(BigInt(t.r!)),
        s: q(BigInt(t.s!)),
        yParity: q(t.yParity ?? 0),
      });
    }
  }
  const json: Record<string, unknown> = {
    baseFeePerGas: q(p.baseFeePerGas),
    blobGasUsed: q(p.blobGasUsed),
    difficulty: "0x0",
    excessBlobGas: q(p.excessBlobGas),
    extraData: p.extraData,
    gasLimit: q(p.gasLimit),
    gasUsed: q(p.gasUsed),
    hash: v.expected_block_hash,
    logsBloom: p.logsBloom,
    miner: p.feeRecipient,
    mixHash: p.prevRandao,
    nonce: "0x0000000000000000",
    number: q(p.blockNumber),
    parentBeaconBlockRoot: v.parent_beacon_block_root,
    parentHash: p.parentHash,
    receiptsRoot: p.receiptsRoot,
    requestsHash: "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    sha3Uncles: "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    stateRoot: p.stateRoot,
    timestamp: q(p.timestamp),
    transactions,
    transactionsRoot: toHex(await ethereumjsTxRoot(raws)),
    uncles: [],
    withdrawals: [],
    withdrawalsRoot: p.withdrawalsRoot,
  };
  return { json, raws };
}

export async function unichainLocal(): Promise<RpcBlock> {
  const r = parseRpcBlock((await unichainRpcJson()).json);
  if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`);
  return r.value;
}

// ---------------------------------------------------------------------------------------------

/**
 * The payload a sequencer would gossip for this block (the op-node ExecutionPayload fields an
 * RPC block maps to: feeRecipient = miner, prevRandao = mixHash, transactions = EIP-2718 bytes).
 * `withdrawalsRoot` is carried only by v4 (Isthmus) payloads.
 */
export function receivedFromRpc(block: RpcBlock, forks: ConsolidationForks): ReceivedBlock {
  const payload: ExecutionPayload = {
    parentHash: fromHex(block.parentHash),
    feeRecipient: fromHex(block.miner),
    stateRoot: fromHex(block.stateRoot),
    receiptsRoot: fromHex(block.receiptsRoot),
    logsBloom: fromHex(block.logsBloom),
    prevRandao: fromHex(block.mixHash),
    blockNumber: block.number,
    gasLimit: block.gasLimit,
    gasUsed: block.gasUsed,
    timestamp: block.timestamp,
    extraData: fromHex(block.extraData),
    baseFeePerGas: block.baseFeePerGas ?? 0n,
    blockHash: fromHex(block.hash),
    transactions: rawTransactionsOf(block),
  };
  if (block.withdrawals !== undefined)
    payload.withdrawals = block.withdrawals.map((w) => ({ index: w.index, validatorIndex: w.validatorIndex, address: fromHex(w.address), amount: w.amount }));
  if (block.blobGasUsed !== undefined) payload.blobGasUsed = block.blobGasUsed;
  if (block.excessBlobGas !== undefined) payload.excessBlobGas = block.excessBlobGas;
  if (forks.isthmus && block.withdrawalsRoot !== undefined) payload.withdrawalsRoot = fromHex(block.withdrawalsRoot);
  const out: ReceivedBlock = { payload };
  if (block.parentBeaconBlockRoot !== undefined) out.parentBeaconBlockRoot = fromHex(block.parentBeaconBlockRoot);
  return out;
}

/** A deep copy whose byte arrays can be mutated without touching the original. */
export function cloneReceived(r: ReceivedBlock): ReceivedBlock {
  const p = r.payload;
  const payload: ExecutionPayload = {
    ...p,
    parentHash: p.parentHash.slice(),
    feeRecipient: p.feeRecipient.slice(),
    stateRoot: p.stateRoot.slice(),
    receiptsRoot: p.receiptsRoot.slice(),
    logsBloom: p.logsBloom.slice(),
    prevRandao: p.prevRandao.slice(),
    extraData: p.extraData.slice(),
    blockHash: p.blockHash.slice(),
    transactions: p.transactions.map((t) => t.slice()),
  };
  if (p.withdrawals) payload.withdrawals = p.withdrawals.map((w) => ({ ...w, address: w.address.slice() }));
  if (p.withdrawalsRoot) payload.withdrawalsRoot = p.withdrawalsRoot.slice();
  const out: ReceivedBlock = { payload };
  if (r.parentBeaconBlockRoot) out.parentBeaconBlockRoot = r.parentBeaconBlockRoot.slice();
  return out;
}
