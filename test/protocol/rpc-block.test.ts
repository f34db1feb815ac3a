import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { keccak256 as viemKeccak, serializeTransaction, type Hex as ViemHex, type TransactionSerializable } from "viem";
import { serializeTransaction as serializeOpTransaction } from "viem/op-stack";
import "../../src/node/keccak.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { toHex } from "../../src/protocol/hex.ts";
import { orderedTrieRoot } from "../../src/protocol/trie.ts";
import {
  parseRpcBlock,
  parseRpcTransaction,
  rawTransactionsOf,
  rpcTransactionToRaw,
  verifyTransactionHashes,
  type RpcTransaction,
} from "../../src/protocol/rpc-block.ts";
import { ethereumjsTxRoot, FIXTURE_BLOCKS, loadFixtureBlock, unichainRpcJson } from "../helpers/rpc-fixtures.ts";

const txFixtures = JSON.parse(readFileSync(new URL("../fixtures/rpc-blocks/rpc-transactions.json", import.meta.url), "utf8")) as {
  transactions: { source: string; tx: Record<string, unknown> }[];
};

function parsedTx(json: unknown): RpcTransaction {
  const r = parseRpcTransaction(json);
  if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`);
  return r.value;
}

const h32 = (x: bigint): ViemHex => `0x${x.toString(16).padStart(64, "0")}`;

/** The same transaction as viem's serializers see it, built from the RPC fields (not from our bytes). */
function viemSerialize(tx: RpcTransaction): string {
  const to = tx.to ?? undefined;
  const accessList = "accessList" in tx ? tx.accessList.map((e) => ({ address: e.address, storageKeys: e.storageKeys })) : undefined;
  switch (tx.type) {
    case 0:
      return serializeTransaction(
        { type: "legacy", nonce: Number(tx.nonce), gasPrice: tx.gasPrice, gas: tx.gas, to, value: tx.value, data: tx.input, ...(tx.chainId ? { chainId: Number(tx.chainId) } : {}) },
        { r: h32(tx.r), s: h32(tx.s), v: tx.v },
      );
    case 1:
      return serializeTransaction(
        { type: "eip2930", chainId: Number(tx.chainId), nonce: Number(tx.nonce), gasPrice: tx.gasPrice, gas: tx.gas, to, value: tx.value, data: tx.input, accessList: accessList! },
        { r: h32(tx.r), s: h32(tx.s), yParity: Number(tx.yParity) },
      );
    case 2:
      return serializeTransaction(
        {
          type: "eip1559",
          chainId: Number(tx.chainId),
          nonce: Number(tx.nonce),
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
          gas: tx.gas,
          to,
          value: tx.value,
          data: tx.input,
          accessList: accessList!,
        },
        { r: h32(tx.r), s: h32(tx.s), yParity: Number(tx.yParity) },
      );
    case 3:
      return serializeTransaction(
        {
          type: "eip4844",
          chainId: Number(tx.chainId),
          nonce: Number(tx.nonce),
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
          maxFeePerBlobGas: tx.maxFeePerBlobGas,
          blobVersionedHashes: tx.blobVersionedHashes,
          gas: tx.gas,
          to: tx.to,
          value: tx.value,
          data: tx.input,
          accessList: accessList!,
        },
        { r: h32(tx.r), s: h32(tx.s), yParity: Number(tx.yParity) },
      );
    case 4:
      return serializeTransaction(
        {
          type: "eip7702",
          chainId: Number(tx.chainId),
          nonce: Number(tx.nonce),
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
          gas: tx.gas,
          to: tx.to,
          value: tx.value,
          data: tx.input,
          accessList: accessList!,
          authorizationList: tx.authorizationList.map((a) => ({
            address: a.address,
            chainId: Number(a.chainId),
            nonce: Number(a.nonce),
            r: h32(a.r),
            s: h32(a.s),
            yParity: Number(a.yParity),
          })),
        },
        { r: h32(tx.r), s: h32(tx.s), yParity: Number(tx.yParity) },
      );
    case 0x7e:
      return serializeOpTransaction({
        type: "deposit",
        sourceHash: tx.sourceHash,
        from: tx.from,
        to,
        mint: tx.mint ?? 0n,
        value: tx.value,
        gas: tx.gas,
        isSystemTx: tx.isSystemTx,
        data: tx.input,
      });
  }
}

describe("real op-geth blocks", () => {
  for (const name of FIXTURE_BLOCKS) {
    describe(name, () => {
      const { block } = loadFixtureBlock(name);

      it("parses", () => {
        expect(block.transactions.length).toBeGreaterThan(0);
        expect(block.transactions.some((t) => t.type === 0x7e)).toBe(true);
      });

      it("re-encodes every transaction to bytes whose keccak256 is the node's hash", () => {
        for (const tx of block.transactions) expect(toHex(keccak256(rpcTransactionToRaw(tx)))).toBe(tx.hash);
        expect(verifyTransactionHashes(block)).toBeUndefined();
      });

      it("gives the block's transactionsRoot (our trie and @ethereumjs/trie)", async () => {
        const raws = rawTransactionsOf(block);
        expect(toHex(orderedTrieRoot(raws))).toBe(block.transactionsRoot);
        expect(toHex(await ethereumjsTxRoot(raws))).toBe(block.transactionsRoot);
      });

      it("agrees byte for byte with viem serialising the same fields", () => {
        for (const tx of block.transactions) expect(toHex(rpcTransactionToRaw(tx))).toBe(viemSerialize(tx));
      });
    });
  }
});

describe("single RPC transactions (geth/op-geth JSON with their hashes)", () => {
  for (const { source, tx: json } of txFixtures.transactions) {
    it(`${String(json["type"])} ${String(json["hash"]).slice(0, 18)}… — ${source.slice(0, 60)}`, () => {
      const tx = parsedTx(json);
      const raw = rpcTransactionToRaw(tx);
      expect(toHex(keccak256(raw))).toBe(tx.hash);
      expect(viemKeccak(toHex(raw))).toBe(tx.hash);
      expect(toHex(raw)).toBe(viemSerialize(tx));
    });
  }

  it("covers every type", () => {
    const types = new Set(txFixtures.transactions.map((e) => parsedTx(e.tx).type));
    expect([...types].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 0x7e]);
  });
});

describe("Unichain Sepolia 35535698 as op-geth JSON", () => {
  it("round-trips each real raw transaction through the RPC object", async () => {
    const { json, raws } = await unichainRpcJson();
    const r = parseRpcBlock(json);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.transactions.map((t) => t.type)).toEqual([0x7e, 2, 2, 2, 2, 2]);
    expect(rawTransactionsOf(r.value).map(toHex)).toEqual(raws.map(toHex));
    expect(toHex(orderedTrieRoot(raws))).toBe(r.value.transactionsRoot);
  });
});

// ---------------------------------------------------------------------------------------------
// Parser rejections: typed errors, never exceptions

function fixtureJson(name: string): Record<string, unknown> {
  return structuredClone(loadFixtureBlock(name).json);
}

function expectError(json: unknown, path: string | RegExp, message?: RegExp): void {
  const r = parseRpcBlock(json);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  if (typeof path === "string") expect(r.error.path).toBe(path);
  else expect(r.error.path).toMatch(path);
  if (message) expect(r.error.message).toMatch(message);
}

describe("parseRpcBlock rejects malformed input", () => {
  it("non-objects and null", () => {
    for (const v of [undefined, null, 0, "0x1", [], true]) expect(parseRpcBlock(v).ok).toBe(false);
    expectError(null, "block", /not found/);
  });

  it("each required block member", () => {
    const required = ["number", "hash", "parentHash", "nonce", "mixHash", "sha3Uncles", "logsBloom", "stateRoot", "miner", "difficulty", "extraData", "gasLimit", "gasUsed", "timestamp", "transactionsRoot", "receiptsRoot", "transactions"];
    for (const k of required) {
      const j = fixtureJson("ethrpc-rs-274");
      delete j[k];
      expectError(j, `block.${k}`);
    }
  });

  it("hash-only transaction lists", () => {
    const j = fixtureJson("ethrpc-rs-274");
    j["transactions"] = ["0x13a644af4f64ce801dcd57faa823e8952f2290b810fdd31995dda62977ed3df1"];
    expectError(j, "block.transactions", /full transaction objects/);
  });

  it("non-canonical or oversized quantities", () => {
    for (const bad of ["0x01", "0x", "12", 12, "0xg", "0x10000000000000000"]) {
      const j = fixtureJson("ethrpc-rs-274");
      j["gasLimit"] = bad;
      expectError(j, "block.gasLimit");
    }
  });

  it("bad byte strings", () => {
    const cases: [string, unknown][] = [
      ["hash", "0x1234"],
      ["miner", "0x4200000000000000000000000000000000000011ff"],
      ["extraData", "0x0"],
      ["logsBloom", "0x00"],
      ["parentHash", 5],
    ];
    for (const [k, v] of cases) {
      const j = fixtureJson("ethrpc-rs-274");
      j[k] = v;
      expectError(j, `block.${k}`);
    }
  });

  it("transaction-level problems name the transaction", () => {
    const mutate = (f: (tx: Record<string, unknown>) => void): unknown => {
      const j = fixtureJson("base-goerli-7542");
      f((j["transactions"] as Record<string, unknown>[])[1]!);
      return j;
    };
    expectError(mutate((tx) => (tx["type"] = "0x5")), "block.transactions[1].type", /unsupported transaction type 0x5/);
    expectError(mutate((tx) => (tx["v"] = "0x2")), "block.transactions[1].yParity", /0 or 1/);
    expectError(mutate((tx) => (tx["yParity"] = "0x0")), "block.transactions[1].v", /disagree/);
    expectError(mutate((tx) => delete tx["r"]), "block.transactions[1].r");
    expectError(mutate((tx) => delete tx["maxFeePerGas"]), "block.transactions[1].maxFeePerGas");
    expectError(mutate((tx) => (tx["accessList"] = [{ address: "0x00" }])), "block.transactions[1].accessList[0].address");
    const deposit = (f: (tx: Record<string, unknown>) => void): unknown => {
      const j = fixtureJson("base-goerli-7542");
      f((j["transactions"] as Record<string, unknown>[])[0]!);
      return j;
    };
    expectError(deposit((tx) => (tx["isSystemTx"] = "true")), "block.transactions[0].isSystemTx");
    expectError(deposit((tx) => delete tx["sourceHash"]), "block.transactions[0].sourceHash");
  });

  it("blob and set-code transactions cannot create contracts", () => {
    for (const t of txFixtures.transactions.filter((e) => e.tx["type"] === "0x3" || e.tx["type"] === "0x4")) {
      const r = parseRpcTransaction({ ...t.tx, to: null });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/cannot create contracts/);
    }
  });

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = parseRpcBlock(v);
        return typeof r.ok === "boolean";
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws when any member of a real block is replaced by arbitrary JSON", () => {
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]): void => {
      paths.push(p);
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(loadFixtureBlock("base-goerli-7542").json, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue(), (path, v) => {
        const j = fixtureJson("base-goerli-7542");
        let o: Record<string, unknown> = j;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
        o[path[path.length - 1]!] = v;
        const r = parseRpcBlock(j);
        return typeof r.ok === "boolean";
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property: our encoder equals viem's for arbitrary field values

const u = (bits: number): fc.Arbitrary<bigint> => fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));
const hexBytes = (n: number): fc.Arbitrary<`0x${string}`> => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
const data = fc.uint8Array({ maxLength: 200 }).map((b) => toHex(b));
const sig = { r: u(256).filter((x) => x > 0n), s: u(256).filter((x) => x > 0n), yParity: fc.constantFrom(0n, 1n) };
const accessList = fc.array(fc.record({ address: hexBytes(20), storageKeys: fc.array(hexBytes(32), { maxLength: 3 }) }), { maxLength: 3 });
const common = {
  hash: fc.constant("0x" + "00".repeat(32)),
  from: hexBytes(20),
  nonce: fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), // viem takes nonces as JS numbers
  gas: u(64),
  value: u(256),
  input: data,
  gasPrice: fc.constant(null),
  blockHash: fc.constant(null),
  blockNumber: fc.constant(null),
  transactionIndex: fc.constant(null),
};
const chainId = fc.bigInt({ min: 1n, max: 1n << 40n });
const fees = fc.tuple(u(128), u(128)).map(([a, b]) => (a <= b ? { maxPriorityFeePerGas: a, maxFeePerGas: b } : { maxPriorityFeePerGas: b, maxFeePerGas: a }));

const arbTx: fc.Arbitrary<RpcTransaction> = fc.oneof(
  fc
    .record({ ...common, to: fc.option(hexBytes(20)), gasPrice: u(256), chainId, yParity: sig.yParity, r: sig.r, s: sig.s })
    .map(({ chainId: c, yParity, ...t }) => ({ ...t, type: 0, chainId: c, v: c * 2n + 35n + yParity }) as RpcTransaction),
  fc.record({ ...common, to: fc.option(hexBytes(20)), gasPrice: u(256), chainId, accessList, ...sig }).map((t) => ({ ...t, type: 1 }) as RpcTransaction),
  fc.record({ ...common, to: fc.option(hexBytes(20)), chainId, accessList, fees, ...sig }).map(({ fees: f, ...t }) => ({ ...t, ...f, type: 2 }) as RpcTransaction),
  fc
    .record({ ...common, to: hexBytes(20), chainId, accessList, fees, maxFeePerBlobGas: u(128), blobVersionedHashes: fc.array(hexBytes(31).map((h) => `0x01${h.slice(2)}`), { minLength: 1, maxLength: 3 }), ...sig })
    .map(({ fees: f, ...t }) => ({ ...t, ...f, type: 3 }) as RpcTransaction),
  fc
    .record({
      ...common,
      to: hexBytes(20),
      chainId,
      accessList,
      fees,
      authorizationList: fc.array(fc.record({ chainId: u(32), address: hexBytes(20), nonce: u(48), yParity: fc.constantFrom(0n, 1n), r: sig.r, s: sig.s }), { minLength: 1, maxLength: 3 }),
      ...sig,
    })
    .map(({ fees: f, ...t }) => ({ ...t, ...f, type: 4 }) as RpcTransaction),
  fc
    .record({ ...common, to: fc.option(hexBytes(20)), sourceHash: hexBytes(32), mint: fc.option(u(256)), isSystemTx: fc.boolean(), depositReceiptVersion: fc.constant(null) })
    .map((t) => ({ ...t, type: 0x7e }) as RpcTransaction),
);

describe("rpcTransactionToRaw equals viem for arbitrary fields", () => {
  it("all six types", () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        expect(toHex(rpcTransactionToRaw(tx))).toBe(viemSerialize(tx));
      }),
      { numRuns: 600 },
    );
  });
});
