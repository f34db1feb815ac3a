import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { concat, keccak256 as viemKeccak, pad, toHex as viemToHex, zeroAddress } from "viem";
import { parseTransaction as parseOpTransaction, serializeTransaction as serializeOpTransaction } from "viem/op-stack";
import "../../src/node/keccak.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { computeBlockHash } from "../../src/protocol/header.ts";
import { invalidatedBlockSourceHash } from "../../src/protocol/l1-info.ts";
import type { RpcBlock } from "../../src/protocol/rpc-block.ts";
import {
  consolidate,
  forksAt,
  optimisticBlockDepositTx,
  outputV0Preimage,
  type ConsolidationForks,
  type ConsolidationResult,
  type ReceivedBlock,
} from "../../src/protocol/consolidate.ts";
import {
  cloneReceived,
  FIXTURE_BLOCKS,
  FIXTURE_FORKS,
  loadFixtureBlock,
  receivedFromRpc,
  unichainLocal,
  unichainReceived,
  unichainVector,
} from "../helpers/rpc-fixtures.ts";

const UNICHAIN = FIXTURE_FORKS["unichain-sepolia-35535698"];
const MATCH: ConsolidationResult = { kind: "match" };

let uniLocal: RpcBlock;
beforeAll(async () => {
  uniLocal = await unichainLocal();
});

function mutated(r: ReceivedBlock, f: (c: ReceivedBlock) => void): ReceivedBlock {
  const c = cloneReceived(r);
  f(c);
  return c;
}

const flip = (b: Uint8Array, i = 0): void => {
  b[i] = b[i]! ^ 0x01;
};

/** The independent construction of op-node's optimistic-block deposit with viem (attributes.go l.75-88). */
function viemOptimisticDeposit(block: RpcBlock): Uint8Array {
  const preimage = concat([pad("0x00", { size: 32 }), block.stateRoot, block.withdrawalsRoot!, block.hash]);
  const sourceHash = viemKeccak(concat([pad(viemToHex(4), { size: 32 }), viemKeccak(preimage)]));
  return fromHex(
    serializeOpTransaction({
      type: "deposit",
      sourceHash,
      from: "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0002",
      to: zeroAddress,
      mint: 0n,
      value: 0n,
      gas: 36000n,
      isSystemTx: false,
      data: preimage,
    }),
  );
}

function replacement(local: RpcBlock, base: ReceivedBlock, txs: Uint8Array[]): ReceivedBlock {
  return mutated(base, (c) => {
    c.payload.transactions = txs;
    // A replacement is a different block: its results differ, which consolidation must not look at.
    c.payload.stateRoot = keccak256(c.payload.stateRoot);
    c.payload.blockHash = keccak256(c.payload.blockHash);
    c.payload.gasUsed = 21000n;
    c.payload.receiptsRoot = keccak256(c.payload.receiptsRoot);
    c.payload.withdrawalsRoot = keccak256(fromHex(local.hash));
  });
}

const depositsOf = (local: RpcBlock, r: ReceivedBlock): Uint8Array[] => r.payload.transactions.filter((_, i) => local.transactions[i]!.type === 0x7e);

describe("real blocks consolidate against themselves", () => {
  for (const name of FIXTURE_BLOCKS) {
    it(name, () => {
      const { block } = loadFixtureBlock(name);
      const received = receivedFromRpc(block, FIXTURE_FORKS[name]);
      // The payload built from the RPC block is the real block: it hashes to the block hash.
      expect(toHex(computeBlockHash(received.payload, received.parentBeaconBlockRoot))).toBe(block.hash);
      expect(consolidate(received, block, FIXTURE_FORKS[name])).toEqual(MATCH);
    });
  }

  it("unichain-sepolia-35535698: the gossiped payload (real raw txs) against its op-geth JSON", () => {
    const received = unichainReceived();
    expect(toHex(computeBlockHash(received.payload, received.parentBeaconBlockRoot))).toBe(unichainVector().expected_block_hash);
    expect(receivedFromRpc(uniLocal, UNICHAIN).payload.transactions.map(toHex)).toEqual(received.payload.transactions.map(toHex));
    expect(consolidate(received, uniLocal, UNICHAIN)).toEqual(MATCH);
  });

  it("accepts a chain-config-like fork schedule", () => {
    const ts = uniLocal.timestamp;
    const schedule = { hardforks: { canyon: 0n, holocene: ts - 100n, isthmus: ts, jovian: ts + 1n } };
    expect(forksAt(schedule, ts)).toEqual(UNICHAIN);
    expect(consolidate(unichainReceived(), uniLocal, schedule)).toEqual(MATCH);
    // Jovian one second earlier: the 9-byte extraData is no longer valid for the local block.
    expect(consolidate(unichainReceived(), uniLocal, { hardforks: { ...schedule.hardforks, jovian: ts } })).toMatchObject({ field: "local.extraData" });
  });
});

