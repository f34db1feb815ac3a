// Independent checks of served block JSON, shared by the devnet tests: the block hash recomputed
// from the JSON fields with src/protocol/header.ts and with @ethereumjs/block, the transactions
// root with src/protocol/trie.ts and with @ethereumjs/mpt, each transaction's bytes rebuilt from
// its JSON (src/protocol/rpc-block.ts) and hashed.
import { createBlockHeaderFromRPC } from "@ethereumjs/block";
import { Trie } from "@ethereumjs/trie";
import { bytesToHex } from "@ethereumjs/util";
import { bytesToHex as viemBytesToHex, keccak256 as viemKeccak256, numberToBytes, toRlp, type Hex } from "viem";
import { expect } from "vitest";
import { computeBlockHash, EMPTY_REQUESTS_HASH } from "../../src/protocol/header.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { parseRpcBlock, rpcTransactionToRaw, type RpcBlock } from "../../src/protocol/rpc-block.ts";
import { orderedTrieRoot } from "../../src/protocol/trie.ts";
import { payloadFromRpcBlock } from "../../src/protocol/payload-from-rpc.ts";

/** Full verification of one eth_getBlockBy*(…, true) result; returns the parsed block and raw txs. */
export async function verifyBlockJson(json: unknown): Promise<{ block: RpcBlock; raws: Uint8Array[] }> {
  const parsed = parseRpcBlock(json);
  if (!parsed.ok) throw new Error(`${parsed.error.path}: ${parsed.error.message}`);
  const b = parsed.value;
  // Each transaction's bytes, rebuilt from its JSON, hash to its `hash`.
  const raws = b.transactions.map((tx) => {
    const raw = rpcTransactionToRaw(tx);
    expect(toHex(keccak256(raw))).toBe(tx.hash);
    return raw;
  });
  // Transactions root: ours, and ethereumjs's Merkle-Patricia trie keyed by rlp(index) (viem's RLP).
  expect(toHex(orderedTrieRoot(raws))).toBe(b.transactionsRoot);
  const trie = await Trie.create();
  for (let i = 0; i < raws.length; i++) await trie.put(fromHex(toRlp(i === 0 ? "0x" : viemBytesToHex(numberToBytes(i)))), raws[i]!);
  expect(bytesToHex(trie.root())).toBe(b.transactionsRoot);
  // Header hash: src/protocol/header.ts (which implies requestsHash = sha256("")) …
  expect(b.requestsHash).toBe(toHex(EMPTY_REQUESTS_HASH));
  const p = payloadFromRpcBlock(b, 4);
  if (!p.ok) throw new Error(p.error);
  expect(toHex(computeBlockHash(p.payload, p.parentBeaconBlockRoot))).toBe(b.hash);
  // … and @ethereumjs/block from the raw JSON (default common: mainnet rules at Prague).
  const header = createBlockHeaderFromRPC(json as Parameters<typeof createBlockHeaderFromRPC>[0], { skipConsensusFormatValidation: true });
  expect(bytesToHex(header.hash())).toBe(b.hash);
  // … and a third time from the JSON strings with viem's RLP and keccak; the same RLP gives geth's
  // Block.Size(): rlp([header, txs, uncles, withdrawals]).
  const j = json as Record<string, Hex>;
  const q = (k: string): Hex => (BigInt(j[k]!) === 0n ? "0x" : viemBytesToHex(numberToBytes(BigInt(j[k]!))));
  const fields: Hex[] = [
    j["parentHash"]!, j["sha3Uncles"]!, j["miner"]!, j["stateRoot"]!, j["transactionsRoot"]!, j["receiptsRoot"]!, j["logsBloom"]!,
    q("difficulty"), q("number"), q("gasLimit"), q("gasUsed"), q("timestamp"), j["extraData"]!, j["mixHash"]!, j["nonce"]!,
    q("baseFeePerGas"), j["withdrawalsRoot"]!, q("blobGasUsed"), q("excessBlobGas"), j["parentBeaconBlockRoot"]!, j["requestsHash"]!,
  ];
  expect(viemKeccak256(toRlp(fields))).toBe(b.hash);
  const ws = (b.withdrawals ?? []).map((w) => [w.index, w.validatorIndex].map((x) => (x === 0n ? "0x" : viemBytesToHex(numberToBytes(x)))).concat([w.address, w.amount === 0n ? "0x" : viemBytesToHex(numberToBytes(w.amount))]) as Hex[]);
  const body = toRlp([fields, raws.map((r) => viemBytesToHex(r)), [], ws]);
  expect(BigInt((body.length - 2) / 2)).toBe(BigInt(j["size"]!));
  return { block: b, raws };
}
