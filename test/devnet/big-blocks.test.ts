// Big honest blocks in the devnet (DevChain.bigBlocks, control op "bigBlocks") and the two read
// forms the Worker's checks use: eth_getBlockByNumber(n, false) and a transaction by block and index.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../../src/node/keccak.ts";
import { DevChain } from "../../src/devnet/chain.ts";
import { daUsageEstimate } from "../../src/devnet/fastlz.ts";
import { signedGossipMessage } from "../../src/devnet/gossip.ts";
import { BULK_TX_CALLDATA } from "../../src/devnet/l2.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { toQuantity } from "../../src/protocol/hex.ts";
import { parseRpcBlockHashes } from "../../src/protocol/rpc-block.ts";
import { CROSS_SAFE_SIGNING_DOMAIN } from "../../src/protocol/signing-domain.ts";
import { MAX_GOSSIP_SIZE, snappyDecode } from "../../src/protocol/snappy.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import { verifyBlockJson } from "./helpers.ts";

type RpcReply = { result?: any; error?: { code: number; message: string } };
async function rpc(url: string, method: string, params: unknown[]): Promise<RpcReply & { bytes: number }> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const text = await r.text();
  return { ...(JSON.parse(text) as RpcReply), bytes: text.length };
}

const BIG = Math.floor(9.5 * 1024 * 1024);