describe("each compared field, mutated on the received block, is named (Unichain, Isthmus)", () => {
  const run = (f: (c: ReceivedBlock) => void, forks: ConsolidationForks = UNICHAIN): ConsolidationResult => consolidate(mutated(unichainReceived(), f), uniLocal, forks);

  it("parentHash", () => {
    const r = run((c) => flip(c.payload.parentHash, 31));
    expect(r).toEqual({ kind: "mismatch", field: "parentHash", expected: uniLocal.parentHash, got: `${uniLocal.parentHash.slice(0, 65)}b` });
  });

  it("timestamp", () => {
    expect(run((c) => (c.payload.timestamp += 2n))).toEqual({ kind: "mismatch", field: "timestamp", expected: "1762388126", got: "1762388128" });
  });

  it("prevRandao (JSON mixHash)", () => {
    expect(run((c) => flip(c.payload.prevRandao))).toMatchObject({ kind: "mismatch", field: "prevRandao", expected: uniLocal.mixHash });
  });

  it("transaction count", () => {
    expect(run((c) => c.payload.transactions.pop())).toEqual({ kind: "mismatch", field: "transactions.length", expected: "6", got: "5" });
  });

  it("transaction order", () => {
    const r = run((c) => {
      const t = c.payload.transactions;
      [t[1], t[2]] = [t[2]!, t[1]!];
    });
    expect(r).toEqual({ kind: "mismatch", field: "transactions[1]", expected: uniLocal.transactions[1]!.hash, got: uniLocal.transactions[2]!.hash });
  });

  it("one byte inside a transaction (the deposit too)", () => {
    for (const i of [0, 4]) {
      let got = "";
      const r = run((c) => {
        const tx = c.payload.transactions[i]!;
        flip(tx, tx.length - 1);
        got = toHex(keccak256(tx));
      });
      expect(r).toEqual({ kind: "mismatch", field: `transactions[${i}]`, expected: uniLocal.transactions[i]!.hash, got });
    }
  });

  it("gasLimit", () => {
    expect(run((c) => (c.payload.gasLimit -= 1n))).toEqual({ kind: "mismatch", field: "gasLimit", expected: "60000000", got: "59999999" });
  });

  it("withdrawals: absent, or not empty", () => {
    expect(run((c) => delete c.payload.withdrawals)).toEqual({ kind: "mismatch", field: "withdrawals", expected: "[]", got: "absent" });
    const w = { index: 0n, validatorIndex: 0n, address: new Uint8Array(20), amount: 1n };
    expect(run((c) => (c.payload.withdrawals = [w]))).toEqual({ kind: "mismatch", field: "withdrawals", expected: "[]", got: "1 withdrawals" });
  });

  it("withdrawalsRoot: required from Isthmus, its value not compared", () => {
    expect(run((c) => delete c.payload.withdrawalsRoot)).toEqual({ kind: "mismatch", field: "withdrawalsRoot", expected: "present", got: "absent" });
    expect(run((c) => flip(c.payload.withdrawalsRoot!))).toEqual(MATCH);
  });

  it("parentBeaconBlockRoot: absent or different", () => {
    expect(run((c) => delete c.parentBeaconBlockRoot)).toEqual({ kind: "mismatch", field: "parentBeaconBlockRoot", expected: uniLocal.parentBeaconBlockRoot, got: "absent" });
    expect(run((c) => flip(c.parentBeaconBlockRoot!))).toMatchObject({ field: "parentBeaconBlockRoot", expected: uniLocal.parentBeaconBlockRoot });
  });

  it("feeRecipient (JSON miner)", () => {
    expect(run((c) => flip(c.payload.feeRecipient, 19))).toEqual({
      kind: "mismatch",
      field: "feeRecipient",
      expected: "0x4200000000000000000000000000000000000011",
      got: "0x4200000000000000000000000000000000000010",
    });
  });

  it("extraData: Holocene EIP-1559 params", () => {
    expect(uniLocal.extraData).toBe("0x00000000320000000c"); // denominator 50, elasticity 12
    expect(run((c) => (c.payload.extraData = fromHex("0x00000000320000000d")))).toEqual({
      kind: "mismatch",
      field: "eip1559Params",
      expected: "denominator=50 elasticity=12",
      got: "denominator=50 elasticity=13",
    });
    // Invalid for Holocene: wrong length, wrong version, zero denominator with non-zero elasticity.
    for (const bad of ["0x", "0x00000000320000000c00", "0x01000000320000000c", "0x00000000000000000c"])
      expect(run((c) => (c.payload.extraData = fromHex(bad)))).toEqual({ kind: "mismatch", field: "extraData", expected: uniLocal.extraData, got: bad });
    // (0,0) is valid extraData but op-geth writes translated params, so it mismatches the local ones.
    expect(run((c) => (c.payload.extraData = fromHex("0x000000000000000000")))).toMatchObject({ field: "eip1559Params", got: "denominator=0 elasticity=0" });
  });

  it("extraData: Jovian minBaseFee", () => {
    const jovian = { ...UNICHAIN, jovian: true };
    const local: RpcBlock = { ...uniLocal, extraData: "0x01000000320000000c0000000000000064" };
    const rec = (extra: string): ReceivedBlock => mutated(unichainReceived(), (c) => (c.payload.extraData = fromHex(extra)));
    expect(consolidate(rec(local.extraData), local, jovian)).toEqual(MATCH);
    expect(consolidate(rec("0x01000000320000000c0000000000000065"), local, jovian)).toEqual({ kind: "mismatch", field: "minBaseFee", expected: "100", got: "101" });
    expect(consolidate(rec("0x00000000320000000c"), local, jovian)).toMatchObject({ field: "extraData" });
    expect(consolidate(rec(local.extraData), uniLocal, jovian)).toMatchObject({ field: "local.extraData", got: uniLocal.extraData });
  });

  it("reports the first differing field in op-node's order", () => {
    expect(
      run((c) => {
        flip(c.payload.feeRecipient);
        c.payload.gasLimit += 1n;
        c.payload.transactions.reverse();
      }),
    ).toMatchObject({ field: "transactions[0]" });
    expect(
      run((c) => {
        c.payload.timestamp += 1n;
        flip(c.payload.parentHash);
      }),
    ).toMatchObject({ field: "parentHash" });
    expect(
      run((c) => {
        flip(c.payload.extraData, 8);
        delete c.parentBeaconBlockRoot;
      }),
    ).toMatchObject({ field: "parentBeaconBlockRoot" });
  });
});

