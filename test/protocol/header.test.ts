// computeBlockHash against @ethereumjs/block: the header is built by ethereumjs from the payload's
// fields with its own hardfork rules (Paris/Shanghai/Cancun/Prague for v1..v4), its own trie for the
// transactions and withdrawals roots, and its own RLP — nothing from our headerFields is reused.
import "../../src/node/keccak.ts";
import { createHash } from "node:crypto";
import { createBlockHeader, genWithdrawalsTrieRoot } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { Trie } from "@ethereumjs/trie";
import { createWithdrawal } from "@ethereumjs/util";
import sha3 from "js-sha3";
import { describe, expect, it } from "vitest";
import { computeBlockHash, EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH, headerFields, withdrawalsRootOf } from "../../src/protocol/header.ts";
import { toHex } from "../../src/protocol/hex.ts";
import { rlpEncode } from "../../src/protocol/rlp.ts";
import type { BlockVersion, ExecutionPayload } from "../../src/protocol/types.ts";
import { randomPayload, Rng } from "../helpers/payload-gen.ts";
import { payloadFromJson, readVectorJson, type JsonPayload } from "../helpers/vectors.ts";

const keccakJs = (d: Uint8Array) => new Uint8Array(sha3.keccak256.arrayBuffer(d));
const HARDFORK: Record<BlockVersion, Hardfork> = { 1: Hardfork.Paris, 2: Hardfork.Shanghai, 3: Hardfork.Cancun, 4: Hardfork.Prague };
const COMMON: Record<BlockVersion, Common> = {
  1: new Common({ chain: Mainnet, hardfork: HARDFORK[1] }),
  2: new Common({ chain: Mainnet, hardfork: HARDFORK[2] }),
  3: new Common({ chain: Mainnet, hardfork: HARDFORK[3] }),
  4: new Common({ chain: Mainnet, hardfork: HARDFORK[4] }),
};
const SHA256_EMPTY = new Uint8Array(createHash("sha256").update(new Uint8Array(0)).digest());

async function txRoot(txs: readonly Uint8Array[]): Promise<Uint8Array> {
  const t = new Trie({ useKeyHashingFunction: keccakJs });
  for (let i = 0; i < txs.length; i++) await t.put(RLP.encode(i), txs[i]!);
  return t.root();
}

/** The block hash as ethereumjs computes it for the header op-node's CheckBlockHash builds. */
async function referenceHash(p: ExecutionPayload, version: BlockVersion, pbr?: Uint8Array): Promise<{ hash: string; rlp: Uint8Array }> {
  const data: Parameters<typeof createBlockHeader>[0] = {
    parentHash: p.parentHash,
    coinbase: p.feeRecipient,
    stateRoot: p.stateRoot,
    transactionsTrie: await txRoot(p.transactions),
    receiptTrie: p.receiptsRoot,
    logsBloom: p.logsBloom,
    difficulty: 0n,
    number: p.blockNumber,
    gasLimit: p.gasLimit,
    gasUsed: p.gasUsed,
    timestamp: p.timestamp,
    extraData: p.extraData,
    mixHash: p.prevRandao,
    nonce: new Uint8Array(8),
    baseFeePerGas: p.baseFeePerGas,
  };
  if (version === 2 || version === 3) {
    data.withdrawalsRoot = await genWithdrawalsTrieRoot(
      p.withdrawals!.map((w) => createWithdrawal({ index: w.index, validatorIndex: w.validatorIndex, address: w.address, amount: w.amount })),
    );
  }
  if (version === 4) {
    data.withdrawalsRoot = p.withdrawalsRoot!;
    data.requestsHash = SHA256_EMPTY;
  }
  if (version >= 3) {
    data.blobGasUsed = p.blobGasUsed!;
    data.excessBlobGas = p.excessBlobGas!;
    data.parentBeaconBlockRoot = pbr!;
  }
  const h = createBlockHeader(data, { common: COMMON[version] });
  return { hash: toHex(h.hash()), rlp: h.serialize() };
}

