// Consolidation on hashes (consolidate-hashes.ts) decides exactly what consolidation on bodies
// (consolidate.ts, tested in consolidate.test.ts) decides, with at most one transaction type looked
// up: every scenario of consolidate.test.ts run through both, then properties over random inputs.
// Compared at the pipeline's level: a full `match` whose block hash differs from the local one is the
// `blockHash` mismatch the Worker reports (pipeline.ts).
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import "../../src/node/keccak.ts";
import { consolidate, optimisticBlockDepositTx, type ConsolidationForks, type ConsolidationResult, type ReceivedBlock } from "../../src/protocol/consolidate.ts";
import { consolidateOnHashes, settleDepositsEnd } from "../../src/protocol/consolidate-hashes.ts";
import { computeBlockHash } from "../../src/protocol/header.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import type { RpcBlock, RpcBlockHashes } from "../../src/protocol/rpc-block.ts";
import { cloneReceived, FIXTURE_BLOCKS, FIXTURE_FORKS, loadFixtureBlock, receivedFromRpc, unichainLocal, unichainReceived } from "../helpers/rpc-fixtures.ts";

const UNICHAIN = FIXTURE_FORKS["unichain-sepolia-35535698"];
let uniLocal: RpcBlock;
beforeAll(async () => {
  uniLocal = await unichainLocal();
});

type Verdict = ConsolidationResult | { kind: "mismatch"; field: "blockHash" };

/** What the Worker concludes from a consolidation result (pipeline.ts: a match must also be the local block). */
function verdict(r: ConsolidationResult, received: ReceivedBlock, local: { hash: string }): Verdict {
  return r.kind === "match" && toHex(received.payload.blockHash) !== local.hash ? { kind: "mismatch", field: "blockHash" } : r;
}

const hashesOf = (b: RpcBlock): RpcBlockHashes => ({ ...b, transactions: b.transactions.map((t) => t.hash) });

/** A validated envelope's block hash is its header's: restore that after mutating a payload. */
function sealed(r: ReceivedBlock): ReceivedBlock {
  const c = cloneReceived(r);
  c.payload.blockHash = computeBlockHash(c.payload, c.parentBeaconBlockRoot);
  return c;
}

/** The hashes path with the one look-up answered from the full local block; counts look-ups. */
function onHashes(received: ReceivedBlock, local: RpcBlock, cfg: ConsolidationForks): { result: ConsolidationResult; lookups: number } {
  const step = consolidateOnHashes(received, hashesOf(local), cfg);
  if (step.kind === "decided") return { result: step.result, lookups: 0 };
  const tx = local.transactions[step.index]!;
  expect(step.txHash).toBe(tx.hash);
  return { result: settleDepositsEnd(step, tx.type), lookups: 1 };
}

/** Both paths on the same (sealed) block; asserts they agree and returns the verdict. */
function both(r: ReceivedBlock, local: RpcBlock, cfg: ConsolidationForks): Verdict {
  const received = sealed(r);
  const bodies = verdict(consolidate(received, local, cfg), received, local);
  const { result, lookups } = onHashes(received, local, cfg);
  expect(verdict(result, received, local)).toEqual(bodies);
  expect(lookups).toBeLessThanOrEqual(1);
  return bodies;
}

function mutated(r: ReceivedBlock, f: (c: ReceivedBlock) => void): ReceivedBlock {
  const c = cloneReceived(r);
  f(c);
  return c;
}
const flip = (b: Uint8Array, i = 0): void => {
  b[i] = b[i]! ^ 0x01;
};
const depositsOf = (local: RpcBlock, r: ReceivedBlock): Uint8Array[] => r.payload.transactions.filter((_, i) => local.transactions[i]!.type === 0x7e);