describe("fork-dependent rules on older real blocks", () => {
  it("pre-Holocene: extraData must be empty (local extraData is not consulted)", () => {
    const { block } = loadFixtureBlock("base-goerli-7542");
    const forks = FIXTURE_FORKS["base-goerli-7542"];
    const r = mutated(receivedFromRpc(block, forks), (c) => (c.payload.extraData = fromHex("0x00000000320000000c")));
    expect(consolidate(r, block, forks)).toEqual({ kind: "mismatch", field: "extraData", expected: "0x", got: "0x00000000320000000c" });
    expect(consolidate(receivedFromRpc(block, forks), { ...block, extraData: "0x1234" }, forks)).toEqual(MATCH);
  });

  it("pre-Canyon: the local block must carry no withdrawals list", () => {
    const { block } = loadFixtureBlock("op-goerli-8381743");
    const forks = FIXTURE_FORKS["op-goerli-8381743"];
    expect(consolidate(receivedFromRpc(block, forks), { ...block, withdrawals: [] }, forks)).toEqual({
      kind: "mismatch",
      field: "local.withdrawals",
      expected: "absent",
      got: "0 withdrawals",
    });
  });

  it("Canyon before Isthmus: withdrawalsRoot, if carried, is the empty root; local withdrawals required", () => {
    const { block } = loadFixtureBlock("ethrpc-rs-274");
    const forks = FIXTURE_FORKS["ethrpc-rs-274"];
    const base = receivedFromRpc(block, forks);
    expect(base.payload.withdrawalsRoot).toBeUndefined(); // a v2/v3 payload has none
    expect(consolidate(mutated(base, (c) => (c.payload.withdrawalsRoot = fromHex(block.withdrawalsRoot!))), block, forks)).toEqual(MATCH);
    expect(consolidate(mutated(base, (c) => (c.payload.withdrawalsRoot = new Uint8Array(32))), block, forks)).toEqual({
      kind: "mismatch",
      field: "withdrawalsRoot",
      expected: "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
      got: toHex(new Uint8Array(32)),
    });
    const { withdrawals: _w, ...noWithdrawals } = block;
    expect(consolidate(base, noWithdrawals, forks)).toEqual({ kind: "mismatch", field: "local.withdrawals", expected: "[]", got: "absent" });
  });

  it("a v3 payload without parent beacon root against a local block with one", () => {
    const received = unichainReceived();
    delete received.parentBeaconBlockRoot;
    const { parentBeaconBlockRoot: _p, ...local } = uniLocal;
    expect(consolidate(received, local, UNICHAIN)).toEqual(MATCH);
    expect(consolidate(unichainReceived(), local, UNICHAIN)).toMatchObject({ field: "parentBeaconBlockRoot", expected: "absent" });
  });
});