/** ethereumjs enforces mainnet-specific rules at the DAO and London blocks; keep clear of them. */
function avoidMainnetSpecialBlocks(p: ExecutionPayload): void {
  if ((p.blockNumber >= 1_920_000n && p.blockNumber <= 1_920_009n) || p.blockNumber === 12_965_000n) p.blockNumber += 1000n;
}

describe("computeBlockHash", () => {
  it("constants: empty ommers hash, empty requests hash", () => {
    expect(toHex(EMPTY_UNCLE_HASH)).toBe(toHex(keccakJs(RLP.encode([]))));
    expect(EMPTY_REQUESTS_HASH).toEqual(SHA256_EMPTY);
  });

  it("the reference harness reproduces the real Unichain Sepolia block hash", async () => {
    const rb = readVectorJson<{ payload: JsonPayload; parent_beacon_block_root: string; expected_block_hash: string }>("real_block_unichain_sepolia_35535698");
    const p = payloadFromJson(rb.payload);
    const pbr = Uint8Array.from(Buffer.from(rb.parent_beacon_block_root.slice(2), "hex"));
    expect((await referenceHash(p, 4, pbr)).hash).toBe(rb.expected_block_hash);
    expect(toHex(computeBlockHash(p, pbr))).toBe(rb.expected_block_hash);
  });

  const PER_VERSION = 1000;
  it.each([1, 2, 3, 4] as const)(`v%i: matches @ethereumjs/block on ${PER_VERSION} random payloads (header RLP byte-exact)`, async (version) => {
    const rng = new Rng(0xb10c + version);
    for (let k = 0; k < PER_VERSION; k++) {
      const p = randomPayload(rng, version, { maxTxs: 6, maxTxSize: 120, gasUsedWithinLimit: true });
      avoidMainnetSpecialBlocks(p);
      const pbr = version >= 3 ? rng.bytes(32) : undefined;
      const ref = await referenceHash(p, version, pbr);
      const ours = rlpEncode(headerFields(p, pbr));
      if (toHex(ours) !== toHex(ref.rlp)) expect.fail(`v${version} case ${k}: header RLP differs\n ours ${toHex(ours)}\n  ref ${toHex(ref.rlp)}`);
      expect(toHex(computeBlockHash(p, pbr))).toBe(ref.hash);
    }
  });

  it("withdrawalsRootOf matches ethereumjs on random withdrawal lists (0..16)", async () => {
    const rng = new Rng(77);
    for (let k = 0; k < 300; k++) {
      const p = randomPayload(rng, 2);
      const ref = await genWithdrawalsTrieRoot(
        p.withdrawals!.map((w) => createWithdrawal({ index: w.index, validatorIndex: w.validatorIndex, address: w.address, amount: w.amount })),
      );
      expect(toHex(withdrawalsRootOf(p.withdrawals!))).toBe(toHex(ref));
    }
  });

  it("header shape per version: 15 base fields + the fork's optional tail", () => {
    const rng = new Rng(3);
    const len = (v: BlockVersion) => headerFields(randomPayload(rng, v), v >= 3 ? new Uint8Array(32) : undefined).length;
    expect(len(1)).toBe(16); // + baseFee (London)
    expect(len(2)).toBe(17); // + withdrawalsHash
    expect(len(3)).toBe(20); // + blobGasUsed, excessBlobGas, parentBeaconRoot
    expect(len(4)).toBe(21); // + requestsHash
  });

  it("v2/v3 with empty withdrawals use the empty-trie root; v4 uses the payload's withdrawalsRoot", () => {
    const rng = new Rng(4);
    const p3 = { ...randomPayload(rng, 3), withdrawals: [] };
    expect(toHex(headerFields(p3, new Uint8Array(32))[16] as Uint8Array)).toBe("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    const p4 = randomPayload(rng, 4);
    expect(headerFields(p4, new Uint8Array(32))[16]).toEqual(p4.withdrawalsRoot);
    expect(headerFields(p4, new Uint8Array(32))[20]).toEqual(EMPTY_REQUESTS_HASH);
  });
});
