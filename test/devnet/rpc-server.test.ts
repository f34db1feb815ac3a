import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, defineChain, http } from "viem";
import { SYNC_STATUS_L1_FIELDS, SYNC_STATUS_L2_FIELDS } from "../../src/protocol/sync-status.ts";
import { optimism } from "viem/chains";
import { chainConfig as opStackChainConfig } from "viem/op-stack";
import "../../src/node/keccak.ts";
import { decodeEnvelope, encodeSignedBytes } from "../../src/protocol/envelope.ts";
import { payloadFromRpcBlock } from "../../src/protocol/payload-from-rpc.ts";
import { signGossipMessage } from "../../src/protocol/publish.ts";
import { CROSS_SAFE_SIGNING_DOMAIN } from "../../src/protocol/signing-domain.ts";
import { parseRpcBlock } from "../../src/protocol/rpc-block.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { computeBlockHash } from "../../src/protocol/header.ts";
import { controlClient } from "../../src/devnet/control-client.ts";
import { DEV_ACCOUNTS } from "../../src/devnet/dev-accounts.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { UNSAFE_BLOCK_SIGNER_SELECTOR, UNSAFE_BLOCK_SIGNER_SLOT } from "../../src/protocol/system-config.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import { verifyBlockJson } from "./helpers.ts";

type RpcReply = { jsonrpc: string; id: unknown; result?: any; error?: { code: number; message: string; data?: unknown } };

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

async function rpc(url: string, method: string, params: unknown[] = [], id: unknown = 1): Promise<RpcReply> {
  const r = await post(url, { jsonrpc: "2.0", id, method, params });
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("application/json");
  return (await r.json()) as RpcReply;
}

async function control(s: ChainServer, body: Record<string, unknown>): Promise<any> {
  const r = await post(s.urls.control, body);
  return r.json();
}