describe("interop replacement (deposits-only)", () => {
  it("spec variant: the local block's deposits only", () => {
    const base = unichainReceived();
    const r = replacement(uniLocal, base, depositsOf(uniLocal, base));
    expect(consolidate(r, uniLocal, UNICHAIN)).toEqual({ kind: "match-deposits-only", variant: "spec" });
  });

  it("op-node variant: deposits + the optimistic-block deposit of the replaced block", () => {
    const base = unichainReceived();
    const extra = viemOptimisticDeposit(uniLocal);
    expect(toHex(optimisticBlockDepositTx(uniLocal)!)).toBe(toHex(extra));
    const r = replacement(uniLocal, base, [...depositsOf(uniLocal, base), extra]);
    expect(consolidate(r, uniLocal, UNICHAIN)).toEqual({ kind: "match-deposits-only", variant: "op-node" });
  });

  it("an extra non-deposit transaction makes it a mismatch, reported from the full attempt", () => {
    const base = unichainReceived();
    const deposits = depositsOf(uniLocal, base);
    const user = base.payload.transactions[1]!;
    expect(consolidate(replacement(uniLocal, base, [...deposits, user]), uniLocal, UNICHAIN)).toEqual({
      kind: "mismatch",
      field: "transactions.length",
      expected: "6",
      got: "2",
    });
    expect(consolidate(replacement(uniLocal, base, [...deposits, viemOptimisticDeposit(uniLocal), user]), uniLocal, UNICHAIN)).toMatchObject({
      field: "transactions.length",
    });
  });

  it("the optimistic deposit must describe the replaced block", () => {
    const base = unichainReceived();
    const other = viemOptimisticDeposit({ ...uniLocal, stateRoot: toHex(keccak256(fromHex(uniLocal.stateRoot))) });
    expect(consolidate(replacement(uniLocal, base, [...depositsOf(uniLocal, base), other]), uniLocal, UNICHAIN)).toMatchObject({ kind: "mismatch" });
  });

  it("a replacement must still match every other field", () => {
    const base = unichainReceived();
    const r = mutated(replacement(uniLocal, base, depositsOf(uniLocal, base)), (c) => (c.payload.gasLimit += 1n));
    expect(consolidate(r, uniLocal, UNICHAIN)).toMatchObject({ kind: "mismatch", field: "transactions.length" });
  });

  it("no op-node variant without the replaced block's withdrawalsRoot (pre-Isthmus)", () => {
    const { withdrawalsRoot: _w, ...local } = uniLocal;
    expect(optimisticBlockDepositTx(local)).toBeUndefined();
    const base = unichainReceived();
    const r = replacement(uniLocal, base, [...depositsOf(uniLocal, base), viemOptimisticDeposit(uniLocal)]);
    expect(consolidate(r, local, UNICHAIN)).toMatchObject({ kind: "mismatch", field: "transactions.length" });
  });

  it("a deposits-only local block matches fully, not as a replacement", () => {
    const { block } = loadFixtureBlock("ethrpc-rs-274");
    expect(consolidate(receivedFromRpc(block, FIXTURE_FORKS["ethrpc-rs-274"]), block, FIXTURE_FORKS["ethrpc-rs-274"])).toEqual(MATCH);
  });
});