describe("the same verdicts as on bodies: consolidate.test.ts's scenarios", () => {
  it("real blocks against themselves: match, with no transaction hashed and no look-up", () => {
    for (const name of FIXTURE_BLOCKS) {
      const { block } = loadFixtureBlock(name);
      expect(both(receivedFromRpc(block, FIXTURE_FORKS[name]), block, FIXTURE_FORKS[name])).toEqual({ kind: "match" });
    }
    expect(both(unichainReceived(), uniLocal, UNICHAIN)).toEqual({ kind: "match" });
    // The block hash stands for the transactions: a payload that (against the precondition) kept the
    // local hash with other transactions is not hashed again. validate.ts rules that case out.
    const lying = mutated(unichainReceived(), (c) => c.payload.transactions.reverse());
    expect(consolidateOnHashes(lying, hashesOf(uniLocal), UNICHAIN)).toEqual({ kind: "decided", result: { kind: "match" } });
  });

  it("each field mutated on the received block: the same first difference", () => {
    const w = { index: 0n, validatorIndex: 0n, address: new Uint8Array(20), amount: 1n };
    const cases: [string, (c: ReceivedBlock) => void][] = [
      ["parentHash", (c) => flip(c.payload.parentHash, 31)],
      ["timestamp", (c) => (c.payload.timestamp += 2n)],
      ["prevRandao", (c) => flip(c.payload.prevRandao)],
      ["transactions.length", (c) => c.payload.transactions.pop()],
      ["transactions[1]", (c) => ([c.payload.transactions[1], c.payload.transactions[2]] = [c.payload.transactions[2]!, c.payload.transactions[1]!])],
      ["transactions[0]", (c) => flip(c.payload.transactions[0]!, c.payload.transactions[0]!.length - 1)],
      ["transactions[4]", (c) => flip(c.payload.transactions[4]!, c.payload.transactions[4]!.length - 1)],
      ["gasLimit", (c) => (c.payload.gasLimit -= 1n)],
      ["withdrawals", (c) => delete c.payload.withdrawals],
      ["withdrawals", (c) => (c.payload.withdrawals = [w])],
      ["withdrawalsRoot", (c) => delete c.payload.withdrawalsRoot],
      ["blockHash", (c) => flip(c.payload.withdrawalsRoot!)], // not compared, but another block
      ["parentBeaconBlockRoot", (c) => delete c.parentBeaconBlockRoot],
      ["parentBeaconBlockRoot", (c) => flip(c.parentBeaconBlockRoot!)],
      ["feeRecipient", (c) => flip(c.payload.feeRecipient, 19)],
      ["eip1559Params", (c) => (c.payload.extraData = fromHex("0x00000000320000000d"))],
      ["extraData", (c) => (c.payload.extraData = fromHex("0x01000000320000000c"))],
      ["transactions[0]", (c) => (flip(c.payload.feeRecipient), (c.payload.gasLimit += 1n), c.payload.transactions.reverse())],
      ["parentHash", (c) => ((c.payload.timestamp += 1n), flip(c.payload.parentHash))],
    ];
    for (const [field, f] of cases) expect(both(mutated(unichainReceived(), f), uniLocal, UNICHAIN)).toMatchObject({ kind: "mismatch", field });
  });

  it("fork-dependent rules, local blocks with odd members", () => {
    const jovian = { ...UNICHAIN, jovian: true };
    const jLocal: RpcBlock = { ...uniLocal, extraData: "0x01000000320000000c0000000000000064" };
    const rec = (extra: string) => mutated(unichainReceived(), (c) => (c.payload.extraData = fromHex(extra)));
    expect(both(rec(jLocal.extraData), jLocal, jovian)).toMatchObject({ kind: "mismatch", field: "blockHash" }); // inputs match, another block
    expect(both(rec("0x01000000320000000c0000000000000065"), jLocal, jovian)).toMatchObject({ field: "minBaseFee" });
    expect(both(rec(jLocal.extraData), uniLocal, jovian)).toMatchObject({ field: "local.extraData" });
    expect(both(unichainReceived(), uniLocal, jovian)).toMatchObject({ field: "local.extraData" }); // same block, wrong fork config

    const goerli = loadFixtureBlock("base-goerli-7542").block;
    const gf = FIXTURE_FORKS["base-goerli-7542"];
    expect(both(mutated(receivedFromRpc(goerli, gf), (c) => (c.payload.extraData = fromHex("0x00000000320000000c"))), goerli, gf)).toMatchObject({ field: "extraData" });
    expect(both(receivedFromRpc(goerli, gf), { ...goerli, extraData: "0x1234" }, gf)).toEqual({ kind: "match" });
    const og = loadFixtureBlock("op-goerli-8381743").block;
    expect(both(receivedFromRpc(og, FIXTURE_FORKS["op-goerli-8381743"]), { ...og, withdrawals: [] }, FIXTURE_FORKS["op-goerli-8381743"])).toMatchObject({ field: "local.withdrawals" });
    const canyon = loadFixtureBlock("ethrpc-rs-274").block;
    const cf = FIXTURE_FORKS["ethrpc-rs-274"];
    const { withdrawals: _w, ...noWithdrawals } = canyon;
    expect(both(receivedFromRpc(canyon, cf), noWithdrawals, cf)).toMatchObject({ field: "local.withdrawals" });
    expect(both(mutated(receivedFromRpc(canyon, cf), (c) => (c.payload.withdrawalsRoot = new Uint8Array(32))), canyon, cf)).toMatchObject({ field: "withdrawalsRoot" });
    const { parentBeaconBlockRoot: _p, ...noRoot } = uniLocal;
    expect(both(mutated(unichainReceived(), (c) => delete c.parentBeaconBlockRoot), noRoot, UNICHAIN)).toMatchObject({ kind: "mismatch", field: "blockHash" });
    expect(both(unichainReceived(), noRoot, UNICHAIN)).toMatchObject({ field: "parentBeaconBlockRoot", expected: "absent" });
  });

  it("deposits-only replacements: spec and op-node variants with one look-up, and their near misses", () => {
    const base = unichainReceived();
    const deposits = depositsOf(uniLocal, base);
    const extra = optimisticBlockDepositTx(uniLocal)!;
    const user = base.payload.transactions[1]!;
    const rep = (txs: Uint8Array[]) => mutated(base, (c) => ((c.payload.transactions = txs), (c.payload.stateRoot = keccak256(c.payload.stateRoot)), (c.payload.gasUsed = 21000n)));
    expect(both(rep(deposits), uniLocal, UNICHAIN)).toEqual({ kind: "match-deposits-only", variant: "spec" });
    expect(both(rep([...deposits, extra]), uniLocal, UNICHAIN)).toEqual({ kind: "match-deposits-only", variant: "op-node" });
    expect(both(rep([...deposits, user]), uniLocal, UNICHAIN)).toMatchObject({ field: "transactions.length" });
    expect(both(rep([...deposits, extra, user]), uniLocal, UNICHAIN)).toMatchObject({ field: "transactions.length" });
    const other = optimisticBlockDepositTx({ ...uniLocal, stateRoot: toHex(keccak256(fromHex(uniLocal.stateRoot))) })!;
    expect(both(rep([...deposits, other]), uniLocal, UNICHAIN)).toMatchObject({ kind: "mismatch" });
    expect(both(mutated(rep(deposits), (c) => (c.payload.gasLimit += 1n)), uniLocal, UNICHAIN)).toMatchObject({ field: "transactions.length" });
    const { withdrawalsRoot: _w, ...preIsthmus } = uniLocal;
    expect(both(rep([...deposits, extra]), preIsthmus, UNICHAIN)).toMatchObject({ field: "transactions.length" });
    const canyon = loadFixtureBlock("ethrpc-rs-274").block; // a deposits-only local block
    expect(both(receivedFromRpc(canyon, FIXTURE_FORKS["ethrpc-rs-274"]), canyon, FIXTURE_FORKS["ethrpc-rs-274"])).toEqual({ kind: "match" });
  });

  it("the look-up decides where the local deposits end", () => {
    const base = unichainReceived();
    const r = sealed(mutated(base, (c) => (c.payload.transactions = depositsOf(uniLocal, base))));
    const step = consolidateOnHashes(r, hashesOf(uniLocal), UNICHAIN);
    expect(step).toMatchObject({ kind: "confirm-deposits-end", index: 1, txHash: uniLocal.transactions[1]!.hash });
    if (step.kind !== "confirm-deposits-end") return;
    expect(settleDepositsEnd(step, 2)).toEqual({ kind: "match-deposits-only", variant: "spec" });
    // Had local transaction 1 been a deposit too, the block would not be a replacement of this one.
    expect(settleDepositsEnd(step, 0x7e)).toEqual(step.otherwise);
    expect(step.otherwise).toMatchObject({ field: "transactions.length" });
    // A local block of deposits only needs no look-up: its end is its length.
    const onlyDeposits: RpcBlock = { ...uniLocal, transactions: uniLocal.transactions.slice(0, 1) };
    expect(consolidateOnHashes(r, hashesOf(onlyDeposits), UNICHAIN).kind).toBe("decided");
  });
});

