import { beforeAll, describe, expect, it } from "vitest";
import { parseTransaction, recoverTransactionAddress } from "viem";
import { serializeTransaction as serializeOpTransaction } from "viem/op-stack";
import "../../src/node/keccak.ts";
import { consolidate } from "../../src/protocol/consolidate.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { decodeDepositTx, decodeL1InfoDeposit, l1InfoDepositSourceHash, userDepositSourceHash } from "../../src/protocol/l1-info.ts";
import { parseRpcBlock, type RpcBlock } from "../../src/protocol/rpc-block.ts";
import { addressOfPrivateKey } from "../../src/protocol/signature.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import { DevChain, type L2Block } from "../../src/devnet/chain.ts";
import { DEV_ACCOUNTS, DEV_ROLES } from "../../src/devnet/dev-accounts.ts";
import { signedGossipMessage } from "../../src/devnet/gossip.ts";
import { TRANSACTION_DEPOSITED_TOPIC } from "../../src/devnet/l1.ts";
import { blockToJson } from "../../src/devnet/rpc-json.ts";
import { verifyBlockJson } from "./helpers.ts";

function rpcBlock(b: Parameters<typeof blockToJson>[0]): RpcBlock {
  const r = parseRpcBlock(blockToJson(b, true));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Signs a block as the publisher would and runs it through the cross-safe gossip validator. */
async function gossipVerdict(chain: DevChain, b: L2Block, key = chain.options.sequencerKey) {
  const { message } = signedGossipMessage(chain, b, key);
  return validateGossipMessage(message, {
    chainId: chain.options.l2ChainId,
    topic: crossSafeTopic(chain.options.l2ChainId),
    kind: "cross-safe",
    version: 4,
    signer: chain.sequencerAddress,
    now: Number(b.timestamp) + 1,
    jovianTime: chain.chainConfig.hardforks.jovian,
  });
}

describe("dev accounts", () => {
  it("are the well-known anvil/hardhat accounts", () => {
    expect(DEV_ACCOUNTS[0]!.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(DEV_ACCOUNTS[5]!.address).toBe("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"); // the vectors' signer
    expect(DEV_ACCOUNTS[9]!.address).toBe("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
  });
});

describe("DevChain", () => {
  let chain: DevChain;
  beforeAll(() => {
    chain = new DevChain({ depositChance: 0.8 });
    chain.advance(240); // 20 L1 blocks, 120 L2 blocks
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = new DevChain();
    const b = new DevChain();
    const c = new DevChain({ seed: "other" });
    a.advance(30);
    b.advance(30);
    c.advance(30);
    expect(a.l2Tip().hash).toBe(b.l2Tip().hash);
    expect(a.l1Head().hash).toBe(b.l1Head().hash);
    expect(a.l2Tip().hash).not.toBe(c.l2Tip().hash);
  });

  it("produces L1 and L2 blocks on their block times and moves the heads with their lags", () => {
    expect(chain.l1Head().number).toBe(20n);
    expect(chain.l2Tip().number).toBe(120n);
    expect(chain.heads()).toEqual({ unsafe: 120n, localSafe: 114n, crossSafe: 112n, finalized: 102n });
    expect(chain.l1Safe().number).toBe(16n);
    expect(chain.l1Finalized().number).toBe(12n);
  });

  it("serves L1 blocks whose hashes, tx roots and withdrawals roots recompute", async () => {
    for (let n = 0n; n <= chain.l1Head().number; n++) {
      const json = blockToJson(chain.l1BlockByNumber(n)!, true);
      const { block } = await verifyBlockJson(json);
      expect(block.number).toBe(n);
      if (n > 0n) expect(block.parentHash).toBe(chain.l1BlockByNumber(n - 1n)!.hash);
    }
  });

  it("serves L2 blocks whose hashes and tx roots recompute, deposits first", async () => {
    const view = chain.view("follower");
    for (let n = 0n; n <= chain.l2Tip().number; n++) {
      const b = view.blockByNumber(n)!;
      const { block } = await verifyBlockJson(blockToJson(b, true));
      if (n === 0n) {
        expect(block.transactions).toHaveLength(0);
        continue;
      }
      expect(block.parentHash).toBe(view.blockByNumber(n - 1n)!.hash);
      expect(block.transactions[0]!.type).toBe(0x7e);
      expect(block.withdrawals).toEqual([]);
      expect(block.blobGasUsed).toBe(0n);
      expect(block.excessBlobGas).toBe(0n);
      expect(block.miner).toBe("0x4200000000000000000000000000000000000011");
      expect(block.extraData).toBe("0x00000000fa00000006"); // Holocene: version 0, denominator 250, elasticity 6
      expect(block.withdrawalsRoot).not.toBe("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    }
  });

  it("writes the L1 info deposit op-node writes, with sequence numbers and origins by op-node's rule", () => {
    const view = chain.view("follower");
    let prev = view.blockByNumber(0n)!;
    const origins = new Set<bigint>();
    for (let n = 1n; n <= chain.l2Tip().number; n++) {
      const b = view.blockByNumber(n)!;
      const info = decodeL1InfoDeposit(b.txs[0]!.raw, "isthmus");
      if (!info.ok) throw new Error(info.reason);
      const origin = chain.l1BlockByHash(info.value.info.l1BlockHash)!;
      expect(origin.number).toBe(b.l1Origin.number);
      expect(info.value.info.l1Number).toBe(origin.number);
      expect(info.value.info.l1Timestamp).toBe(origin.timestamp);
      expect(info.value.info.l1BaseFee).toBe(origin.payload.baseFeePerGas);
      expect(info.value.info.sequenceNumber).toBe(b.sequenceNumber);
      expect(info.value.deposit).toMatchObject({ from: "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001", to: "0x4200000000000000000000000000000000000015", gas: 1_000_000n, isSystemTx: false, mint: 0n, value: 0n });
      expect(info.value.deposit.sourceHash).toBe(l1InfoDepositSourceHash(origin.hash, b.sequenceNumber));
      // origin advances by at most one, as soon as the L2 timestamp reaches the next L1 block's
      const next = chain.l1BlockByNumber(prev.l1Origin.number + 1n);
      const shouldAdvance = next !== undefined && b.timestamp >= next.timestamp;
      expect(b.l1Origin.number).toBe(shouldAdvance ? prev.l1Origin.number + 1n : prev.l1Origin.number);
      expect(b.sequenceNumber).toBe(shouldAdvance ? 0n : prev.sequenceNumber + 1n);
      expect(b.timestamp >= origin.timestamp).toBe(true);
      expect(toHex(b.payload.prevRandao)).toBe(toHex(origin.payload.prevRandao));
      expect(toHex(b.parentBeaconBlockRoot)).toBe(toHex(origin.parentBeaconBlockRoot));
      origins.add(b.l1Origin.number);
      prev = b;
    }
    expect(origins.size).toBeGreaterThan(15);
  });

  it("derives user deposits from the origin's TransactionDeposited logs", async () => {
    let seen = 0;
    for (let n = 1n; n <= chain.l2Tip().number; n++) {
      const b = chain.view("follower").blockByNumber(n)!;
      const origin = chain.l1BlockByHash(b.l1Origin.hash)!;
      const userDeposits = b.txs.filter((t) => t.type === 0x7e && t.role === "user-deposit");
      expect(userDeposits.length).toBe(b.sequenceNumber === 0n ? origin.deposits.length : 0);
      for (const [i, t] of userDeposits.entries()) {
        if (t.type !== 0x7e) continue;
        const l1tx = origin.txs[i]!;
        expect(l1tx.logs[0]!.topics[0]).toBe(TRANSACTION_DEPOSITED_TOPIC);
        expect(t.deposit.sourceHash).toBe(userDepositSourceHash(origin.hash, BigInt(i)));
        expect(t.deposit.mint).toBe(l1tx.type === 2 ? l1tx.value : -1n);
        expect(t.deposit.from).toBe(l1tx.type === 2 ? l1tx.from.toLowerCase() : "");
        // viem's OP Stack serializer produces the same bytes from the same fields
        const viemRaw = serializeOpTransaction({
          type: "deposit",
          sourceHash: t.deposit.sourceHash,
          from: t.deposit.from,
          to: t.deposit.to!,
          mint: t.deposit.mint,
          value: t.deposit.value,
          gas: t.deposit.gas,
          isSystemTx: false,
          data: "0x",
        });
        expect(viemRaw).toBe(toHex(t.raw));
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(3);
  });

  it("signs EIP-1559 transactions that viem parses and recovers to the dev accounts", async () => {
    const b = chain.view("follower").blockByNumber(9n)!;
    const users = b.txs.filter((t) => t.type === 2);
    expect(users.length).toBeGreaterThan(0);
    for (const t of users) {
      if (t.type !== 2) continue;
      const parsed = parseTransaction(toHex(t.raw));
      expect(parsed.chainId).toBe(901);
      expect(parsed.nonce).toBe(Number(t.nonce));
      expect(await recoverTransactionAddress({ serializedTransaction: toHex(t.raw) as `0x02${string}` })).toBe(t.from);
      expect(DEV_ROLES.l2Users.map((i) => DEV_ACCOUNTS[i]!.address)).toContain(t.from);
    }
  });

  it("keeps per-account nonces consecutive across blocks", () => {
    const next = new Map<string, bigint>();
    for (let n = 1n; n <= chain.l2Tip().number; n++) {
      for (const t of chain.view("follower").blockByNumber(n)!.txs) {
        const from = t.type === 2 ? t.from.toLowerCase() : t.deposit.from;
        const nonce = t.type === 2 ? t.nonce : t.depositNonce;
        expect(nonce).toBe(next.get(from) ?? 0n);
        next.set(from, nonce + 1n);
      }
    }
  });

  it("gives payloads the publisher can sign that pass the cross-safe gossip validator", async () => {
    const b = chain.view("sequencer").crossSafe();
    const r = await gossipVerdict(chain, b);
    expect(r.verdict).toBe("accept");
    expect(r.blockHash).toBe(b.hash);
    expect(addressOfPrivateKey(fromHex(chain.options.sequencerKey))).toBe(chain.sequencerAddress);
  });

  it("exposes the follower's chain config", () => {
    expect(chain.chainConfig).toMatchObject({ chainId: 901n, l1ChainId: 900n, blockTime: 2, unsafeBlockSigner: DEV_ACCOUNTS[5]!.address });
    expect(chain.chainConfig.hardforks.isthmus).toBe(0n);
    expect(chain.chainConfig.hardforks.jovian).toBeUndefined();
  });

  it("builds Jovian blocks when configured: extraData v1, DA footprint, Jovian L1 info", async () => {
    const j = new DevChain({ jovian: true, minBaseFee: 5_000_000n });
    j.advance(30);
    for (let n = 1n; n <= j.l2Tip().number; n++) {
      const b = j.view("follower").blockByNumber(n)!;
      const { block } = await verifyBlockJson(blockToJson(b, true));
      expect(block.extraData).toBe("0x01000000fa0000000600000000004c4b40");
      const users = block.transactions.filter((t) => t.type !== 0x7e).length;
      expect(block.blobGasUsed).toBe(BigInt(users) * 100n * 400n);
      expect(block.baseFeePerGas! >= 5_000_000n).toBe(true);
      expect(decodeL1InfoDeposit(b.txs[0]!.raw, "jovian").ok).toBe(true);
      expect((await gossipVerdict(j, b)).verdict).toBe("accept");
    }
  });
});

describe("DevChain scenarios", () => {
  function fresh(): DevChain {
    const c = new DevChain({ depositChance: 1 });
    c.advance(120); // 60 L2 blocks; local-safe 54, cross-safe 52
    return c;
  }

  for (const variant of ["spec", "op-node"] as const) {
    it(`replaces a block with a deposits-only block (${variant} rule) that consolidates against the original`, async () => {
      const c = fresh();
      const h = 56n; // above cross-safe
      const original = c.view("sequencer").blockByNumber(h)!;
      const oldChild = c.view("sequencer").blockByNumber(h + 1n)!;
      const p = c.replaceWithDepositsOnly(h, variant);
      const r = p.replacement;
      expect(p.original.hash).toBe(original.hash);
      expect(r.hash).not.toBe(original.hash);
      expect(r.kind).toBe("replacement");
      expect(r.parentHash).toBe(original.parentHash);
      expect(r.timestamp).toBe(original.timestamp);
      const deposits = original.txs.filter((t) => t.type === 0x7e).map((t) => t.hash);
      expect(r.txs.slice(0, deposits.length).map((t) => t.hash)).toEqual(deposits);
      expect(r.txs.every((t) => t.type === 0x7e)).toBe(true);
      if (variant === "spec") expect(r.txs).toHaveLength(deposits.length);
      else {
        expect(r.txs).toHaveLength(deposits.length + 1);
        const last = decodeDepositTx(r.txs.at(-1)!.raw);
        if (!last.ok) throw new Error(last.reason);
        expect(last.value.from).toBe("0xdeaddeaddeaddeaddeaddeaddeaddeaddead0002");
        expect(toHex(keccak256(last.value.data))).toBe(c.outputRoot(original).outputRoot);
      }
      await verifyBlockJson(blockToJson(r, true));
      // consolidation (src/protocol/consolidate.ts) of the signed replacement against the follower's block
      const local = rpcBlock(c.view("follower").blockByNumber(h)!);
      expect(local.hash).toBe(original.hash);
      const env = c.payloadOf(r);
      expect(consolidate({ payload: env.payload, parentBeaconBlockRoot: env.parentBeaconBlockRoot }, local, c.chainConfig)).toEqual({ kind: "match-deposits-only", variant });
      // later blocks build on the replacement
      const child = c.view("sequencer").blockByNumber(h + 1n)!;
      expect(child.parentHash).toBe(r.hash);
      expect(child.hash).not.toBe(oldChild.hash);
      await verifyBlockJson(blockToJson(child, true));
      // views: the follower does not know the replacement until promotion
      expect(c.view("follower").blockByHash(r.hash)).toBeUndefined();
      expect(c.view("sequencer").blockByHash(r.hash)?.hash).toBe(r.hash);
      expect(c.view("follower").blockByHash(original.hash)?.hash).toBe(original.hash);
      c.advance(20);
      expect(c.heads().crossSafe >= h).toBe(true);
      expect(c.view("sequencer").crossSafe().number >= h).toBe(true);
      expect((await gossipVerdict(c, r)).verdict).toBe("accept");
      c.promoteReplacement(h);
      expect(c.view("follower").blockByNumber(h)!.hash).toBe(r.hash);
      expect(c.view("follower").blockByHash(r.hash)?.hash).toBe(r.hash);
      expect(c.pendingReplacements()).toHaveLength(0);
    });
  }

  it("refuses to replace a cross-safe block; auto-promotes when configured", () => {
    const c = fresh();
    expect(() => c.replaceWithDepositsOnly(c.heads().crossSafe)).toThrow(/cross-safe/);
    const auto = new DevChain({ autoPromoteReplacements: true });
    auto.advance(120);
    const h = auto.heads().crossSafe + 3n;
    const p = auto.replaceWithDepositsOnly(h);
    expect(auto.view("follower").blockByNumber(h)!.hash).toBe(p.original.hash);
    auto.advance(20);
    expect(auto.view("follower").blockByNumber(h)!.hash).toBe(p.replacement.hash);
  });

  it("reorgs L1: new hashes, L2 rebuilt on the new origins, heads fall back", async () => {
    const c = fresh();
    const before = c.l1Head();
    const l2Before = c.l2Tip();
    const { from, orphaned, l2RebuiltFrom } = c.reorgL1(2);
    expect(from).toBe(before.number - 1n);
    expect(orphaned.map((b) => b.hash)).toContain(before.hash);
    expect(c.l1Head().number).toBe(before.number);
    expect(c.l1Head().hash).not.toBe(before.hash);
    expect(c.isCanonicalL1({ hash: before.hash, number: before.number })).toBe(false);
    expect(c.l1BlockByHash(before.hash)?.hash).toBe(before.hash); // side blocks stay retrievable by hash
    expect(c.l2Tip().hash).not.toBe(l2Before.hash);
    expect(l2RebuiltFrom).toBeDefined();
    expect(c.heads().localSafe < l2RebuiltFrom!).toBe(true);
    for (let n = l2RebuiltFrom!; n <= c.l2Tip().number; n++) {
      const b = c.view("follower").blockByNumber(n)!;
      expect(c.isCanonicalL1(b.l1Origin)).toBe(true);
      await verifyBlockJson(blockToJson(b, true));
    }
    await verifyBlockJson(blockToJson(c.l1Head(), true));
  });

  it("reorgs L1 keeping L2 on the orphaned origins", () => {
    const c = fresh();
    const tip = c.l2Tip();
    c.reorgL1(1, { l2: "keep" });
    expect(c.l2Tip().hash).toBe(tip.hash);
    expect(c.isCanonicalL1(tip.l1Origin)).toBe(tip.l1Origin.number < c.l1Head().number);
    c.advance(10);
    expect(c.l2Tip().number).toBe(tip.number + 5n);
    // the node notices: L2 is rebuilt from the first block on an orphaned origin
    const from = c.resyncL2()!;
    expect(c.view("follower").blockByNumber(from - 1n)!.l1Origin.number < c.l1Head().number).toBe(true);
    for (let n = from; n <= c.l2Tip().number; n++) expect(c.isCanonicalL1(c.view("follower").blockByNumber(n)!.l1Origin)).toBe(true);
    expect(c.heads().localSafe < from).toBe(true);
    expect(c.resyncL2()).toBeUndefined();
  });

  it("reorgs L2 from a height: new hashes from there on, heads below it", async () => {
    const c = fresh();
    const h = 53n;
    const old = c.view("follower").blockByNumber(h)!;
    const oldParent = c.view("follower").blockByNumber(h - 1n)!;
    c.reorgL2(h);
    const neu = c.view("follower").blockByNumber(h)!;
    expect(neu.hash).not.toBe(old.hash);
    expect(neu.parentHash).toBe(oldParent.hash);
    expect(c.heads().crossSafe).toBe(52n);
    expect(c.heads().localSafe).toBe(52n);
    expect(c.view("follower").blockByHash(old.hash)?.hash).toBe(old.hash);
    await verifyBlockJson(blockToJson(neu, true));
    expect(() => c.reorgL2(c.heads().finalized)).toThrow(/finalized/);
  });

  it("equivocates at a cross-safe height with a second validly built block", async () => {
    const c = fresh();
    const h = c.heads().crossSafe;
    const canonical = c.view("sequencer").blockByNumber(h)!;
    const eq = c.equivocate(h);
    expect(eq.number).toBe(h);
    expect(eq.hash).not.toBe(canonical.hash);
    expect(eq.parentHash).toBe(canonical.parentHash);
    expect(eq.l1Origin).toEqual(canonical.l1Origin);
    await verifyBlockJson(blockToJson(eq, true));
    expect((await gossipVerdict(c, eq)).verdict).toBe("accept");
    expect(c.view("follower").blockByHash(eq.hash)).toBeUndefined();
    expect(c.view("sequencer").blockByNumber(h)!.hash).toBe(canonical.hash);
    expect(() => c.equivocate(c.heads().crossSafe + 1n)).toThrow(/not cross-safe/);
  });

  it("rotates the unsafe block signer from the current L1 head on", () => {
    const c = fresh();
    const head = c.l1Head().number;
    c.setUnsafeBlockSigner(DEV_ACCOUNTS[7]!.address);
    expect(c.unsafeBlockSignerAt(head - 1n)).toBe(DEV_ACCOUNTS[5]!.address);
    expect(c.unsafeBlockSignerAt(head)).toBe(DEV_ACCOUNTS[7]!.address);
  });

  it("lets tests set heads and freeze them", () => {
    const c = fresh();
    c.autoHeads = false;
    c.setHeads({ localSafe: 40n, crossSafe: 45n, finalized: 1n });
    expect(c.heads()).toMatchObject({ localSafe: 40n, crossSafe: 40n, finalized: 1n });
    c.advance(10);
    expect(c.heads()).toMatchObject({ unsafe: 65n, localSafe: 40n, crossSafe: 40n });
    expect(c.view("follower").syncStatus().local_safe_l2.number).toBe(40n);
  });
});