describe("optimistic-block deposit bytes (op-node source and vectors)", () => {
  it("source hash (l1-info.ts, used by consolidate): op-node deposit_source_test.go TestInvalidatedBlockSource", () => {
    expect((invalidatedBlockSourceHash(fromHex("0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")))).toBe(
      "0x4a62bcfa03cf778234ae28fa39c9e0748f11099997b19fef9bb3fffc154fe456",
    );
  });

  it("OutputV0 preimage: 32-byte zero version ‖ stateRoot ‖ message-passer root ‖ blockHash", () => {
    // op-service/eth/output_test.go TestOutputV0Codec uses Bytes32{1,2,3}, {4,5,6}, {7,8,9}.
    const b = (...x: number[]): Uint8Array => Uint8Array.from([...x, ...new Array(32 - x.length).fill(0)]);
    const pre = outputV0Preimage(b(1, 2, 3), b(4, 5, 6), b(7, 8, 9));
    expect(pre.length).toBe(128);
    expect(toHex(pre)).toBe(`0x${"00".repeat(32)}010203${"00".repeat(29)}040506${"00".repeat(29)}070809${"00".repeat(29)}`);
  });

  it("decodes (viem) to op-node's fields for the Unichain block", () => {
    const raw = optimisticBlockDepositTx(uniLocal)!;
    const d = parseOpTransaction(toHex(raw) as `0x7e${string}`);
    expect(d).toMatchObject({
      type: "deposit",
      from: "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0002",
      to: zeroAddress,
      gas: 36000n,
      data: `0x${"00".repeat(32)}${uniLocal.stateRoot.slice(2)}${uniLocal.withdrawalsRoot!.slice(2)}${uniLocal.hash.slice(2)}`,
    });
    expect(d.isSystemTx ?? false).toBe(false);
    expect(d.mint ?? 0n).toBe(0n);
    expect(d.value ?? 0n).toBe(0n);
  });
});

describe("properties", () => {
  const received = (): ReceivedBlock => unichainReceived();

  it("fields op-node does not compare never matter", () => {
    fc.assert(
      fc.property(
        fc.record({
          stateRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          receiptsRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          logsBloom: fc.uint8Array({ minLength: 256, maxLength: 256 }),
          blockHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          withdrawalsRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          blockNumber: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          gasUsed: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          baseFeePerGas: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
          blobGasUsed: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          excessBlobGas: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        }),
        (m) => {
          const r = received();
          Object.assign(r.payload, m);
          expect(consolidate(r, uniLocal, UNICHAIN)).toEqual(MATCH);
        },
      ),
      { numRuns: 200 },
    );
  });

  const COMPARED = ["parentHash", "prevRandao", "feeRecipient", "parentBeaconBlockRoot", "extraData"] as const;
  it("any change to a compared byte field is reported under that field's name", () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMPARED), fc.nat(), fc.integer({ min: 1, max: 255 }), (name, at, x) => {
        const r = received();
        const bytes = name === "parentBeaconBlockRoot" ? r.parentBeaconBlockRoot! : r.payload[name];
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ x;
        const res = consolidate(r, uniLocal, UNICHAIN);
        expect(res.kind).toBe("mismatch");
        if (res.kind !== "mismatch") return;
        if (name === "extraData") expect(["extraData", "eip1559Params"]).toContain(res.field);
        else expect(res.field).toBe(name);
        expect(res.expected).not.toBe(res.got);
      }),
      { numRuns: 300 },
    );
  });

  it("a received transaction list matches iff it is the local list, or the deposits-only forms", () => {
    const base = received();
    const all = base.payload.transactions;
    const extra = optimisticBlockDepositTx(uniLocal)!;
    const pool = [...all.map((_, i) => i), -1]; // -1 = the optimistic deposit
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 8 }), (picks) => {
        const txs = picks.map((i) => (i < 0 ? extra : all[i]!));
        const r = mutated(base, (c) => (c.payload.transactions = txs));
        const res = consolidate(r, uniLocal, UNICHAIN);
        const key = picks.join(",");
        if (key === "0,1,2,3,4,5") expect(res).toEqual(MATCH);
        else if (key === "0") expect(res).toEqual({ kind: "match-deposits-only", variant: "spec" });
        else if (key === "0,-1") expect(res).toEqual({ kind: "match-deposits-only", variant: "op-node" });
        else expect(res.kind).toBe("mismatch");
      }),
      { numRuns: 500 },
    );
  });

  it("never throws for arbitrary fork flags and payload mutations", () => {
    fc.assert(
      fc.property(
        fc.record({ canyon: fc.boolean(), holocene: fc.boolean(), isthmus: fc.boolean(), jovian: fc.boolean() }),
        fc.option(fc.uint8Array({ maxLength: 40 })),
        fc.boolean(),
        (forks, extra, dropWithdrawals) => {
          const r = received();
          if (extra) r.payload.extraData = extra;
          if (dropWithdrawals) delete r.payload.withdrawals;
          const res = consolidate(r, uniLocal, forks);
          expect(["match", "match-deposits-only", "mismatch"]).toContain(res.kind);
        },
      ),
      { numRuns: 300 },
    );
  });
});