describe("chain server", () => {
  let s: ChainServer;
  beforeAll(async () => {
    s = await startChainServer({ chain: { depositChance: 1 } });
    s.advance(120); // 10 L1 blocks, 60 L2 blocks
  });
  afterAll(() => s.close());

  it("serves every L1 and L2 block with hashes, tx hashes and roots that recompute", async () => {
    for (const [url, head] of [
      [s.urls.l1, s.chain.l1Head().number],
      [s.urls.l2, s.chain.l2Tip().number],
      [s.urls.sequencerL2, s.chain.l2Tip().number],
    ] as const) {
      const batch = [];
      for (let n = 0n; n <= head; n++) batch.push({ jsonrpc: "2.0", id: Number(n), method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, true] });
      const replies = (await (await post(url, batch)).json()) as RpcReply[];
      expect(replies).toHaveLength(Number(head) + 1);
      for (const [i, r] of replies.entries()) {
        expect(r.id).toBe(i);
        const { block } = await verifyBlockJson(r.result);
        expect(block.number).toBe(BigInt(i));
        const byHash = await rpc(url, "eth_getBlockByHash", [block.hash, true]);
        expect(byHash.result).toEqual(r.result);
      }
    }
  });

  it("answers like geth: chain id, block number, tags, hashes-only bodies, unknown blocks", async () => {
    expect((await rpc(s.urls.l1, "eth_chainId")).result).toBe("0x384");
    expect((await rpc(s.urls.l1, "net_version")).result).toBe("900");
    expect((await rpc(s.urls.l2, "eth_chainId")).result).toBe("0x385");
    expect((await rpc(s.urls.l2, "eth_blockNumber")).result).toBe(`0x${s.chain.l2Tip().number.toString(16)}`);
    const heads = s.chain.heads();
    const safe = (await rpc(s.urls.l2, "eth_getBlockByNumber", ["safe", false])).result;
    expect(BigInt(safe.number)).toBe(heads.localSafe); // the follower's op-geth: safe = its local-safe
    expect(safe.transactions.every((t: unknown) => typeof t === "string")).toBe(true);
    expect(BigInt((await rpc(s.urls.sequencerL2, "eth_getBlockByNumber", ["safe", false])).result.number)).toBe(heads.crossSafe);
    expect(BigInt((await rpc(s.urls.l2, "eth_getBlockByNumber", ["finalized", false])).result.number)).toBe(heads.finalized);
    expect(BigInt((await rpc(s.urls.l1, "eth_getBlockByNumber", ["finalized", false])).result.number)).toBe(s.chain.l1Finalized().number);
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["0xffff", true])).result).toBeNull();
    expect((await rpc(s.urls.l2, "eth_getBlockByHash", [`0x${"00".repeat(32)}`, true])).result).toBeNull();
    const keys = Object.keys((await rpc(s.urls.l2, "eth_getBlockByNumber", ["latest", false])).result);
    expect(keys).toEqual([...keys].sort()); // Go map keys: sorted
    expect(keys).toEqual(expect.arrayContaining(["requestsHash", "withdrawalsRoot", "parentBeaconBlockRoot", "blobGasUsed", "excessBlobGas", "size", "uncles", "withdrawals", "mixHash", "nonce", "sha3Uncles"]));
    expect(keys).not.toContain("totalDifficulty");
  });

  it("serves deposit and EIP-1559 transactions in op-geth's JSON", async () => {
    const b = (await rpc(s.urls.l2, "eth_getBlockByNumber", ["0x7", true])).result;
    const info = b.transactions[0];
    // the member order of a real OP Mainnet deposit (test/fixtures/rpc-blocks/rpc-transactions.json, GetBlock.io entry)
    expect(Object.keys(info)).toEqual(["blockHash", "blockNumber", "blockTimestamp", "from", "gas", "gasPrice", "hash", "input", "nonce", "to", "transactionIndex", "value", "type", "v", "r", "s", "sourceHash", "mint", "depositReceiptVersion"]);
    expect(info).toMatchObject({ from: "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001", to: "0x4200000000000000000000000000000000000015", gas: "0xf4240", type: "0x7e", gasPrice: "0x0", value: "0x0", mint: "0x0", depositReceiptVersion: "0x1", nonce: "0x6", blockTimestamp: b.timestamp });
    expect(info).not.toHaveProperty("isSystemTx");
    const user = b.transactions.find((t: { type: string }) => t.type === "0x2");
    expect(Object.keys(user)).toEqual([
      "blockHash", "blockNumber", "blockTimestamp", "from", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "hash", "input", "nonce", "to", "transactionIndex", "value", "type", "accessList", "chainId", "v", "r", "s", "yParity",
    ]);
    expect(user.v).toBe(user.yParity);
    expect(BigInt(user.gasPrice)).toBe(BigInt(b.baseFeePerGas) + BigInt(user.maxPriorityFeePerGas));
  });

  it("is readable by viem (OP Stack formatters) as op-geth is", async () => {
    const devnet = defineChain({ ...opStackChainConfig, id: 901, name: "op-follow devnet", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [s.urls.l2] } } });
    const client = createPublicClient({ chain: devnet, transport: http(s.urls.l2) });
    expect(await client.getChainId()).toBe(901);
    expect(await client.getBlockNumber()).toBe(s.chain.l2Tip().number);
    let deposits = 0;
    for (const n of [1n, 6n, 30n]) {
      const b = await client.getBlock({ blockNumber: n, includeTransactions: true });
      const ours = s.chain.view("follower").blockByNumber(n)!;
      expect(b.hash).toBe(ours.hash);
      expect(b.transactions.map((t) => t.hash)).toEqual(ours.txs.map((t) => t.hash));
      const first = b.transactions[0]!;
      expect(first.type).toBe("deposit");
      if (first.type === "deposit") {
        expect(first.sourceHash).toMatch(/^0x[0-9a-f]{64}$/);
        expect(first.isSystemTx).toBeUndefined();
      }
      for (const t of b.transactions) if (t.type === "deposit" && t.mint !== undefined && t.mint > 0n) deposits++;
      expect(b.withdrawals).toEqual([]);
      expect(b.blobGasUsed).toBe(0n);
    }
    expect(deposits).toBeGreaterThan(0);
    // and by the optimism chain object from viem/chains (the formatters a real OP chain client uses)
    const opClient = createPublicClient({ chain: { ...optimism, id: 901 }, transport: http(s.urls.l2) });
    const latest = await opClient.getBlock({ includeTransactions: true });
    expect(latest.number).toBe(s.chain.l2Tip().number);
    const l1 = createPublicClient({ transport: http(s.urls.l1) });
    expect(await l1.getChainId()).toBe(900);
    const l1b = await l1.getBlock({ blockTag: "latest", includeTransactions: true });
    expect(l1b.hash).toBe(s.chain.l1Head().hash);
    expect(l1b.withdrawals).toHaveLength(2);
  });

  it("answers the SystemConfig signer by eth_call and eth_getStorageAt", async () => {
    expect(UNSAFE_BLOCK_SIGNER_SELECTOR).toBe("0x1fd19ee1");
    expect(UNSAFE_BLOCK_SIGNER_SLOT).toBe("0x65a7ed542fb37fe237fdfbdd70b31598523fe5b32879e307bae27a0bd9581c08");
    const sc = s.chain.options.systemConfig;
    const signerWord = `0x${"00".repeat(12)}${DEV_ACCOUNTS[5]!.address.slice(2).toLowerCase()}`;
    expect((await rpc(s.urls.l1, "eth_call", [{ to: sc, data: "0x1fd19ee1" }, "latest"])).result).toBe(signerWord);
    expect((await rpc(s.urls.l1, "eth_call", [{ to: sc, input: "0x1fd19ee1" }])).result).toBe(signerWord);
    expect((await rpc(s.urls.l1, "eth_getStorageAt", [sc, UNSAFE_BLOCK_SIGNER_SLOT, "latest"])).result).toBe(signerWord);
    expect((await rpc(s.urls.l1, "eth_getStorageAt", [sc, "0x0", "latest"])).result).toBe(`0x${"00".repeat(32)}`);
    expect((await rpc(s.urls.l1, "eth_call", [{ to: sc, data: "0x12345678" }, "latest"])).error).toEqual({ code: -32000, message: "execution reverted" });
    const l1Client = createPublicClient({ transport: http(s.urls.l1) });
    const viaViem = await l1Client.readContract({ address: sc, abi: [{ type: "function", name: "unsafeBlockSigner", inputs: [], outputs: [{ type: "address" }], stateMutability: "view" }], functionName: "unsafeBlockSigner" });
    expect(viaViem).toBe(DEV_ACCOUNTS[5]!.address);
    // rotation is visible from the head on, not at older blocks
    const before = s.chain.l1Head();
    s.chain.setUnsafeBlockSigner(DEV_ACCOUNTS[8]!.address);
    s.advance(12);
    expect((await rpc(s.urls.l1, "eth_getStorageAt", [sc, UNSAFE_BLOCK_SIGNER_SLOT, "latest"])).result).toContain(DEV_ACCOUNTS[8]!.address.slice(2).toLowerCase());
    expect((await rpc(s.urls.l1, "eth_getStorageAt", [sc, UNSAFE_BLOCK_SIGNER_SLOT, `0x${(before.number - 1n).toString(16)}`])).result).toBe(signerWord);
    expect((await rpc(s.urls.l1, "eth_getStorageAt", [sc, UNSAFE_BLOCK_SIGNER_SLOT, { blockHash: `0x${"11".repeat(32)}` }])).error).toEqual({ code: -32000, message: "header for hash not found" });
  });

  it("serves optimism_syncStatus in op-node's shape (v1.19.6: no cross_unsafe_l2)", async () => {
    const st = (await rpc(s.urls.rollup, "optimism_syncStatus")).result;
    expect(Object.keys(st)).toEqual([...SYNC_STATUS_L1_FIELDS, ...SYNC_STATUS_L2_FIELDS]);
    for (const k of SYNC_STATUS_L1_FIELDS) {
      expect(Object.keys(st[k])).toEqual(["hash", "number", "parentHash", "timestamp"]);
      expect(typeof st[k].number).toBe("number");
    }
    for (const k of SYNC_STATUS_L2_FIELDS) {
      expect(Object.keys(st[k])).toEqual(["hash", "number", "parentHash", "timestamp", "l1origin", "sequenceNumber"]);
      expect(Object.keys(st[k].l1origin)).toEqual(["hash", "number"]);
      expect(typeof st[k].timestamp).toBe("number");
    }
    const h = s.chain.heads();
    expect(st.unsafe_l2.number).toBe(Number(h.unsafe));
    expect(st.local_safe_l2.number).toBe(Number(h.localSafe));
    expect(st.safe_l2.number).toBe(Number(h.localSafe));
    expect(st.finalized_l2.number).toBe(Number(h.finalized));
    expect(st.head_l1.hash).toBe(s.chain.l1Head().hash);
    const b = (await rpc(s.urls.l2, "eth_getBlockByNumber", [`0x${h.localSafe.toString(16)}`, false])).result;
    expect(st.local_safe_l2).toMatchObject({ hash: b.hash, parentHash: b.parentHash, timestamp: Number(BigInt(b.timestamp)) });
    const seq = (await rpc(s.urls.sequencerRollup, "optimism_syncStatus")).result;
    expect(seq.safe_l2.number).toBe(Number(h.crossSafe));
    const cfg = (await rpc(s.urls.rollup, "optimism_rollupConfig")).result;
    expect(cfg).toMatchObject({ l2_chain_id: 901, l1_chain_id: 900, block_time: 2, isthmus_time: 0, l1_system_config_address: s.chain.options.systemConfig.toLowerCase() });
    const out = (await rpc(s.urls.rollup, "optimism_outputAtBlock", ["0x5"])).result;
    expect(out.outputRoot).toBe(s.chain.outputRoot(s.chain.view("follower").blockByNumber(5n)!).outputRoot);
    expect(out.blockRef.number).toBe(5);
  });

  it("lets a publisher build the signed payload from the sequencer's nodes alone, as against real ones", async () => {
    const st = (await rpc(s.urls.sequencerRollup, "optimism_syncStatus")).result;
    const json = (await rpc(s.urls.sequencerL2, "eth_getBlockByNumber", [`0x${st.safe_l2.number.toString(16)}`, true])).result;
    const parsed = parseRpcBlock(json);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const p = payloadFromRpcBlock(parsed.value, 4);
    if (!p.ok) throw new Error(p.error);
    const ours = s.chain.payloadOf(s.chain.view("sequencer").blockByNumber(BigInt(st.safe_l2.number))!);
    expect(encodeSignedBytes(p.payload, 4, p.parentBeaconBlockRoot)).toEqual(encodeSignedBytes(ours.payload, 4, ours.parentBeaconBlockRoot));
    const m = signGossipMessage(p.payload, 4, p.parentBeaconBlockRoot, 901n, fromHex(s.chain.options.sequencerKey), CROSS_SAFE_SIGNING_DOMAIN);
    const v = await validateGossipMessage(m.message, { chainId: 901n, topic: "/optimism/901/0/cross-safe-blocks", kind: "cross-safe", version: 4, signer: s.chain.sequencerAddress, now: st.safe_l2.timestamp });
    expect(v.verdict).toBe("accept");
    expect(v.blockHash).toBe(json.hash);
  });

  it("returns geth's JSON-RPC errors", async () => {
    expect((await rpc(s.urls.l2, "eth_nope")).error).toEqual({ code: -32601, message: "the method eth_nope does not exist/is not available" });
    expect((await rpc(s.urls.rollup, "eth_chainId")).error?.code).toBe(-32601);
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["latest"])).error).toEqual({ code: -32602, message: "missing value for required argument 1" });
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", [5, true])).error).toEqual({ code: -32602, message: "invalid argument 0: hex string without 0x prefix" });
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["0x05", true])).error).toEqual({ code: -32602, message: "invalid argument 0: hex number with leading zero digits" });
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["0x1", "yes"])).error).toEqual({ code: -32602, message: "invalid argument 1: json: cannot unmarshal string into Go value of type bool" });
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["0x1", true, 3])).error).toEqual({ code: -32602, message: "too many arguments, want at most 2" });
    expect((await rpc(s.urls.l2, "eth_getBlockByHash", ["0x1234", true])).error).toEqual({ code: -32602, message: "invalid argument 0: hex string has length 4, want 64 for common.Hash" });
    const parse = await post(s.urls.l2, "{not json");
    expect(parse.status).toBe(200);
    expect(await parse.text()).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
    expect(await (await post(s.urls.l2, "[]")).json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "empty batch" } });
    expect(await (await post(s.urls.l2, { jsonrpc: "1.0", id: 7, method: "eth_chainId" })).json()).toEqual({ jsonrpc: "2.0", id: 7, error: { code: -32600, message: "invalid request" } });
    // a notification gets no answer, in or out of a batch
    expect(await (await post(s.urls.l2, { jsonrpc: "2.0", method: "eth_chainId" })).text()).toBe("");
    const mixed = (await (await post(s.urls.l2, [{ jsonrpc: "2.0", method: "eth_chainId" }, { jsonrpc: "2.0", id: "a", method: "eth_chainId" }, 5])).json()) as RpcReply[];
    expect(mixed).toEqual([
      { jsonrpc: "2.0", id: "a", result: "0x385" },
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "invalid request" } },
    ]);
    // geth's HTTP layer
    const ct = await post(s.urls.l2, { jsonrpc: "2.0", id: 1, method: "eth_chainId" }, { "content-type": "text/plain" });
    expect(ct.status).toBe(415);
    expect(await ct.text()).toBe("invalid content type, only application/json is supported\n");
    expect((await fetch(s.urls.l2)).status).toBe(200);
    expect((await fetch(s.urls.l2, { method: "PUT", body: "{}" })).status).toBe(405);
    expect((await fetch(`${s.urls.base}/nope`, { method: "POST", body: "{}" })).status).toBe(404);
    // the raw response is one JSON value and a newline
    expect(await (await post(s.urls.l2, { jsonrpc: "2.0", id: 1, method: "eth_chainId" })).text()).toBe('{"jsonrpc":"2.0","id":1,"result":"0x385"}\n');
  });
});