describe("properties: both paths agree on random blocks", () => {
  const forks = fc.record({ canyon: fc.boolean(), holocene: fc.boolean(), isthmus: fc.boolean(), jovian: fc.boolean() });
  const mutation = fc.constantFrom("none", "none", "parentHash", "timestamp", "prevRandao", "gasLimit", "feeRecipient", "extraData", "withdrawals", "withdrawalsRoot", "beaconRoot", "stateRoot");
  const localMutation = fc.constantFrom("none", "none", "none", "extraData", "noWithdrawals", "noBeaconRoot", "noWithdrawalsRoot", "twoDeposits");

  function mutate(c: ReceivedBlock, m: string): void {
    const p = c.payload;
    if (m === "parentHash") flip(p.parentHash, 5);
    else if (m === "timestamp") p.timestamp += 1n;
    else if (m === "prevRandao") flip(p.prevRandao, 9);
    else if (m === "gasLimit") p.gasLimit -= 1n;
    else if (m === "feeRecipient") flip(p.feeRecipient, 3);
    else if (m === "extraData") flip(p.extraData, 8);
    else if (m === "withdrawals") delete p.withdrawals;
    else if (m === "withdrawalsRoot") delete p.withdrawalsRoot;
    else if (m === "beaconRoot") delete c.parentBeaconBlockRoot;
    else if (m === "stateRoot") flip(p.stateRoot); // not compared: same inputs, another block
  }

  /** The local block, possibly altered (also: its second transaction a deposit as well). */
  function localFor(m: string, extraDeposit: Uint8Array): { local: RpcBlock; txs: Uint8Array[] } {
    const txs = unichainReceived().payload.transactions;
    if (m === "extraData") return { local: { ...uniLocal, extraData: "0x00000000320000000d" }, txs };
    if (m === "noWithdrawals") {
      const { withdrawals: _w, ...l } = uniLocal;
      return { local: l, txs };
    }
    if (m === "noBeaconRoot") {
      const { parentBeaconBlockRoot: _p, ...l } = uniLocal;
      return { local: l, txs };
    }
    if (m === "noWithdrawalsRoot") {
      const { withdrawalsRoot: _r, ...l } = uniLocal;
      return { local: l, txs };
    }
    if (m === "twoDeposits") {
      const dep = { ...uniLocal.transactions[0]!, hash: toHex(keccak256(extraDeposit)) };
      return { local: { ...uniLocal, transactions: [uniLocal.transactions[0]!, dep, ...uniLocal.transactions.slice(1)] }, txs: [txs[0]!, extraDeposit, ...txs.slice(1)] };
    }
    return { local: uniLocal, txs };
  }

  it("transaction lists (the local ones, its deposits, the optimistic deposit, foreign ones), fields, forks, local oddities", () => {
    const foreign = fromHex("0x02f86b8205398085012a05f20085012a05f2008252089400000000000000000000000000000000000000000180c001a0" + "11".repeat(32) + "a0" + "22".repeat(32));
    const extraDeposit = fromHex(toHex(unichainReceived().payload.transactions[0]!).replace(/..$/, "00")); // another deposit's bytes
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 9 }), mutation, localMutation, fc.oneof(fc.constant(UNICHAIN), forks), fc.constantFrom("random", "prefix", "prefix+optimistic"), fc.nat(8), (picks, m, lm, f, shape, cut) => {
        const { local, txs } = localFor(lm, extraDeposit);
        const extra = optimisticBlockDepositTx(local);
        const pick = (i: number): Uint8Array => (i === -1 ? (extra ?? foreign) : i === -2 ? foreign : txs[i % txs.length]!);
        // random picks, or a prefix of the local list (a match, or a replacement), or one plus the optimistic deposit
        const prefix = txs.slice(0, cut % (txs.length + 1));
        const list = shape === "random" ? picks.map(pick) : shape === "prefix" ? prefix : [...prefix, extra ?? foreign];
        const r = mutated(unichainReceived(), (c) => {
          c.payload.transactions = list.map((t) => t.slice());
          mutate(c, m);
        });
        const v = both(r, local, f);
        if (v.kind === "match-deposits-only") seen.add(v.variant);
        const step = consolidateOnHashes(sealed(r), hashesOf(local), f);
        if (step.kind === "confirm-deposits-end") seen.add(local.transactions[step.index]!.type === 0x7e ? "look-up: not the end" : "look-up: the end");
      }),
      { numRuns: 600 },
    );
    // the generator reaches both variants and both answers of the look-up
    expect([...seen].sort()).toEqual(["look-up: not the end", "look-up: the end", "op-node", "spec"]);
  });
});