describe("big devnet blocks", () => {
  it("are refused, with the setting to change, when the chain's gas limit cannot hold them", () => {
    const c = new DevChain(); // 30M gas
    expect(() => c.bigBlocks(BIG)).toThrow(/over the devnet's gas limit 30000000 \(reset it with a larger gasLimit/);
    expect(() => new DevChain({ gasLimit: 500_000_000n }).bigBlocks(10 * 1024 * 1024)).toThrow(/over the gossip limit of 10485760/);
    expect(() => c.bigBlocks(0)).toThrow(/positive integer/);
  });

  it("a 9.5 MiB block: honest (gas, tx sizes, hashes), and its signed envelope fits the gossip limit", async () => {
    const c = new DevChain({ gasLimit: 500_000_000n });
    c.advance(60);
    const [h] = c.bigBlocks(BIG);
    c.advanceBlocks(1);
    const b = c.view("sequencer").blockByNumber(h!)!;
    const user = b.txs.filter((t) => t.type === 2);
    expect(user.length).toBe(Math.ceil(BIG / BULK_TX_CALLDATA));
    expect(user.reduce((n, t) => n + (t.type === 2 ? t.input.length : 0), 0)).toBe(BIG);
    for (const t of user) expect(t.raw.length).toBeLessThan(128 * 1024); // op-geth's txpool limit per transaction
    expect(b.payload.gasUsed).toBe(b.txs.reduce((n, t) => n + t.gasUsed, 0n));
    expect(b.payload.gasUsed).toBeLessThanOrEqual(500_000_000n);
    expect(b.payload.gasUsed).toBeGreaterThan(39n * BigInt(BIG)); // EIP-7623: ~40 gas per non-zero byte

    const m = signedGossipMessage(c, b, c.options.sequencerKey, CROSS_SAFE_SIGNING_DOMAIN);
    expect(m.message.length).toBeLessThanOrEqual(MAX_GOSSIP_SIZE);
    const d = snappyDecode(m.message);
    expect(d.ok && d.data.length).toBeLessThanOrEqual(MAX_GOSSIP_SIZE);
    const v = await validateGossipMessage(m.message, { chainId: c.options.l2ChainId, topic: m.topic, kind: "cross-safe", version: 4, signer: c.sequencerAddress, now: Number(b.timestamp) });
    expect(v).toMatchObject({ verdict: "accept", blockHash: b.hash });

    // the same block again from the same seed (and after a rebuild of its height)
    const again = new DevChain({ gasLimit: 500_000_000n });
    again.advance(60);
    again.bigBlocks(BIG);
    again.advanceBlocks(1);
    expect(again.view("sequencer").blockByNumber(h!)!.hash).toBe(b.hash);
    again.reorgL2(h!);
    expect(again.l2Tip().number).toBe(h);
    expect(again.view("sequencer").blockByNumber(h!)!.txs.length).toBe(b.txs.length);
  });

  it("Jovian: the DA footprint (FastLZ estimate × scalar) is checked against the gas limit, and recorded in blobGasUsed", () => {
    const mib = 1024 * 1024;
    expect(() => new DevChain({ jovian: true, gasLimit: 500_000_000n }).bigBlocks(2 * mib)).toThrow(/DA footprint .* \(lower daFootprintGasScalar\)/);
    const c = new DevChain({ jovian: true, gasLimit: 500_000_000n, daFootprintGasScalar: 1 });
    c.advance(30);
    const [h] = c.bigBlocks(2 * mib);
    c.advanceBlocks(1);
    const b = c.view("sequencer").blockByNumber(h!)!;
    const footprint = b.txs.filter((t) => t.type === 2).reduce((n, t) => n + daUsageEstimate(t.raw), 0n);
    expect(b.payload.blobGasUsed).toBe(footprint);
    expect(footprint).toBeGreaterThan(BigInt(Math.floor(0.8 * 2 * mib))); // incompressible: FastLZ saves nothing
  });
});

describe("the chain server's reads for consolidation on hashes", () => {
  let s: ChainServer;
  let h: bigint;
  beforeAll(async () => {
    s = await startChainServer({ chain: { gasLimit: 500_000_000n } });
    s.advance(60);
    h = s.chain.bigBlocks(1024 * 1024)[0]!;
    s.advanceBlocks(1);
  });
  afterAll(() => s.close());

  it("eth_getBlockByNumber(n, false): the header with transaction hashes, a few KB for a 1 MiB block", async () => {
    const full = await rpc(s.urls.l2, "eth_getBlockByNumber", [toQuantity(h), true]);
    const { block } = await verifyBlockJson(full.result);
    const hashes = await rpc(s.urls.l2, "eth_getBlockByNumber", [toQuantity(h), false]);
    const parsed = parseRpcBlockHashes(hashes.result);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.transactions).toEqual(block.transactions.map((t) => t.hash));
    const { transactions: _a, ...headerFull } = block;
    const { transactions: _b, ...headerHashes } = parsed.value;
    expect(headerHashes).toEqual(headerFull);
    expect(full.bytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(hashes.bytes).toBeLessThan(4096);
  });

  it("eth_getTransactionByBlockNumberAndIndex / ByBlockHashAndIndex: the block's own transaction objects, null past the end", async () => {
    const full = (await rpc(s.urls.l2, "eth_getBlockByNumber", [toQuantity(h), true])).result;
    for (const i of [0, 1, full.transactions.length - 1]) {
      expect((await rpc(s.urls.l2, "eth_getTransactionByBlockNumberAndIndex", [toQuantity(h), toQuantity(i)])).result).toEqual(full.transactions[i]);
      expect((await rpc(s.urls.l2, "eth_getTransactionByBlockHashAndIndex", [full.hash, toQuantity(i)])).result).toEqual(full.transactions[i]);
    }
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockNumberAndIndex", ["latest", "0x0"])).result.type).toBe("0x7e");
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockNumberAndIndex", [toQuantity(h), toQuantity(full.transactions.length)])).result).toBeNull();
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockNumberAndIndex", ["0xffff", "0x0"])).result).toBeNull();
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockHashAndIndex", [`0x${"00".repeat(32)}`, "0x0"])).result).toBeNull();
    // geth's argument errors (hexutil.Uint)
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockHashAndIndex", [full.hash, 0])).error).toEqual({
      code: -32602,
      message: "invalid argument 1: json: cannot unmarshal non-string into Go value of type hexutil.Uint",
    });
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockNumberAndIndex", [toQuantity(h), "0x01"])).error?.message).toBe(
      "invalid argument 1: json: cannot unmarshal hex number with leading zero digits into Go value of type hexutil.Uint",
    );
    // the follower does not know the sequencer's unpromoted replacement
    const r = s.chain.replaceWithDepositsOnly(s.chain.heads().localSafe + 1n);
    expect((await rpc(s.urls.l2, "eth_getTransactionByBlockHashAndIndex", [r.replacement.hash, "0x0"])).result).toBeNull();
    expect((await rpc(s.urls.sequencerL2, "eth_getTransactionByBlockHashAndIndex", [r.replacement.hash, "0x0"])).result.type).toBe("0x7e");
  });

  it("the control op plans big blocks, or says why not", async () => {
    const post = (body: unknown) => fetch(s.urls.control, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    const ok = await post({ op: "bigBlocks", bytes: 200_000, count: 2 });
    const tip = s.chain.l2Tip().number;
    expect(ok).toEqual({ ok: true, heights: [(tip + 1n).toString(), (tip + 2n).toString()] });
    s.advanceBlocks(2);
    expect(s.chain.l2Tip().txs.length).toBeGreaterThan(2);
    expect(await post({ op: "bigBlocks", bytes: 100 * 1024 * 1024 })).toMatchObject({ ok: false, error: expect.stringMatching(/gossip limit/) });
  });
});
