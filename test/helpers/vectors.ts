// Access to the test vectors in test/vectors (README there, with each file's provenance), read directly from disk so
// the tests always check the files other implementations' bytes were copied into.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import type { ExecutionPayload, Withdrawal } from "../../src/protocol/types.ts";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const VECTORS_DIR = fileURLToPath(new URL("../vectors/", import.meta.url));

export function vectorPath(file: string): string {
  return VECTORS_DIR + file;
}

/** Every file in the vectors directory. */
export function listVectorFiles(): string[] {
  return readdirSync(VECTORS_DIR).sort();
}

export function readVectorHex(name: string): Uint8Array {
  return fromHex(readFileSync(vectorPath(`${name}.hex`), "utf8").trim());
}

export function readVectorJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(vectorPath(`${name}.json`), "utf8")) as T;
}

/** A payload as the vectors write it (numbers as JSON numbers, bytes as 0x hex). */
export interface JsonWithdrawal {
  index: number;
  validatorIndex: number;
  address: string;
  amount: number;
}
export interface JsonPayload {
  parentHash: string;
  feeRecipient: string;
  stateRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  prevRandao: string;
  blockNumber: number;
  gasLimit: number;
  gasUsed: number;
  timestamp: number;
  extraData: string;
  baseFeePerGas: number;
  blockHash: string;
  transactions: string[];
  withdrawals?: JsonWithdrawal[];
  blobGasUsed?: number;
  excessBlobGas?: number;
  withdrawalsRoot?: string;
}

export interface GossipVector {
  topic_version: string;
  topic: string;
  compressed_len: number;
  decompressed_len: number;
  signature_rsv: string;
  signature_y_parity: number;
  parent_beacon_block_root: string | null;
  payload_hash: string;
  block_number: number;
  timestamp: number;
  embedded_block_hash: string;
  recomputed_block_hash: string;
  block_hash_valid: boolean;
  message_id: { op_node: string; spec_text_and_kona: string };
  decoded_payload: JsonPayload;
  chain_id?: number;
  signing_hash?: string;
  recovered_signer?: string;
  expected_signer?: string | null;
  expected_signer_configured?: string;
  recovered_signer_by_chain_id?: Record<string, string>;
}

export interface SszVector {
  block_version: 1 | 2 | 3 | 4;
  fixed_part_len?: number;
  total_len?: number;
  parent_beacon_block_root?: string;
  payload_hash_if_gossiped?: string;
  decoded: JsonPayload;
  expected?: { decodes_as_v2: boolean; decodes_as_v1: boolean; baseFeePerGas: number };
}

function big(n: number | string): bigint {
  if (typeof n === "number" && !Number.isSafeInteger(n)) throw new Error(`vector number ${n} is not exact in JSON`);
  return BigInt(n);
}

export function withdrawalFromJson(w: JsonWithdrawal): Withdrawal {
  return { index: big(w.index), validatorIndex: big(w.validatorIndex), address: fromHex(w.address), amount: big(w.amount) };
}

/** Builds an ExecutionPayload from a vector's JSON (independently of the SSZ decoder). */
export function payloadFromJson(j: JsonPayload): ExecutionPayload {
  const p: ExecutionPayload = {
    parentHash: fromHex(j.parentHash),
    feeRecipient: fromHex(j.feeRecipient),
    stateRoot: fromHex(j.stateRoot),
    receiptsRoot: fromHex(j.receiptsRoot),
    logsBloom: fromHex(j.logsBloom),
    prevRandao: fromHex(j.prevRandao),
    blockNumber: big(j.blockNumber),
    gasLimit: big(j.gasLimit),
    gasUsed: big(j.gasUsed),
    timestamp: big(j.timestamp),
    extraData: fromHex(j.extraData),
    baseFeePerGas: big(j.baseFeePerGas),
    blockHash: fromHex(j.blockHash),
    transactions: j.transactions.map(fromHex),
  };
  if (j.withdrawals !== undefined) p.withdrawals = j.withdrawals.map(withdrawalFromJson);
  if (j.blobGasUsed !== undefined) p.blobGasUsed = big(j.blobGasUsed);
  if (j.excessBlobGas !== undefined) p.excessBlobGas = big(j.excessBlobGas);
  if (j.withdrawalsRoot !== undefined) p.withdrawalsRoot = fromHex(j.withdrawalsRoot);
  return p;
}

/** A normalised, comparable view: bigints for integers, lowercase 0x hex for bytes, absent fields omitted. */
export type NormalPayload = Record<string, unknown>;

export function normalizeJsonPayload(j: JsonPayload): NormalPayload {
  return normalizePayload(payloadFromJson(j));
}

export function normalizePayload(p: ExecutionPayload): NormalPayload {
  const out: NormalPayload = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    if (v instanceof Uint8Array) out[k] = toHex(v);
    else if (typeof v === "bigint") out[k] = v;
    else if (k === "transactions") out[k] = (v as Uint8Array[]).map((t) => toHex(t));
    else if (k === "withdrawals")
      out[k] = (v as Withdrawal[]).map((w) => ({ index: w.index, validatorIndex: w.validatorIndex, address: toHex(w.address), amount: w.amount }));
    else throw new Error(`unexpected payload field ${k}`);
  }
  return out;
}

export const GOSSIP_VECTORS = [
  "opalloy_gossip_v1",
  "opalloy_gossip_v2",
  "opalloy_gossip_v3",
  "opalloy_gossip_v4",
  "synthetic_v4_unichain_sepolia_35535698_valid",
  "synthetic_v4_unichain_sepolia_35535698_wrong_signer",
] as const;

export const SSZ_VECTORS = [
  "ssz_opnode_inputs_v1",
  "ssz_opnode_inputs_v2_empty_withdrawals",
  "ssz_opnode_inputs_v2_one_withdrawal",
  "ssz_opnode_inputs_v3",
  "ssz_opnode_inputs_v4",
  "ssz_hildr_v2_zeroWithdrawals",
  "ssz_opalloy_envelope_v4",
] as const;

export const OTHER_VECTORS = ["signing_hash_vectors", "real_block_unichain_sepolia_35535698"] as const;

/** The gossip topic version named in a vector ("blocksv3" → 3). */
export function versionOfTopic(topicVersion: string): 1 | 2 | 3 | 4 {
  const m = /^blocksv([1-4])$/.exec(topicVersion);
  if (!m) throw new Error(`bad topic_version ${topicVersion}`);
  return Number(m[1]) as 1 | 2 | 3 | 4;
}

/** Public dev keys (anvil/hardhat mnemonic); the vectors are signed with #5 (and #0 for wrong_signer). */
export const ANVIL = {
  0: {
    key: fromHex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
    address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  },
  5: {
    key: fromHex("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"),
    address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  },
} as const;