describe("chain server faults and control", () => {
  let s: ChainServer;
  beforeAll(async () => {
    s = await startChainServer({ chain: { seed: "faults" } });
    s.advance(60);
  });
  afterAll(() => s.close());

  it("injects latency, HTTP errors, malformed bodies, JSON-RPC errors, wrong chain ids and null results", async () => {
    const call = { jsonrpc: "2.0", id: 1, method: "eth_chainId" };
    // a delay long enough that an unaffected call on a busy machine still answers well inside it
    const slow = s.faults.add({ endpoint: "l2", method: "eth_chainId", delayMs: 1_000 });
    let t = Date.now();
    expect((await rpc(s.urls.l2, "eth_chainId")).result).toBe("0x385");
    expect(Date.now() - t).toBeGreaterThanOrEqual(990);
    t = Date.now();
    await rpc(s.urls.l1, "eth_chainId"); // other endpoint: unaffected
    expect(Date.now() - t).toBeLessThan(990);
    s.faults.remove(slow);

    s.faults.add({ endpoint: "l2", fault: { kind: "http-status", status: 503 }, times: 1 });
    const r503 = await post(s.urls.l2, call);
    expect(r503.status).toBe(503);
    expect(await r503.text()).toBe("503 Service Unavailable\n");
    expect((await post(s.urls.l2, call)).status).toBe(200); // times: 1 ran out

    s.faults.add({ endpoint: "rollup", method: "optimism_syncStatus", fault: { kind: "http-status", status: 500, body: "boom" }, times: 1 });
    expect((await post(s.urls.rollup, { jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" })).status).toBe(500);

    s.faults.add({ endpoint: "l2", method: "eth_getBlockByNumber", fault: { kind: "malformed" }, times: 1 });
    const bad = await post(s.urls.l2, { jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["0x1", true] });
    expect(bad.status).toBe(200);
    await expect(bad.clone().json()).rejects.toThrow();
    expect((await bad.text()).startsWith('{"jsonrpc":"2.0","id":1,"result":{')).toBe(true);

    s.faults.add({ endpoint: "l1", method: "eth_call", fault: { kind: "rpc-error", code: -32005, message: "limit exceeded" }, times: 1 });
    expect((await rpc(s.urls.l1, "eth_call", [{ to: s.chain.options.systemConfig, data: "0x1fd19ee1" }])).error).toEqual({ code: -32005, message: "limit exceeded" });

    const wrong = s.faults.add({ endpoint: "l2", fault: { kind: "wrong-chain-id", chainId: 10 } });
    expect((await rpc(s.urls.l2, "eth_chainId")).result).toBe("0xa");
    expect((await rpc(s.urls.l2, "net_version")).result).toBe("10");
    s.faults.remove(wrong);

    s.faults.add({ endpoint: "l2", method: "eth_getBlockByNumber", fault: { kind: "null-result" }, times: 1 });
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["0x1", false])).result).toBeNull();
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", ["0x1", false])).result).not.toBeNull();
    expect(s.faults.list()).toHaveLength(0);
  });

  it("hangs until the client gives up, and viem sees each fault as the Worker's client would", async () => {
    s.faults.add({ endpoint: "l2", method: "eth_blockNumber", fault: { kind: "hang" } });
    const client = createPublicClient({ cacheTime: 0, transport: http(s.urls.l2, { timeout: 300, retryCount: 0 }) });
    const t = Date.now();
    await expect(client.getBlockNumber()).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - t).toBeLessThan(2000);
    s.faults.clear();
    expect(await client.getBlockNumber()).toBe(s.chain.l2Tip().number);
    s.faults.add({ endpoint: "l2", fault: { kind: "http-status", status: 502 }, times: 1 });
    await expect(client.getBlockNumber()).rejects.toMatchObject({ name: "HttpRequestError", status: 502 });
    s.faults.add({ endpoint: "l2", fault: { kind: "rpc-error", code: -32000, message: "header not found" }, times: 1 });
    await expect(client.getBlockNumber()).rejects.toMatchObject({ code: -32000 });
  });

  it("applies HTTP-level faults to a whole batch and per-call faults per call", async () => {
    s.faults.add({ endpoint: "l2", method: "eth_blockNumber", fault: { kind: "rpc-error", code: -32001, message: "nope" }, times: 1 });
    const replies = (await (await post(s.urls.l2, [
      { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      { jsonrpc: "2.0", id: 2, method: "eth_blockNumber" },
    ])).json()) as RpcReply[];
    expect(replies[0]!.result).toBe("0x385");
    expect(replies[1]!.error).toEqual({ code: -32001, message: "nope" });
    s.faults.add({ endpoint: "l2", method: "eth_blockNumber", fault: { kind: "http-status", status: 500 }, times: 1 });
    expect((await post(s.urls.l2, [{ jsonrpc: "2.0", id: 1, method: "eth_chainId" }, { jsonrpc: "2.0", id: 2, method: "eth_blockNumber" }])).status).toBe(500);
  });

  it("is steered over the control API: faults, time, scenarios, payloads", async () => {
    const st = await control(s, { op: "status" });
    expect(st.ok).toBe(true);
    expect(st.urls.l2).toBe(s.urls.l2);
    const tip = s.chain.l2Tip().number;
    const adv = await control(s, { op: "advanceBlocks", count: 4 });
    expect(BigInt(adv.heads.unsafe)).toBe(tip + 4n);

    const added = await control(s, { op: "faults.add", rule: { endpoint: "rollup", fault: { kind: "http-status", status: 503 } } });
    expect(added.ok).toBe(true);
    expect((await post(s.urls.rollup, { jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" })).status).toBe(503);
    expect((await control(s, { op: "faults.remove", id: added.id })).removed).toBe(true);
    expect((await post(s.urls.rollup, { jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" })).status).toBe(200);
    expect((await control(s, { op: "faults.add", rule: { fault: { kind: "bogus" } } })).ok).toBe(false);

    const h = s.chain.heads().crossSafe + 2n;
    const rep = await control(s, { op: "replace", height: Number(h), variant: "op-node" });
    expect(rep.ok).toBe(true);
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", [`0x${h.toString(16)}`, false])).result.hash).toBe(rep.original.hash);
    expect((await rpc(s.urls.sequencerL2, "eth_getBlockByNumber", [`0x${h.toString(16)}`, false])).result.hash).toBe(rep.replacement.hash);
    expect((await rpc(s.urls.l2, "eth_getBlockByHash", [rep.replacement.hash, false])).result).toBeNull();
    await control(s, { op: "promote", height: Number(h) });
    expect((await rpc(s.urls.l2, "eth_getBlockByNumber", [`0x${h.toString(16)}`, false])).result.hash).toBe(rep.replacement.hash);

    // the envelope body of a block for an out-of-process publisher
    const pl = await control(s, { op: "payload", hash: rep.replacement.hash });
    const body = fromHex(pl.parentBeaconBlockRoot + pl.payloadSsz.slice(2));
    const env = decodeEnvelope(new Uint8Array([...new Uint8Array(65), ...body]), 4);
    if (!env.ok) throw new Error(env.error);
    expect(toHex(computeBlockHash(env.envelope.payload, env.envelope.parentBeaconBlockRoot))).toBe(rep.replacement.hash);

    const eq = await control(s, { op: "equivocate", height: Number(s.chain.heads().crossSafe) });
    expect(eq.equivocating.hash).not.toBe(eq.canonical.hash);
    const l1Before = s.chain.l1Head().hash;
    const re = await control(s, { op: "reorgL1", depth: 1 });
    expect(re.orphaned).toEqual([l1Before]);
    expect((await rpc(s.urls.l1, "eth_getBlockByNumber", ["latest", false])).result.hash).not.toBe(l1Before);
    expect((await rpc(s.urls.l1, "eth_getBlockByHash", [l1Before, false])).result.hash).toBe(l1Before);
    const l2Before = s.chain.l2Tip().hash;
    const r2 = await control(s, { op: "reorgL2", from: Number(s.chain.l2Tip().number) });
    expect(r2.orphaned).toEqual([l2Before]);
    expect((await control(s, { op: "reorgL2", from: 0 })).ok).toBe(false);
  });
});

describe("chain server for other processes", () => {
  it("hands out ready signed gossip messages and starts over on reset", async () => {
    const s = await startChainServer({ chain: { seed: "control" } });
    try {
      s.advance(60);
      const n = s.chain.heads().crossSafe;
      const m = await control(s, { op: "signedMessage", number: Number(n) });
      expect(m).toMatchObject({ ok: true, topic: "/optimism/901/0/cross-safe-blocks", signer: DEV_ACCOUNTS[5]!.address, blockHash: s.chain.view("sequencer").blockByNumber(n)!.hash });
      const v = await validateGossipMessage(fromHex(m.message), { chainId: 901n, topic: m.topic, kind: "cross-safe", version: 4, signer: s.chain.sequencerAddress, now: Number(s.chain.now) });
      expect(v.verdict).toBe("accept");
      const bad = await control(s, { op: "signedMessage", number: Number(n), privateKey: DEV_ACCOUNTS[0]!.privateKey });
      expect((await validateGossipMessage(fromHex(bad.message), { chainId: 901n, topic: m.topic, kind: "cross-safe", version: 4, signer: s.chain.sequencerAddress, now: Number(s.chain.now) })).reason).toBe("wrong-signer");
      const before = s.chain;
      const st = await control(s, { op: "reset", options: { seed: "control", l2ChainId: "0x386" } });
      expect(st.heads.unsafe).toBe("0");
      expect(s.chain).not.toBe(before);
      expect((await rpc(s.urls.l2, "eth_chainId")).result).toBe("0x386");
    } finally {
      await s.close();
    }
  });

  it("is steered with the typed control client", async () => {
    const s = await startChainServer({ chain: { seed: "client" } });
    try {
      const c = controlClient(s.urls.control);
      const st = await c.advance(60);
      expect(st.heads.unsafe).toBe("30");
      const h = BigInt(st.heads.crossSafe) + 1n;
      const r = await c.replace(h, "spec");
      expect(r.replacement.kind).toBe("replacement");
      await c.promote(h);
      const eq = await c.equivocate(st.heads.crossSafe);
      expect(eq.equivocating.number).toBe(st.heads.crossSafe);
      const id = await c.addFault({ endpoint: "l1", fault: { kind: "http-status", status: 503 }, times: 1 });
      expect(id).toMatch(/^f\d+$/);
      expect((await post(s.urls.l1, { jsonrpc: "2.0", id: 1, method: "eth_chainId" })).status).toBe(503);
      const m = await c.signedMessage({ number: h });
      expect(m.blockHash).toBe(r.replacement.hash);
      await expect(c.reorgL2(0)).rejects.toThrow(/reorgL2/);
      expect((await c.reset()).heads.unsafe).toBe("0");
    } finally {
      await s.close();
    }
  });

});

describe("chain server in real time", () => {
  it("follows the wall clock from a genesis of now", async () => {
    const s = await startChainServer({ chain: { l1BlockTime: 2, l2BlockTime: 1 }, realtime: { intervalMs: 50 } });
    try {
      const start = s.chain.l2Tip().number;
      expect(Number(s.chain.options.genesisTime)).toBeGreaterThan(Date.now() / 1000 - 5);
      await new Promise((r) => setTimeout(r, 1300));
      expect(s.chain.l2Tip().number).toBeGreaterThanOrEqual(start + 1n);
      expect(s.chain.l2Tip().timestamp <= BigInt(Math.floor(Date.now() / 1000))).toBe(true);
      s.stopTicking();
    } finally {
      await s.close();
    }
  });
});
